/** The benchmarks' many SLOs: the three Rendiff SLOs over different label selections. */
import { DEFAULT_SLOS } from '../src/config/defaults.js';
import type { SloDefinition } from '../src/domain/slo.js';

const SELECTORS = ['', 'method="POST"', 'method="GET"', 'endpoint="/api/v1/convert"', 'endpoint="/api/v1/jobs"'];
const JOB_SELECTORS = ['', 'job_type="video_conversion"', 'job_type="audio_extract"'];

/** `count` distinct SLOs: the three Rendiff SLOs over different label selections. */
export function slos(count: number): SloDefinition[] {
  const out: SloDefinition[] = [];
  for (let i = 0; out.length < count; i++) {
    const base = structuredClone(DEFAULT_SLOS[i % 3]!) as SloDefinition;
    const variant = Math.floor(i / 3);
    const name = `${base.name}-${variant}`;
    if (base.sli.kind === 'latency') {
      // Distinct definitions the histogram does not filter by: an always-true matcher per variant.
      out.push({ ...base, name, sli: { ...base.sli, selector: `instance!="variant-${variant}"` } });
    } else if (base.name === 'api-availability') {
      const sel = SELECTORS[variant % SELECTORS.length]!;
      const extra = `${sel}${sel ? ',' : ''}instance!="variant-${variant}"`;
      out.push({ ...base, name, sli: { kind: 'events', badQuery: `sum(increase(rendiff_api_requests_total{status_code=~"5..",${extra}}[{{.window}}]))`, totalQuery: `sum(increase(rendiff_api_requests_total{${extra}}[{{.window}}]))` } });
    } else {
      const sel = JOB_SELECTORS[variant % JOB_SELECTORS.length]!;
      const extra = `${sel}${sel ? ',' : ''}instance!="variant-${variant}"`;
      out.push({ ...base, name, sli: { kind: 'events', goodQuery: `sum(increase(rendiff_jobs_completed_total{${extra}}[{{.window}}]))`, totalQuery: `sum(increase(rendiff_jobs_completed_total{${extra}}[{{.window}}])) + (sum(increase(rendiff_jobs_failed_total{${extra}}[{{.window}}])) or vector(0))` } });
    }
  }
  return out;
}
