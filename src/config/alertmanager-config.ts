import { z } from 'zod';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { SECRET_MASK, isSecretHeader } from './secrets.js';

// The `alertmanager` section: burn-rate and no-data alerts posted to the team's Alertmanager, its
// schema and its mapping in both directions side by side.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels slo-ledger sets itself on every alert: static labels may not replace them. */
export const ALERTMANAGER_OWN_LABELS = ['alertname', 'slo', 'service', 'severity'] as const;

const durationText = z.string().superRefine((text, ctx) => {
  try {
    parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

/** The `alertmanager` section as the config file writes it. */
export const alertmanagerSchema = z
  .object({
    url: z
      .string()
      .url('must be an absolute URL such as http://alertmanager:9093')
      .refine((text) => /^https?:\/\//i.test(text), 'must be an http:// or https:// URL'),
    headers: z.record(z.string(), z.string()).optional(),
    bearer_token: z.string().min(1).optional(),
    basic_auth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .superRefine((labels, ctx) => {
        for (const name of Object.keys(labels)) {
          if (!LABEL_NAME.test(name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `${JSON.stringify(name)} is not a Prometheus label name` });
          else if ((ALERTMANAGER_OWN_LABELS as readonly string[]).includes(name)) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `slo-ledger sets ${name} itself (${ALERTMANAGER_OWN_LABELS.join(', ')}); choose another label` });
          }
        }
      }),
    severity: z
      .object({ page: z.string().min(1).default('critical'), ticket: z.string().min(1).default('warning'), no_data: z.string().min(1).default('warning') })
      .strict()
      .default({}),
    runbook_url: z.string().min(1).optional(),
    expire_after: durationText
      .default('15m')
      .refine((text) => parseDuration(text) >= 10 * 60_000, 'must be at least 10m: a firing alert is renewed once per 5-minute bucket, and must outlive two renewals'),
    timeout: durationText.default('10s'),
  })
  .strict()
  .superRefine((section, ctx) => {
    if (section.bearer_token !== undefined && section.basic_auth !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['basic_auth'], message: 'bearer_token and basic_auth are mutually exclusive; use one of them' });
    }
  });

export type AlertmanagerEntry = z.output<typeof alertmanagerSchema>;

/** Where and how burn-rate and no-data alerts are posted to Alertmanager (`/api/v2/alerts`). */
export interface AlertmanagerConfig {
  /** Alertmanager's base URL (alerts go to `<url>/api/v2/alerts`). */
  url: string;
  headers: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Static labels added to every alert (team, environment). */
  labels: Record<string, string>;
  /** The `severity` label by slo-ledger's severities (the Rendiff guide's routes: critical and warning). */
  severity: { page: string; ticket: string; noData: string };
  /** `runbook_url` annotation; `{slo}` and `{service}` are replaced. */
  runbookUrl?: string;
  /** A firing alert's `endsAt` lies this far ahead, renewed every evaluation: a dead slo-ledger lets it expire. */
  expireAfterMs: number;
  timeoutMs: number;
}

/** The section as the program sees it. */
export function toAlertmanagerConfig(entry: AlertmanagerEntry): AlertmanagerConfig {
  return {
    url: entry.url,
    headers: { ...entry.headers },
    ...(entry.bearer_token === undefined ? {} : { bearerToken: entry.bearer_token }),
    ...(entry.basic_auth === undefined ? {} : { basicAuth: { ...entry.basic_auth } }),
    labels: { ...entry.labels },
    severity: { page: entry.severity.page, ticket: entry.severity.ticket, noData: entry.severity.no_data },
    ...(entry.runbook_url === undefined ? {} : { runbookUrl: entry.runbook_url }),
    expireAfterMs: parseDuration(entry.expire_after),
    timeoutMs: parseDuration(entry.timeout),
  };
}

/** The section as the config file writes it, secrets masked. */
export function toAlertmanagerEntry(config: AlertmanagerConfig): Record<string, unknown> {
  const headers = Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name, isSecretHeader(name) ? SECRET_MASK : value]));
  return {
    url: config.url,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(config.bearerToken === undefined ? {} : { bearer_token: SECRET_MASK }),
    ...(config.basicAuth === undefined ? {} : { basic_auth: { username: config.basicAuth.username, password: SECRET_MASK } }),
    labels: { ...config.labels },
    severity: { page: config.severity.page, ticket: config.severity.ticket, no_data: config.severity.noData },
    ...(config.runbookUrl === undefined ? {} : { runbook_url: config.runbookUrl }),
    expire_after: formatDuration(config.expireAfterMs),
    timeout: formatDuration(config.timeoutMs),
  };
}

/** The secrets of the section: the token, the password, secret headers, a password in the URL. */
export function alertmanagerSecrets(config: AlertmanagerConfig | undefined): string[] {
  if (config === undefined) return [];
  const url = URL.canParse(config.url) ? new URL(config.url).password : '';
  return [
    config.bearerToken, config.basicAuth?.password, url === '' ? undefined : url,
    ...Object.entries(config.headers).filter(([name]) => isSecretHeader(name)).map(([, value]) => value),
  ].filter((s): s is string => s !== undefined && s !== '');
}
