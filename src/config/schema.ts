import { IANAZone } from 'luxon';
import { z } from 'zod';
import { BUCKET_MS, parseDuration } from '../domain/duration.js';
import { DEFAULT_LISTEN, parseListenAddress } from './listen-address.js';
import { ALERTMANAGER_OWN_LABELS, alertmanagerSchema } from './alertmanager-config.js';
import { emailSchema, scheduleSchema } from './email-schedule.js';
import { correctionSchema } from './corrections-config.js';
import { DEFAULT_SLOS } from './defaults.js';
import { checkGrouping, groupByList } from './group-by.js';
import { parseDatabaseLocation } from './database-location.js';

/** The placeholder every events query must contain; replaced by a Prometheus duration per window. */
export const WINDOW_PLACEHOLDER = '{{.window}}';

/** A positive Prometheus duration string ("30s", "5m", "30d"), kept as text; converted later. */
const durationText = z.string().superRefine((text, ctx) => {
  try {
    if (parseDuration(text) <= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'duration must be greater than zero' });
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
  }
});

/** The duration's milliseconds, NaN when it does not parse (`durationText` reports that). */
function durationMsOrNaN(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
}

const httpUrl = z
  .string()
  .url('must be an absolute URL such as http://localhost:9090')
  .refine((text) => /^https?:\/\//i.test(text), 'must be an http:// or https:// URL');

const timeZone = z.string().refine((name) => IANAZone.isValidZone(name), {
  message: 'not a known IANA time zone name (e.g. "UTC", "Europe/Berlin", "America/New_York")',
});

/** An SLO window: the ledger sums 5-minute buckets, so a window must be a whole number of them. */
const windowText = durationText.superRefine((text, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    return; // already reported by durationText
  }
  if (ms > 0 && ms % BUCKET_MS !== 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'window must be a whole number of 5-minute buckets (e.g. 7d, 28d, 30d)' });
  }
});

/** `HOST:PORT` the HTTP server binds to. */
const listenText = z.string().superRefine((text, ctx) => {
  try {
    parseListenAddress(text);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
  }
});

/** What a write token's name may be: it becomes the author in the corrections' audit trail. */
export const API_TOKEN_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * `server.api_tokens`: token name → token, the bearer tokens that may change corrections through
 * the HTTP API. A token is a secret, so no message here ever quotes one (the config's secrets are
 * not known yet when it fails to load). Two names with one token would make the author ambiguous.
 */
const apiTokensSchema = z
  .record(
    // Reported at the key itself (issue-diagnostics.ts reads `at: 'key'`), beside any bad token.
    z.string().refine((name) => API_TOKEN_NAME.test(name), (name) => ({
      message: `${JSON.stringify(name)} is not a token name: 1 to 64 characters of A-Z a-z 0-9 _ . @ -`,
      params: { at: 'key' },
    })),
    z
      .string({ invalid_type_error: 'must be a token (a string; give it as ${VAR} from the environment)' })
      .min(1, 'must not be empty')
      .refine((token) => !/\s/.test(token), 'must not contain whitespace: an Authorization header could not carry it'),
  )
  .superRefine((tokens, ctx) => {
    const names = Object.keys(tokens);
    if (names.length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'names no token; leave "api_tokens" out to keep writes disabled' });
    const firstName = new Map<string, string>();
    for (const name of names) {
      const token = tokens[name]!;
      const earlier = firstName.get(token);
      if (earlier !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `has the same token as ${JSON.stringify(earlier)}; each name needs its own token, or the audit trail cannot tell them apart` });
      else firstName.set(token, name);
    }
  });

/**
 * The HTTP server of `serve`: bind address, optional bearer token (a secret: give it as `${VAR}`),
 * the named write tokens of the corrections API, reports folder, and whether /metrics carries a
 * grouped SLO's groups besides its totals.
 */
const serverSchema = z
  .object({
    listen: listenText.default(DEFAULT_LISTEN),
    token: z.string().min(1, 'must not be empty; leave "token" out to serve without one').optional(),
    api_tokens: apiTokensSchema.optional(),
    reports_dir: z.string().min(1).default('./reports'),
    metrics_groups: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    /** Which replicas export the SLO gauges on /metrics: every one (the same figures), or the leader only. */
    slo_metrics: z.enum(['all', 'leader'], { errorMap: () => ({ message: 'must be "all" (every replica exports the SLO gauges) or "leader" (only the leading replica does)' }) }).default('all'),
  })
  .strict()
  .superRefine((server, ctx) => {
    // The read token is shared with whatever scrapes /metrics; it must not also be a write token.
    for (const [name, token] of Object.entries(server.api_tokens ?? {})) {
      if (server.token !== undefined && token === server.token) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['api_tokens', name], message: 'is the same as server.token; a write token must differ from the read token, or every reader could write' });
      }
    }
  });

const prometheusSchema = z
  .object({
    url: httpUrl.default('http://localhost:9090'),
    headers: z.record(z.string(), z.string()).optional(),
    bearer_token: z.string().min(1).optional(),
    basic_auth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    timeout: durationText.default('30s'),
    /** How long after a bucket closes an empty answer for it is fetched again rather than believed. */
    settle_time: durationText.default('15m'),
  })
  .strict()
  .superRefine((prometheus, ctx) => {
    if (prometheus.bearer_token !== undefined && prometheus.basic_auth !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['basic_auth'],
        message: 'bearer_token and basic_auth are mutually exclusive; use one of them',
      });
    }
  });

/** Objectives below this percentage need `allow_low_objective: true`. */
const LOW_OBJECTIVE_PERCENT = 50;

const percentBelow100 = z.number().gt(0, 'must be a percentage above 0').lt(100, 'must be a percentage below 100 (e.g. 99.9)');
const tierPercent = z.number().gt(0, 'must be a percentage above 0').lte(100, 'must be a percentage of at most 100');

const tiersSchema = z
  .object({ critical: tierPercent, warning: tierPercent })
  .strict()
  .refine((tiers) => tiers.critical < tiers.warning, {
    path: ['critical'],
    message: 'critical must be below warning (an SLI below critical is worse than one below warning)',
  });

const eventsQuery = z.string().refine((query) => query.includes(WINDOW_PLACEHOLDER), {
  message: `query must contain the ${WINDOW_PLACEHOLDER} placeholder, e.g. sum(increase(x_total[${WINDOW_PLACEHOLDER}]))`,
});

const eventsSchema = z
  .object({ good_query: eventsQuery.optional(), bad_query: eventsQuery.optional(), total_query: eventsQuery })
  .strict()
  .superRefine((events, ctx) => {
    const given = [events.good_query, events.bad_query].filter((q) => q !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: given === 0 ? 'needs good_query or bad_query' : 'give good_query or bad_query, not both',
      });
    }
  });

const latencySchema = z
  .object({
    histogram: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name (base name, without _bucket)'),
    selector: z
      .string()
      .refine((text) => !/^\s*\{/.test(text), 'write the label matchers without the surrounding braces')
      .default(''),
    threshold: z.number().positive('must be a positive number of seconds').finite(),
    quantile: z.number().gt(0).lt(1, 'must be between 0 and 1, e.g. 0.95').default(0.95),
  })
  .strict();

const sliSchema = z
  .object({ events: eventsSchema.optional(), latency: latencySchema.optional() })
  .strict()
  .superRefine((sli, ctx) => {
    const kinds = [sli.events, sli.latency].filter((kind) => kind !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: kinds === 0 ? 'needs an SLI kind: events or latency' : 'give one SLI kind, events or latency, not both',
      });
    }
  });

/** Label names an SLO may add to its alerts: Prometheus label names, none that slo-ledger sets itself. */
const alertLabels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `${JSON.stringify(name)} is not a Prometheus label name`, params: { at: 'key' } });
    else if ((ALERTMANAGER_OWN_LABELS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `slo-ledger sets ${name} itself (${ALERTMANAGER_OWN_LABELS.join(', ')}); choose another label`, params: { at: 'key' } });
    }
  }
});

const severityAlertingSchema = z
  .object({
    labels: alertLabels.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    disable: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
  })
  .strict();

/**
 * An SLO's additions to its Alertmanager alerts (Sloth's `alerting`): labels and annotations for all
 * of them, and per severity; `disable` leaves a severity out (a disabled page goes out as a ticket).
 */
const sloAlertingSchema = z
  .object({
    labels: alertLabels.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    page: severityAlertingSchema.optional(),
    ticket: severityAlertingSchema.optional(),
  })
  .strict();

/** One SLO of the config file (also what `slos_from` files are converted to before they are checked). */
export const sloSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes ([a-z0-9-]+)'),
    service: z.string().min(1),
    description: z.string().default(''),
    objective: percentBelow100,
    /** An objective below 50 % is almost always a fraction written where a percent belongs (0.999); say so to mean it. */
    allow_low_objective: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    window: windowText.default('30d'),
    tiers: tiersSchema.optional(),
    group_by: groupByList.optional(),
    max_groups: z.number().int('must be a whole number').positive('must be at least 1').optional(),
    alerting: sloAlertingSchema.optional(),
    sli: sliSchema,
  })
  .strict()
  .superRefine(checkGrouping)
  .superRefine((slo, ctx) => {
    if (slo.objective < LOW_OBJECTIVE_PERCENT && slo.allow_low_objective !== true) {
      const meant = slo.objective < 1 ? `; for ${Number((slo.objective * 100).toPrecision(12))} % write objective: ${Number((slo.objective * 100).toPrecision(12))}` : '';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['objective'],
        message: `${slo.objective} is read as ${slo.objective} %: objectives are percents (99.9 for 99.9 %)${meant}; to mean an objective below ${LOW_OBJECTIVE_PERCENT} %, add allow_low_objective: true`,
      });
    }
  });

const slosSchema = z
  .array(sloSchema)
  .min(1, 'at least one SLO is needed; leave "slos" out to use the built-in Rendiff SLOs')
  .superRefine((slos, ctx) => {
    const seen = new Set<string>();
    slos.forEach((slo, index) => {
      if (seen.has(slo.name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'name'], message: `duplicate SLO name "${slo.name}"` });
      }
      seen.add(slo.name);
    });
  });

/** Bucket-aligned window text of a burn-rate rule ("1h", "5m"). */
const alertWindowText = windowText;

/**
 * One burn-rate rule (SRE Workbook, "Alerting on SLOs"): fires when the burn rate over both windows
 * exceeds `factor`, or the factor that spends `budget_consumed` percent of the budget in the long window.
 */
export const alertRuleSchema = z
  .object({
    severity: z.enum(['page', 'ticket']),
    long_window: alertWindowText,
    short_window: alertWindowText,
    factor: z.number().positive('must be a burn rate above 0, e.g. 14.4').finite().optional(),
    budget_consumed: z.number().gt(0, 'must be a percentage above 0').lte(100, 'must be a percentage of at most 100').optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const given = [rule.factor, rule.budget_consumed].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: given === 0 ? 'needs factor (a burn rate, e.g. 14.4) or budget_consumed (percent of the budget in the long window, e.g. 2)' : 'give factor or budget_consumed, not both',
      });
    }
    try {
      if (parseDuration(rule.short_window) >= parseDuration(rule.long_window)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['short_window'], message: 'must be shorter than long_window' });
      }
    } catch {
      // bad durations are reported by the window fields themselves
    }
  });

/** Burn-rate alerting: the policy as data, and when an alert is unknown, missing or repeated. */
const alertingSchema = z
  .object({
    policy: z.array(alertRuleSchema).optional(),
    min_coverage: z.number().gte(0, 'must be a percentage of at least 0').lte(100, 'must be a percentage of at most 100').default(90),
    no_data_after: durationText.default('30m'),
    repeat_interval: durationText.default('4h'),
    link_base_url: httpUrl.optional(),
  })
  .strict();

/** Where alert notifications go: a Slack incoming webhook (Block Kit), or any URL taking generic JSON. */
const slackSchema = z
  .object({
    webhook_url: httpUrl.optional(),
    format: z.enum(['slack', 'json']).default('slack'),
    /** Legacy webhooks only: the channel to post to. */
    channel: z.string().min(1).optional(),
    timeout: durationText.default('10s'),
  })
  .strict()
  .superRefine((slack, ctx) => {
    if (slack.webhook_url === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['webhook_url'],
        message: 'needs the incoming-webhook URL: write webhook_url: ${SLACK_WEBHOOK_URL} or set SLACK_WEBHOOK_URL',
      });
    }
  });

/**
 * Several `serve` replicas on one PostgreSQL ledger: the leader's lease and the sync work they share.
 * A SQLite ledger has one process, which always leads; the section is then unused.
 */
const clusterSchema = z
  .object({
    /** How long the leader's lease lasts unless renewed (every third of it); a new leader takes over within about this long. */
    lease_time: durationText.default('15s').superRefine((text, ctx) => {
      if (durationMsOrNaN(text) < 1_000) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be at least 1s: the leader renews its lease every third of it' });
    }),
    /** SLOs a replica claims for sync at a time. */
    claim_batch: z.number({ invalid_type_error: 'must be a whole number of SLOs, e.g. 25' }).int('must be a whole number of SLOs, e.g. 25').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').default(25),
  })
  .strict();

/** The monthly report: an incident is a period whose burn rate over 1h exceeds `incident_factor`. */
const reportSchema = z
  .object({
    incident_factor: z.number().positive('must be a burn rate above 0, e.g. 6').finite().default(6),
  })
  .strict();

/** The configuration file as written (snake_case, percent, duration strings), with defaults filled in. */
export const configFileSchema = z
  .object({
    prometheus: prometheusSchema.default({}),
    database: z
      .string()
      .min(1)
      .default('./slo-ledger.db')
      .superRefine((text, ctx) => {
        try {
          parseDatabaseLocation(text);
        } catch (error) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        }
      }),
    timezone: timeZone.default('UTC'),
    retention: durationText.default('400d'),
    email: emailSchema.optional(),
    slack: slackSchema.optional(),
    alertmanager: alertmanagerSchema.optional(),
    server: serverSchema.default({}),
    cluster: clusterSchema.default({}),
    schedule: scheduleSchema.default({}),
    alerting: alertingSchema.default({}),
    report: reportSchema.default({}),
    /** Absent: the built-in Rendiff SLOs (see defaults.ts), unless `slos_from` gives some. */
    slos: slosSchema.optional(),
    /** OpenSLO or Sloth files (paths or `*` patterns, relative to the config file) whose SLOs join `slos`. */
    slos_from: z
      .array(z.string().min(1, 'must be a path or pattern such as slos/*.yaml'))
      .min(1, 'names no file; leave "slos_from" out to read SLOs from this file only')
      .optional(),
    /** Periods taken out of the error budget; see corrections-config.ts. */
    corrections: z.array(correctionSchema).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    // With slos_from the SLO names are known only once those files are read (load-config.ts checks then).
    if (file.slos_from !== undefined) return;
    const names = new Set((file.slos ?? DEFAULT_SLOS).map((slo) => slo.name));
    file.corrections.forEach((correction, index) => {
      if (correction.slo !== undefined && !names.has(correction.slo)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['corrections', index, 'slo'], message: `no SLO is named "${correction.slo}" (SLOs: ${[...names].join(', ')})` });
      }
    });
  });

/** A validated configuration file. */
export type ConfigFile = z.output<typeof configFileSchema>;
/** The validated `alerting` section. */
export type AlertingEntry = z.output<typeof alertingSchema>;
/** The validated `slack` section. */
export type SlackEntry = z.output<typeof slackSchema>;
/** One validated SLO entry of the file. */
export type SloEntry = z.output<typeof sloSchema>;
/** One validated burn-rate rule of `alerting.policy`. */
export type AlertRuleEntry = z.output<typeof alertRuleSchema>;
