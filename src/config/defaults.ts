import type { SloDefinition } from '../domain/slo.js';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * The built-in SLOs: the Rendiff FFmpeg API's objectives from its monitoring guide, section
 * "SLA Monitoring" (targets, 30-day window) and "SLA Breach Response" (availability tiers).
 * Used when the configuration has no `slos` list.
 */
export const DEFAULT_SLOS: readonly SloDefinition[] = Object.freeze([
  {
    name: 'api-availability',
    service: 'rendiff-api',
    description:
      'API Availability: 99.9% over 30 days; error budget 0.1% (Rendiff monitoring guide, "SLA Monitoring"). ' +
      'Bad events are 5xx responses. Critical breach below 99%, warning below 99.5% ("SLA Breach Response").',
    objectiveRatio: 0.999,
    windowMs: THIRTY_DAYS_MS,
    tiers: { criticalRatio: 0.99, warningRatio: 0.995 },
    sli: {
      kind: 'events',
      badQuery: 'sum(increase(rendiff_api_requests_total{status_code=~"5.."}[{{.window}}]))',
      totalQuery: 'sum(increase(rendiff_api_requests_total[{{.window}}]))',
    },
  },
  {
    name: 'api-latency',
    service: 'rendiff-api',
    description:
      'Response Time (95th percentile) < 2 seconds over 30 days: ' +
      '"5% of requests may exceed 2s response time" (Rendiff monitoring guide, "SLA Monitoring", Error Budget).',
    objectiveRatio: 0.95,
    windowMs: THIRTY_DAYS_MS,
    sli: {
      kind: 'latency',
      histogram: 'rendiff_api_request_duration_seconds',
      selector: '',
      thresholdSeconds: 2,
      quantile: 0.95,
    },
  },
  {
    name: 'job-success',
    service: 'rendiff-api',
    description:
      'Job Success Rate: 95% over 30 days; "5% of jobs may fail" (Rendiff monitoring guide, "SLA Monitoring", Error Budget). ' +
      'Good events are completed jobs, total is completed plus failed.',
    objectiveRatio: 0.95,
    windowMs: THIRTY_DAYS_MS,
    sli: {
      kind: 'events',
      goodQuery: 'sum(increase(rendiff_jobs_completed_total[{{.window}}]))',
      // The failed counter has no series until the first failure; `or vector(0)` keeps the sum defined.
      totalQuery:
        'sum(increase(rendiff_jobs_completed_total[{{.window}}])) + ' +
        '(sum(increase(rendiff_jobs_failed_total[{{.window}}])) or vector(0))',
    },
  },
] satisfies SloDefinition[]);
