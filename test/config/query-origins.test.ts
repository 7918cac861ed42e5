import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { originPosition, type QueryOrigin } from '../../src/domain/query-origin.js';
import { writeConfig } from './helpers.js';

/** The character of the file at the position `originPosition` gives for `offset` of the query. */
function charAt(file: string, origin: QueryOrigin, offset: number): string | undefined {
  const { line, column } = originPosition(origin, offset);
  return readFileSync(file, 'utf8').split('\n')[line - 1]?.[column - 1];
}

/** Every character of the query that is not white space is found at its place in the file. */
function everyCharacterInPlace(file: string, origin: QueryOrigin): void {
  [...origin.text].forEach((char, offset) => {
    if (/\s/.test(char)) return;
    // An escape (\" in double quotes, '' in single quotes) starts with its first character.
    const expected = char === '"' && origin.text !== char ? ['"', '\\'] : [char];
    expect(expected, `offset ${offset} of ${JSON.stringify(origin.text)}`).toContain(charAt(file, origin, offset));
  });
}

// Where each SLO query is written (AppConfig.queryOrigins), character by character, in every kind
// of YAML scalar, so an error Prometheus reports inside a query is placed at FILE:LINE:COL.
describe('query origins', () => {
  const slo = (name: string, total: readonly string[]) => [
    `  - name: ${name}`,
    '    service: shop',
    '    objective: 99',
    '    sli:',
    '      events:',
    '        good_query: sum(increase(ok_total[{{.window}}]))',
    ...total,
  ];

  it('places every character of plain, quoted, literal and folded queries, and the end just after the last one', () => {
    const file = writeConfig([
      'slos:',
      ...slo('plain', ['        total_query: sum(increase(x_total[{{.window}}]))']),
      ...slo('double', ['        total_query: "sum(increase(x_total{code=\\"5..\\"}[{{.window}}]))"']),
      ...slo('single', ["        total_query: 'sum(increase(x_total{code=''5..''}[{{.window}}]))'"]),
      ...slo('literal', ['        total_query: |', '          sum(', '            increase(x_total[{{.window}}])', '          )']),
      ...slo('folded', ['        total_query: >', '          sum(increase(x_total[{{.window}}]))', '          + 0']),
      ...slo('multiline-plain', ['        total_query: sum(increase(x_total[{{.window}}]))', '          + 0']),
    ]);
    const config = loadConfig({ file, env: {} });
    for (const name of ['plain', 'double', 'single', 'literal', 'folded', 'multiline-plain']) {
      const total = config.queryOrigins?.[name]?.find((o) => o.query === 'total_query');
      expect(total, name).toBeDefined();
      expect(total!.file).toBe(file);
      expect(total!.runs, name).toBeDefined();
      everyCharacterInPlace(file, total!);
    }
    const literal = config.queryOrigins!.literal!.find((o) => o.query === 'total_query')!;
    expect(literal).toMatchObject({ path: 'slos[3].sli.events.total_query', line: 30, column: 11 });
    // "unexpected end of input": just after the closing parenthesis on the literal's last line.
    expect(originPosition(literal, literal.text.length)).toEqual({ line: 32, column: 12 });
    const plain = config.queryOrigins!.plain!.find((o) => o.query === 'total_query')!;
    expect(plain).toMatchObject({ path: 'slos[0].sli.events.total_query', line: 8, column: 22 });
    expect(originPosition(plain, 4)).toEqual({ line: 8, column: 26 });
  });

  it('falls back to the query\'s own place when its value is not what the file says (a ${VAR} put in)', () => {
    const file = writeConfig(['slos:', ...slo('env', ['        total_query: sum(increase(${METRIC}[{{.window}}]))'])]);
    const config = loadConfig({ file, env: { METRIC: 'requests_total' } });
    const total = config.queryOrigins!.env!.find((o) => o.query === 'total_query')!;
    expect(total).toMatchObject({ text: 'sum(increase(requests_total[{{.window}}]))', line: 8, column: 22 });
    expect(total.runs).toBeUndefined();
    expect(originPosition(total, 20)).toEqual({ line: 8, column: 22 });
  });

  it('the built-in SLOs are written nowhere', () => {
    expect(loadConfig({ env: {} }).queryOrigins).toEqual({});
  });
});
