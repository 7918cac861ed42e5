import type { QueryOrigin } from '../domain/query-origin.js';
import type { SloDefinition } from '../domain/slo.js';
import { PrometheusError } from '../errors.js';
import type { PrometheusQueryApi } from './query-api.js';
import { askAboutQuery, diagnosticText, queryLabel, shownQuery, sloQueryChecks, syntaxErrorOffset, verdictOf, type QueryVerdict, type SloQueryCheck } from './query-check.js';

/**
 * Names a query Prometheus refused (bad_data) by what the user wrote. The sync sends an SLO's
 * queries combined and rewritten, so Prometheus's position (`1:214`) is in text nobody wrote. Each
 * query as written is read with Prometheus's grammar (lezer-promql), which finds a syntax error
 * without asking; then each is asked about on its own — those with a syntax error first — and the
 * first one Prometheus refuses is reported with Prometheus's own words, at FILE:LINE:COL inside it.
 * A query with a syntax error is still reported, at lezer's position, when Prometheus cannot be
 * asked again. Undefined when no query alone is at fault: the original error stands.
 */
export async function explainRefusal(
  api: PrometheusQueryApi,
  slo: SloDefinition,
  origins: readonly QueryOrigin[] | undefined,
  refused: PrometheusError,
  atMs: number,
): Promise<PrometheusError | undefined> {
  const checks = sloQueryChecks(slo, origins);
  const local = checks.map((check) => syntaxErrorOffset(check.promql));
  const order = checks.map((_, i) => i).sort((a, b) => Number(local[b] !== undefined) - Number(local[a] !== undefined));
  try {
    for (const i of order) {
      const verdict = await askAboutQuery(api, checks[i]!, atMs, { slo: slo.name });
      if (!verdict.ok && verdict.errorType === 'bad_data') return refusal(checks[i]!, verdict, refused);
    }
  } catch {
    // Prometheus cannot be asked again just now: what the grammar found is all there is to say.
  }
  const first = order[0];
  if (first === undefined || local[first] === undefined) return undefined;
  // Prometheus's own words for the combined query, at the place the grammar found in the query as written.
  const words = verdictOf(refused, '').message;
  return refusal(checks[first]!, { ok: false, errorType: 'bad_data', message: words, offset: local[first] }, refused);
}

function refusal(check: SloQueryCheck, verdict: QueryVerdict & { ok: false }, refused: PrometheusError): PrometheusError {
  const label = queryLabel(check.query);
  return new PrometheusError(
    `SLO ${check.slo}: Prometheus refused its ${label}: ${diagnosticText(check, verdict)}; ${label} as written: ${shownQuery(check.written)}`,
    { query: check.promql, slo: check.slo, errorType: verdict.errorType, detail: verdict.message, cause: refused },
  );
}
