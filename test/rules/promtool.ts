import { execFile } from 'node:child_process';

/** How a promtool run ended. */
export interface PromtoolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs promtool (Debian's prometheus package) with `args`, to completion. */
export function runPromtool(args: string[], timeoutMs = 60_000): Promise<PromtoolRun> {
  return new Promise((resolve) => {
    execFile('promtool', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = !error ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A counter's samples, one a minute from 0, in promtool's expanding notation: `increments[m]` is
 * what the counter gains in minute m + 1, so the sample at minute m is the sum of the first m.
 * Runs of equal increments become one `a+bxn` term: days of samples stay a short string.
 */
export function counterValues(increments: readonly number[]): string {
  const samples = [0];
  for (const step of increments) samples.push(samples[samples.length - 1]! + step);
  const terms: string[] = [];
  let i = 0;
  while (i < samples.length) {
    if (i === samples.length - 1) {
      terms.push(String(samples[i]));
      break;
    }
    const step = samples[i + 1]! - samples[i]!;
    let j = i + 1;
    while (j + 1 < samples.length && samples[j + 1]! - samples[j]! === step) j++;
    // `a+bxn` expands to n + 1 samples: a, a+b, …, a+n·b.
    terms.push(`${samples[i]}+${step}x${j - i}`);
    i = j + 1;
  }
  return terms.join(' ');
}
