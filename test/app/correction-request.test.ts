import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteCorrection } from '../../src/app/correction-request.js';
import type { LedgerStores } from '../../src/ledger/ledger-stores.js';
import { openLedger } from '../../src/ledger/open-ledger.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const config = { corrections: [] };

describe('deleteCorrection', () => {
  let ledger: LedgerStores;
  beforeEach(() => {
    ledger = openLedger(':memory:');
  });
  afterEach(async () => {
    await ledger.close();
  });

  it('deletes a correction once when two deletions of it run at once: the other is refused as already deleted, by the first', async () => {
    const added = await ledger.corrections.add(
      { scope: { slo: 'api-availability' }, timing: { kind: 'once', fromMs: T0, toMs: T0 + 3_600_000 }, category: 'other', reason: 'test' },
      { author: 'alice', atMs: T0 },
    );
    const outcomes = await Promise.all([
      deleteCorrection(config, ledger, added.id, { author: 'bob', atMs: T0 + 1 }),
      deleteCorrection(config, ledger, added.id, { author: 'carol', atMs: T0 + 2 }),
    ]);
    const deleted = outcomes.filter((o) => 'deleted' in o);
    const refused = outcomes.filter((o) => 'refused' in o);
    expect(deleted).toHaveLength(1);
    expect(refused).toEqual([{ refused: 'already-deleted', listed: { source: 'ledger', correction: expect.objectContaining({ id: added.id, deleted: { author: 'bob', atMs: T0 + 1 } }) } }]);
    expect((await ledger.corrections.history()).map((e) => [e.action, e.author])).toEqual([['add', 'alice'], ['delete', 'bob']]);
  });
});
