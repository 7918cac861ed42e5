import { IANAZone } from 'luxon';
import { z } from 'zod';
import { BUCKET_MS, parseDuration } from '../domain/duration.js';
import { DEFAULT_LISTEN, parseListenAddress } from './listen-address.js';

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

/** Later issues validate these sections; for now any mapping is accepted. */
const laterSection = z.record(z.string(), z.unknown());

/** `HOST:PORT` the HTTP server binds to. */
const listenText = z.string().superRefine((text, ctx) => {
  try {
    parseListenAddress(text);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
  }
});

/** The HTTP server of `serve`: bind address, optional bearer token (a secret: give it as `${VAR}`), reports folder. */
const serverSchema = z
  .object({
    listen: listenText.default(DEFAULT_LISTEN),
    token: z.string().min(1, 'must not be empty; leave "token" out to serve without one').optional(),
    reports_dir: z.string().min(1).default('./reports'),
  })
  .strict();

const prometheusSchema = z
  .object({
    url: httpUrl.default('http://localhost:9090'),
    headers: z.record(z.string(), z.string()).optional(),
    bearer_token: z.string().min(1).optional(),
    basic_auth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    timeout: durationText.default('30s'),
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

const sloSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes ([a-z0-9-]+)'),
    service: z.string().min(1),
    description: z.string().default(''),
    objective: percentBelow100,
    window: windowText.default('30d'),
    tiers: tiersSchema.optional(),
    sli: sliSchema,
  })
  .strict();

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

/** The configuration file as written (snake_case, percent, duration strings), with defaults filled in. */
export const configFileSchema = z
  .object({
    prometheus: prometheusSchema.default({}),
    database: z.string().min(1).default('./slo-ledger.db'),
    timezone: timeZone.default('UTC'),
    retention: durationText.default('400d'),
    email: laterSection.optional(),
    slack: laterSection.optional(),
    server: serverSchema.default({}),
    schedule: laterSection.optional(),
    alerting: laterSection.optional(),
    /** Absent: the built-in Rendiff SLOs (see defaults.ts). */
    slos: slosSchema.optional(),
  })
  .strict();

/** A validated configuration file. */
export type ConfigFile = z.output<typeof configFileSchema>;
/** One validated SLO entry of the file. */
export type SloEntry = z.output<typeof sloSchema>;
