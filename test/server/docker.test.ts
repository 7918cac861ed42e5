import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { REPO_ROOT } from '../helpers/fixture.js';

// Docker cannot run on the project's machines: these tests lint the files' shape instead of building.

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions per stage, continuation lines joined and comments dropped. */
function dockerStages(text: string): Instruction[][] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages[stages.length - 1]?.push(instruction);
  }
  return stages;
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = dockerStages(dockerfile);
const runtime = stages[stages.length - 1]!;
const find = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);

describe('Dockerfile', () => {
  it('is a multi-stage build whose every base image is pinned to an exact version (or digest)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const image = stage[0]!.args.split(/\s+/)[0]!;
      const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/.test(image);
      expect(pinned, `FROM ${image}`).toBe(true);
      expect(image).not.toMatch(/:latest|:lts|:current/);
    }
  });

  it('compiles better-sqlite3 in the build stage, not in the runtime stage', () => {
    const build = stages[0]!.map((i) => i.args).join('\n');
    expect(build).toMatch(/python3/);
    expect(build).toMatch(/g\+\+/);
    expect(build).toMatch(/npm ci/);
    expect(find(runtime, 'RUN').map((i) => i.args).join('\n')).not.toMatch(/npm (ci|install)|apt-get/);
    expect(find(runtime, 'COPY').some((i) => /--from=build .*node_modules/.test(i.args))).toBe(true);
  });

  it('runs as a non-root user, with a volume, EXPOSE 9464 and a HEALTHCHECK on /healthz', () => {
    const users = find(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(find(runtime, 'VOLUME').length).toBeGreaterThan(0);
    expect(find(runtime, 'EXPOSE').map((i) => i.args)).toContain('9464');
    const healthchecks = find(runtime, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    expect(healthchecks[0]!.args).toMatch(/127\.0\.0\.1:9464\/healthz/);
  });

  it('starts `serve` listening on every interface of the container', () => {
    const command = [...find(runtime, 'ENTRYPOINT'), ...find(runtime, 'CMD')].map((i) => i.args).join(' ');
    expect(command).toMatch(/slo-ledger\.js/);
    expect(command).toMatch(/"serve", "--listen", "0\.0\.0\.0:9464"/);
  });

  it('has a .dockerignore that keeps the local database, node_modules and env files out of the context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '*.db', '.env', '.git']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.example.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.example.yml'), 'utf8')) as {
    services: Record<string, { image?: string; environment?: Record<string, string>; ports?: string[] }>;
    configs: Record<string, { content?: string; file?: string }>;
  };
  const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-compose-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs Prometheus, slo-ledger and Grafana, the token from the environment and never written down', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'prometheus', 'slo-ledger']);
    expect(compose.services.prometheus!.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(compose.services['slo-ledger']!.environment!.SLO_LEDGER_TOKEN).toMatch(/^\$\{SLO_LEDGER_TOKEN:\?/);
  });

  it('gives Prometheus a valid config (promtool) with a scrape job for slo-ledger\'s /metrics', async () => {
    // The Prometheus config is a file of its own, examples/prometheus.yml.
    const content = readFileSync(join(REPO_ROOT, compose.configs.prometheus_config!.file!), 'utf8');
    const config = parse(content) as { scrape_configs: Array<Record<string, unknown>> };
    const job = config.scrape_configs.find((j) => j.job_name === 'slo-ledger')!;
    expect(job).toMatchObject({ metrics_path: '/metrics', authorization: { type: 'Bearer' }, static_configs: [{ targets: ['slo-ledger:9464'] }] });
    // promtool needs the credentials file to exist; point it at a temp one.
    const file = join(dir, 'prometheus.yml');
    writeFileSync(join(dir, 'token'), 'x');
    writeFileSync(file, content.replace('/run/secrets/slo_ledger_token', join(dir, 'token')));
    const { stdout } = await promisify(execFile)('promtool', ['check', 'config', file]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('gives slo-ledger a valid config that binds to all interfaces with the token from $SLO_LEDGER_TOKEN', () => {
    // Compose turns `$$` into `$`; slo-ledger then expands ${SLO_LEDGER_TOKEN} from its environment.
    const file = join(dir, 'slo-ledger.yaml');
    writeFileSync(file, compose.configs.slo_ledger_config!.content!.replaceAll('$$', '$'));
    const loaded = loadConfig({ file, env: { SLO_LEDGER_TOKEN: 'from-env-123' } });
    expect(loaded.server).toMatchObject({ listen: { host: '0.0.0.0', port: 9464 }, token: 'from-env-123' });
  });
});
