import type { AppConfig } from '../config/app-config.js';
import { formatDuration } from '../domain/duration.js';
import type { ConfigDiagnostic } from '../errors.js';
import type { PrometheusQueryApi, PrometheusSeriesApi, QueryContext } from '../prometheus/query-api.js';
import { askAboutQuery, placeInFile, queryLabel, sloQueryChecks, vectorSelectors, type SloQueryCheck } from '../prometheus/query-check.js';

/** What `config check --prometheus` found, each at the place the query is written. */
export interface OnlineQueryCheck {
  /** Queries Prometheus refuses (parse and type errors) or cannot evaluate: the config does not work. */
  problems: ConfigDiagnostic[];
  /** Selectors that match no series in their SLO's window: a misspelt metric or label, or no traffic yet. */
  noSeries: ConfigDiagnostic[];
  /** How many queries were asked about. */
  queries: number;
}

const CONTEXT: QueryContext = { subject: 'config check' };

/**
 * Asks Prometheus about every query of every SLO, as written: each is evaluated on its own at
 * `atMs` (its `{{.window}}` as 5m), and each vector selector of a query it accepts is looked up
 * with the series API over the SLO's window before `atMs`. A failure to reach Prometheus is
 * thrown (PrometheusError).
 */
export async function checkQueriesOnline(config: AppConfig, api: PrometheusQueryApi & PrometheusSeriesApi, atMs: number): Promise<OnlineQueryCheck> {
  const result: OnlineQueryCheck = { problems: [], noSeries: [], queries: 0 };
  const seriesFound = new Map<string, Promise<boolean>>();
  const hasSeries = (selector: string, windowMs: number) => {
    const key = `${windowMs} ${selector}`;
    let found = seriesFound.get(key);
    if (found === undefined) {
      found = api.series(selector, atMs - windowMs, atMs, CONTEXT).then((series) => series.length > 0);
      seriesFound.set(key, found);
    }
    return found;
  };
  for (const slo of config.slos) {
    for (const check of sloQueryChecks(slo, config.queryOrigins?.[slo.name])) {
      result.queries += 1;
      const verdict = await askAboutQuery(api, check, atMs, CONTEXT);
      if (!verdict.ok) {
        const how = verdict.errorType === 'bad_data' ? 'refuses it' : `cannot evaluate it (${verdict.errorType})`;
        result.problems.push(diagnostic(config, check, verdict.offset, `Prometheus ${how}: ${verdict.message}`));
        continue;
      }
      const within = `in the ${formatDuration(slo.windowMs)} before ${new Date(atMs).toISOString()}`;
      for (const selector of vectorSelectors(check.promql)) {
        if (await hasSeries(selector.text, slo.windowMs)) continue;
        let message = `${selector.text} matches no series ${within}`;
        if (selector.name !== undefined && selector.name !== selector.text) {
          message += (await hasSeries(selector.name, slo.windowMs)) ? `: ${selector.name} has series, but none with these labels` : `: no series is named ${selector.name}`;
        }
        result.noSeries.push(diagnostic(config, check, selector.from, message));
      }
    }
  }
  return result;
}

/** A finding at the place in the file of the character at `offset` of the query asked. */
function diagnostic(config: AppConfig, check: SloQueryCheck, offset: number | undefined, message: string): ConfigDiagnostic {
  const place = placeInFile(check, offset);
  // A built-in SLO's query is written nowhere: named by its SLO and query.
  return { ...(place ?? { file: config.source, line: 0, column: 0, path: `SLO ${check.slo} ${queryLabel(check.query)}` }), message };
}
