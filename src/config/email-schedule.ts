import cron from 'node-cron';
import { z } from 'zod';
import { formatDuration, parseDuration } from '../domain/duration.js';

/** `schedule:` of the config: when `serve` ticks, and when a monthly report falls due. */
export interface ScheduleConfig {
  /** node-cron expression of the tick (sync, alerts, due reports, outbox); default every minute. */
  tickCron: string;
  /** node-cron expression, in the configured time zone, of the instants a monthly report falls due. */
  monthlyReportCron: string;
  /**
   * A report that fell due while the service was down is produced when it comes back, if the due
   * instant is at most this long ago (so a new install does not mail a month it never watched).
   */
  catchUpMs: number;
}

/** How to reach the SMTP server. `secure`: TLS from the first byte (port 465); else `starttls` decides. */
export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  /** required: refuse to send without STARTTLS; opportunistic: use it when offered; off: never. */
  starttls: 'required' | 'opportunistic' | 'off';
  auth?: { user: string; pass: string };
}

/** `email:` of the config: the monthly report mail. */
export interface EmailConfig {
  smtp: SmtpConfig;
  from: string;
  to: string[];
  cc: string[];
  /** Template with {service}, {month} and {status}. */
  subject: string;
  /** A mail still failing this long after it was queued is given up (and logged loudly). */
  deadlineMs: number;
  timeoutMs: number;
}

export const DEFAULT_TICK_CRON = '* * * * *';
export const DEFAULT_MONTHLY_REPORT_CRON = '0 6 1 * *';
export const DEFAULT_CATCH_UP = '7d';
export const DEFAULT_EMAIL_SUBJECT = '[SLA] {service} {month} — {status}';

/** A node-cron expression (5 fields, or 6 with seconds), checked with node-cron's own parser. */
const cronText = z.string().superRefine((text, ctx) => {
  const result = cron.validateDetailed(text);
  if (result.valid) return;
  const why = result.errors.map((e) => e.message).join('; ');
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid cron expression (${why}); e.g. "0 6 1 * *" is 06:00 on the 1st of every month` });
});

const durationText = z.string().superRefine((text, ctx) => {
  try {
    if (parseDuration(text) <= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'duration must be greater than zero' });
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
  }
});

/** `schedule:` as written; every expression is checked at load, so a bad one fails the start with FILE:LINE. */
export const scheduleSchema = z
  .object({
    tick: cronText.default(DEFAULT_TICK_CRON),
    monthly_report: cronText.default(DEFAULT_MONTHLY_REPORT_CRON),
    catch_up: durationText.default(DEFAULT_CATCH_UP),
  })
  .strict();

/** `smtp://[user:pass@]host[:port]` (STARTTLS) or `smtps://…` (TLS); `?starttls=required|opportunistic|off`. */
const smtpUrl = z.string().superRefine((text, ctx) => {
  try {
    parseSmtpUrl(text);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

const starttlsMode = z.enum(['required', 'opportunistic', 'off']);

const smtpObject = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    secure: z.boolean().default(false),
    starttls: starttlsMode.optional(),
    auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
  })
  .strict();

/**
 * `smtp:` is a URL or a mapping. Not a zod union: its errors would be a bare "Invalid input";
 * this reports the URL's problem, or the mapping's own issues at their paths.
 */
const smtpSchema = z.unknown().transform((value, ctx): string | z.output<typeof smtpObject> => {
  if (typeof value === 'string') {
    const result = smtpUrl.safeParse(value);
    if (!result.success) result.error.issues.forEach((issue) => ctx.addIssue(issue));
    return result.success ? result.data : z.NEVER;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const message = value === undefined ? 'missing: ' : '';
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${message}must be an smtp:// or smtps:// URL, or a mapping with host, port, secure, starttls, auth` });
    return z.NEVER;
  }
  const result = smtpObject.safeParse(value);
  if (!result.success) result.error.issues.forEach((issue) => ctx.addIssue(issue));
  return result.success ? result.data : z.NEVER;
});

const address = z.string().regex(/^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/, 'must be a mail address like ops@example.com or "Ops <ops@example.com>"');
/** One address or a list of them; a single one is read as a list of one. */
const addresses = z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(address));

/** `email:` as written: the SMTP server (URL or mapping), sender, recipients, subject template, deadline. */
export const emailSchema = z
  .object({
    smtp: smtpSchema,
    from: address,
    to: addresses.refine((list) => list.length > 0, 'needs at least one recipient'),
    cc: addresses.default([]),
    subject: z.string().min(1).default(DEFAULT_EMAIL_SUBJECT),
    deadline: durationText.default('3d'),
    timeout: durationText.default('30s'),
  })
  .strict();

export type ScheduleEntry = z.output<typeof scheduleSchema>;
export type EmailEntry = z.output<typeof emailSchema>;

/** Parses an SMTP URL; throws an Error naming what is wrong (the URL itself is not repeated: it may hold a password). */
export function parseSmtpUrl(text: string): SmtpConfig {
  if (!URL.canParse(text)) {
    throw new Error('not a URL; write smtp://host:587 or smtps://host:465, or give host, port, secure, auth (a password with / : @ in a URL must be percent-encoded)');
  }
  const url = new URL(text);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`scheme must be smtp:// (STARTTLS) or smtps:// (TLS), not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new Error('has no host');
  const secure = url.protocol === 'smtps:';
  const mode = url.searchParams.get('starttls');
  if (mode !== null && !starttlsMode.options.includes(mode as never)) throw new Error('starttls must be required, opportunistic or off');
  for (const key of url.searchParams.keys()) {
    if (key !== 'starttls') throw new Error(`unknown parameter ${JSON.stringify(key)} (only starttls)`);
  }
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const auth = user === '' ? undefined : { user, pass };
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    starttls: (mode as SmtpConfig['starttls'] | null) ?? defaultStarttls(auth !== undefined),
    ...(auth ? { auth } : {}),
  };
}

/** Credentials are never sent in clear by default: STARTTLS is required when there is a login. */
function defaultStarttls(hasAuth: boolean): SmtpConfig['starttls'] {
  return hasAuth ? 'required' : 'opportunistic';
}

export function toScheduleConfig(entry: ScheduleEntry | undefined): ScheduleConfig {
  return {
    tickCron: entry?.tick ?? DEFAULT_TICK_CRON,
    monthlyReportCron: entry?.monthly_report ?? DEFAULT_MONTHLY_REPORT_CRON,
    catchUpMs: parseDuration(entry?.catch_up ?? DEFAULT_CATCH_UP),
  };
}

export function toEmailConfig(entry: EmailEntry): EmailConfig {
  const smtp: SmtpConfig =
    typeof entry.smtp === 'string'
      ? parseSmtpUrl(entry.smtp)
      : {
          host: entry.smtp.host,
          port: entry.smtp.port ?? (entry.smtp.secure ? 465 : 587),
          secure: entry.smtp.secure,
          starttls: entry.smtp.starttls ?? defaultStarttls(entry.smtp.auth !== undefined),
          ...(entry.smtp.auth ? { auth: { ...entry.smtp.auth } } : {}),
        };
  return {
    smtp,
    from: entry.from,
    to: entry.to,
    cc: entry.cc,
    subject: entry.subject,
    deadlineMs: parseDuration(entry.deadline),
    timeoutMs: parseDuration(entry.timeout),
  };
}

/** The secrets of the email section: the SMTP password, as given and as written in a URL. */
export function emailSecrets(email: EmailConfig | undefined): string[] {
  const pass = email?.smtp.auth?.pass;
  return pass === undefined || pass === '' ? [] : [pass, encodeURIComponent(pass)];
}

/** The email section in the file's form, the password masked. */
export function printableEmail(email: EmailConfig, mask: string): Record<string, unknown> {
  const { smtp } = email;
  return {
    smtp: {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      starttls: smtp.starttls,
      ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: mask } } : {}),
    },
    from: email.from,
    to: email.to,
    ...(email.cc.length > 0 ? { cc: email.cc } : {}),
    subject: email.subject,
    deadline: formatDuration(email.deadlineMs),
    timeout: formatDuration(email.timeoutMs),
  };
}

