import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/domain/alert-notification.js';
import { openLedger } from '../../src/ledger/open-ledger.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import type { OutboxStore } from '../../src/ledger/outbox-store.js';
import { deliverOutbox, type DeliveryLog } from '../../src/notify/outbox-delivery.js';
import { formatJsonWebhook, formatSlackMessage } from '../../src/notify/slack.js';
import { createWebhookSender, parseRetryAfter } from '../../src/notify/webhook-sender.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const AT = Date.parse('2026-10-31T13:35:00Z');
const SECRET_PATH = '/services/T0SLO/B0LEDGER/x9SeCrEtWeBhOoKtOkEn';

const FIRING: AlertNotification = {
  slo: 'api-availability', service: 'rendiff-api', description: '99.9% of API requests are not 5xx',
  kind: 'burn-rate', transition: 'firing', severity: 'page', previousSeverity: null, atMs: AT, firingSinceMs: AT,
  objectiveRatio: 0.999, sloWindowMs: 30 * DAY,
  rule: { severity: 'page', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, factor: 14.4, longBurnRate: 15.2, shortBurnRate: 49.8 },
  budgetRemainingRatio: 0.4, budgetExhaustedInMs: (0.4 * 30 * DAY) / 15.2, noDataForMs: null,
  link: 'https://slo.example.com/?at=2026-10-31T13%3A35%3A00.000Z',
};

describe('the Slack message (Block Kit with a text fallback)', () => {
  const message = formatSlackMessage(FIRING, 'UTC');
  const blocks = message.blocks as Array<Record<string, any>>;

  it('says which SLO and service, the severity and that it fires, in the header and the fallback', () => {
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(blocks[0]!.text.text).toContain('[PAGE] api-availability (rendiff-api) is burning its error budget at 15.20× over 1h');
    expect(blocks[0]!.text.text.length).toBeLessThanOrEqual(150);
    expect(message.text.split('\n')[0]).toBe('[PAGE] api-availability (rendiff-api) is burning its error budget at 15.20× over 1h');
  });

  it('shows the burn over both windows against the factor, budget left, time to exhaustion, since when, and a link', () => {
    const fields = (blocks[1]!.fields as Array<{ text: string }>).map((f) => f.text);
    expect(fields.length).toBeLessThanOrEqual(10);
    const all = fields.join('\n');
    expect(all).toContain('15.20× over 1h, 49.80× over 5m (page above 14.40× over both)');
    expect(all).toContain('40.0% of the 30d budget');
    // 0.4 × 30 d / 15.2 = 18 h 57 min.
    expect(all).toContain('in 18 h 57 min at this burn rate');
    expect(all).toContain('2026-10-31 13:35 (0 min)');
    expect(blocks.find((b) => b.type === 'actions')!.elements[0].url).toBe(FIRING.link);
    for (const text of ['49.80× over 5m', '40.0%', '18 h 57 min', FIRING.link!]) expect(message.text).toContain(text);
  });

  it('says when it is over, with how long it fired', () => {
    const resolved = formatSlackMessage({ ...FIRING, transition: 'resolved', atMs: AT + 2 * HOUR, rule: { ...FIRING.rule!, longBurnRate: 3, shortBurnRate: 0.5 } }, 'UTC');
    expect(resolved.text).toMatch(/^\[RESOLVED\] api-availability \(rendiff-api\): the page burn-rate alert is over/);
    expect(resolved.text).toContain('Fired: 2026-10-31 13:35 – 2026-10-31 15:35 (2 h)');
    expect(resolved.text).not.toContain('Budget exhausted');
  });

  it('a no-data alert says for how long the metric is missing', () => {
    const noData = formatSlackMessage({ ...FIRING, kind: 'no-data', severity: null, rule: null, noDataForMs: 35 * MINUTE }, 'UTC');
    expect(noData.text.split('\n')[0]).toBe('[NO DATA] api-availability (rendiff-api): no data for 35 min');
  });

  it('escapes Slack control characters in configured text', () => {
    const odd = formatSlackMessage({ ...FIRING, description: 'a <b> & c' }, 'UTC');
    expect(JSON.stringify(odd.blocks)).toContain('a &lt;b&gt; &amp; c');
  });

  it('the generic JSON webhook carries the same facts as data', () => {
    expect(formatJsonWebhook(FIRING)).toMatchObject({
      type: 'slo-ledger.alert', slo: 'api-availability', status: 'firing', severity: 'page', at: '2026-10-31T13:35:00.000Z',
      rule: { long_window: '1h', short_window: '5m', factor: 14.4, long_burn_rate: 15.2, short_burn_rate: 49.8 },
      budget_remaining: 0.4, budget_exhausted_in_seconds: 68211,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('Sat, 31 Oct 2026 13:35:30 GMT', AT)).toBe(30_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('delivery to a webhook on 127.0.0.1 through the outbox', () => {
  let receiver: HttpReceiver;
  let dir: string;
  let ledger: LedgerStores;
  let outbox: OutboxStore;
  let now: number;
  const clock = { nowMs: () => now };
  const lines: string[] = [];
  const log: DeliveryLog = {
    info: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
    warn: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
    error: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
  };
  const deliver = () =>
    deliverOutbox({
      outbox, clock, log, backoff: { baseMs: 100, capMs: 1000 }, random: () => 0.5,
      senders: { slack: createWebhookSender({ url: receiver.url(SECRET_PATH), name: 'Slack webhook', timeoutMs: 5000 }) },
    });

  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slo-ledger-slack-'));
    ledger = openLedger(join(dir, 'l.db'));
    outbox = ledger.outbox;
    now = Date.now();
    receiver.requests.length = 0;
    lines.length = 0;
    await outbox.enqueue({ key: 'alert/x/burn-rate/firing/page/t', channel: 'slack', payload: formatSlackMessage(FIRING, 'UTC'), nowMs: now, deadlineMs: now + DAY });
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
    // Whatever happened, the webhook's secret path never reached a log line.
    for (const line of lines) expect(line).not.toContain('x9SeCrEtWeBhOoKtOkEn');
  });

  it('posts the Block Kit message as JSON to the webhook', async () => {
    expect((await deliver()).sent).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: SECRET_PATH });
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(request.body)).toEqual(JSON.parse(JSON.stringify(formatSlackMessage(FIRING, 'UTC'))));
  });

  it('answering 500 twice, then 200: retried with backoff, one message delivered', async () => {
    receiver.script([{ status: 500, body: 'internal' }, { status: 503, body: 'unavailable' }]);
    for (let round = 0; round < 10 && await outbox.backlog() > 0; round++) {
      await deliver();
      const pending = (await outbox.list('pending'))[0];
      if (pending) now = pending.nextAttemptMs;
    }
    expect(receiver.requests.map((r) => r.path)).toEqual([SECRET_PATH, SECRET_PATH, SECRET_PATH]);
    expect(await outbox.list()).toEqual([expect.objectContaining({ status: 'sent', attempts: 3 })]);
    expect(lines.filter((l) => l.includes('retrying later'))).toHaveLength(2);
    expect(lines[0]).toContain('Slack webhook answered 500: internal');
  });

  it('answering 429 with Retry-After: 2 is honoured: nothing is attempted before 2 s have passed', async () => {
    receiver.script([{ status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } }]);
    const started = now;
    const first = await deliver();
    expect(first.retrying).toHaveLength(1);
    expect(first.retrying[0]!.nextAttemptMs).toBeGreaterThanOrEqual(started + 2000);
    now = started + 1999;
    await deliver();
    expect(receiver.requests).toHaveLength(1);
    now = first.retrying[0]!.nextAttemptMs;
    expect((await deliver()).sent).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);
  });

  it('a 4xx other than 429 fails for good at once, logged with Slack\'s answer', async () => {
    receiver.script([{ status: 404, body: 'no_service' }]);
    const round = await deliver();
    expect(round.failed).toEqual([expect.objectContaining({ status: 'failed', lastError: 'Slack webhook refused the message with 404: no_service' })]);
    now += HOUR;
    await deliver();
    expect(receiver.requests).toHaveLength(1);
    expect(lines.some((l) => l.includes('DELIVERY FAILED') && l.includes('no_service'))).toBe(true);
  });

  it('a webhook nobody listens on is a network error, retried, and the error does not show the URL', async () => {
    const closed = await startHttpReceiver();
    const url = closed.url(SECRET_PATH);
    await closed.close();
    const round = await deliverOutbox({
      outbox, clock, log, backoff: { baseMs: 100, capMs: 1000 }, random: () => 0.5,
      senders: { slack: createWebhookSender({ url, name: 'Slack webhook', timeoutMs: 2000 }) },
    });
    expect(round.retrying).toHaveLength(1);
    expect(round.retrying[0]!.lastError).toBe('Slack webhook unreachable: ECONNREFUSED');
  });
});
