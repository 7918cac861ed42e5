import { shortScenario } from '../../src/fixture/scenarios.js';

const at = (iso: string) => Date.parse(iso);

/**
 * The alert tests' traffic (one fixture cache entry for all of them): 1,200 requests a minute with
 * 0.05 % errors, 5 % errors from 21:00 to 21:30 on 31 October 2026 (a page at 21:20), and a scrape
 * gap from 23:00 to 23:50 (a no-data alert after 30 minutes).
 */
export const ALERT_SCENARIO = shortScenario({
  requestsPerMinute: 1200,
  errorRatio: 0.0005,
  events: [
    { kind: 'errors', startMs: at('2026-10-31T21:00:00Z'), endMs: at('2026-10-31T21:30:00Z'), errorRatio: 0.05 },
    { kind: 'scrape-gap', startMs: at('2026-10-31T23:00:00Z'), endMs: at('2026-10-31T23:50:00Z') },
  ],
});
