import { DeliveryError, redactSecrets } from '../errors.js';
import type { DeliverySender } from './outbox-delivery.js';

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  /** The webhook URL: a secret (a Slack incoming-webhook URL carries its token). */
  url: string;
  /** Shown in errors: "Slack webhook", "JSON webhook". */
  name: string;
  timeoutMs: number;
  /** Values to strip from every error message (the URL among them). */
  secrets?: readonly string[];
  /** Extra request headers (authentication, a tenant header). */
  headers?: Readonly<Record<string, string>>;
}

/** The most of a receiver's answer an error message quotes. */
const MAX_ANSWER_CHARS = 300;

/**
 * A sender that POSTs each outbox payload as JSON to a webhook. 2xx is success; 429 is retried
 * no earlier than its `Retry-After`; 5xx, timeouts and network errors are retried with backoff;
 * any other 4xx is permanent (a revoked or mistyped webhook will not heal), and its error quotes
 * the receiver's answer (Slack's `invalid_payload`, `no_service`, …). The URL never appears in an error.
 * Each request carries the delivery's outbox key (URI-encoded) as `Idempotency-Key`.
 */
export function createWebhookSender(options: WebhookSenderOptions): DeliverySender {
  const secrets = [options.url, ...(options.secrets ?? [])];
  const clean = (text: string) => redactSecrets(text, secrets);
  return {
    async send(payload, context) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          // The outbox key: a delivery repeated after a crash or a leader change carries the same one, so the receiver can drop it.
          headers: { ...options.headers, 'content-type': 'application/json; charset=utf-8', 'idempotency-key': encodeURI(context.key) },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        const reason = error instanceof Error ? describeFetchError(error) : String(error);
        throw new DeliveryError(clean(`${options.name} unreachable: ${reason}`));
      }
      const answer = clean((await response.text().catch(() => '')).trim().slice(0, MAX_ANSWER_CHARS));
      if (response.ok) return;
      const said = answer === '' ? '' : `: ${answer}`;
      if (response.status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        throw new DeliveryError(`${options.name} answered 429 (rate limited)${said}`, retryAfterMs === undefined ? {} : { retryAfterMs });
      }
      if (response.status >= 500) throw new DeliveryError(`${options.name} answered ${response.status}${said}`);
      throw new DeliveryError(`${options.name} refused the message with ${response.status}${said}`, { permanent: true });
    },
  };
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date (RFC 9110, 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, a timeout). */
function describeFetchError(error: Error): string {
  if (error.name === 'TimeoutError') return 'no answer within the timeout';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
