/** ReceiptMatcher: matching, duplicates, early and late receipts, id forms, bounded memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceiptInfo } from '../../src/loadtest/receipt-info.js';
import { ReceiptMatcher } from '../../src/loadtest/receipt-matcher.js';

const final = (messageId: string | null, stat = 'DELIVRD'): ReceiptInfo => ({ isReceipt: true, messageId, stat, final: true });
const enroute = (messageId: string): ReceiptInfo => ({ isReceipt: true, messageId, stat: 'ENROUTE', final: false });

test('a final receipt matches its message once; a second is a duplicate; latency is from the submit', () => {
  const m = new ReceiptMatcher();
  assert.deepEqual(m.accepted('A1', 100), []);
  assert.equal(m.awaitingCount, 1);
  assert.equal(m.receipt(final('a1'), 150), 50, 'case-insensitive hex id, latency 150 - 100');
  assert.equal(m.awaitingCount, 0);
  assert.equal(m.receipt(final('0A1'), 160), null, 'the same id with a leading zero');
  const c = m.snapshot();
  assert.deepEqual(
    { byStat: c.byStat, finals: c.finals, duplicates: c.duplicates, unmatched: c.unmatched },
    { byStat: { DELIVRD: 1 }, finals: 1, duplicates: 1, unmatched: 0 },
  );
});

test('intermediate notifications are counted by stat and keep the message awaited', () => {
  const m = new ReceiptMatcher();
  m.accepted('7', 0);
  assert.equal(m.receipt(enroute('7'), 10), null);
  assert.equal(m.awaitingCount, 1);
  assert.equal(m.receipt(final('7'), 20), 20);
  const c = m.snapshot();
  assert.deepEqual({ byStat: c.byStat, intermediates: c.intermediates, finals: c.finals }, { byStat: { ENROUTE: 1, DELIVRD: 1 }, intermediates: 1, finals: 1 });
});

test('a receipt before its submit_sm_resp is held and matched when the response comes', () => {
  const m = new ReceiptMatcher();
  assert.equal(m.receipt(final('x-1', 'UNDELIV'), 30), null);
  assert.equal(m.snapshot().unmatched, 1, 'unmatched while held');
  assert.deepEqual(m.accepted('x-1', 10), [20]);
  const c = m.snapshot();
  assert.deepEqual({ byStat: c.byStat, unmatched: c.unmatched, awaiting: m.awaitingCount }, { byStat: { UNDELIV: 1 }, unmatched: 0, awaiting: 0 });
});

test('receipts without an id, or for no accepted message, are unmatched', () => {
  const m = new ReceiptMatcher();
  m.accepted('1', 0);
  m.receipt(final(null), 1);
  m.receipt(final('2'), 1);
  const c = m.snapshot();
  assert.deepEqual({ unmatched: c.unmatched, withoutId: c.withoutId, byStat: c.byStat }, { unmatched: 2, withoutId: 1, byStat: {} });
});

test('expire stops awaiting old messages; a receipt after that is late, not unmatched', () => {
  const m = new ReceiptMatcher();
  m.accepted('1', 0);
  m.accepted('2', 50);
  assert.equal(m.expire(40), 1);
  assert.equal(m.awaitingCount, 1);
  assert.equal(m.receipt(final('1'), 100), null, 'no latency for a late receipt');
  const c = m.snapshot();
  assert.deepEqual({ expired: c.expired, late: c.late, finals: c.finals, unmatched: c.unmatched }, { expired: 1, late: 1, finals: 1, unmatched: 0 });
});

test('an SMSC that writes decimal ids in receipts and hex in responses is detected from the first receipt', () => {
  const m = new ReceiptMatcher();
  m.accepted('1A', 0);
  m.accepted('FF', 0);
  assert.equal(m.receipt(final('26'), 5), 5, '26 = 0x1a');
  assert.equal(m.receipt(final('255'), 6), 6, '255 = 0xff');
  // An early receipt is found through the reverse conversion once the form is known.
  m.receipt(final('4096'), 7);
  assert.deepEqual(m.accepted('1000', 1), [6], '4096 = 0x1000');
  assert.equal(m.snapshot().unmatched, 0);
});

test('once ids matched as written, sequential decimal ids are never read in another base', () => {
  const m = new ReceiptMatcher();
  m.accepted('10', 0);
  m.accepted('16', 0);
  assert.equal(m.receipt(final('10'), 1), 1);
  assert.equal(m.receipt(final('10'), 2), null, 'a duplicate of 10');
  // 22 is 0x16, but the first match showed ids are written alike: it is held, not matched to 16.
  assert.equal(m.receipt(final('22'), 3), null);
  const c = m.snapshot();
  assert.deepEqual(
    { duplicates: c.duplicates, finals: c.finals, unmatched: c.unmatched, awaiting: m.awaitingCount },
    { duplicates: 1, finals: 1, unmatched: 1, awaiting: 1 },
  );
});

test('memory stays bounded: old finished ids and held receipts are forgotten', () => {
  const m = new ReceiptMatcher({ recent: 2, early: 2 });
  for (const id of ['1', '2', '3']) {
    m.accepted(id, 0);
    m.receipt(final(id), 1);
  }
  m.receipt(final('1'), 2); // '1' was forgotten: unmatched rather than a duplicate
  m.receipt(final('3'), 2); // still remembered: a duplicate
  for (const id of ['a-1', 'a-2', 'a-3']) m.receipt(final(id), 3);
  const c = m.snapshot();
  assert.deepEqual({ duplicates: c.duplicates, unmatched: c.unmatched }, { duplicates: 1, unmatched: 4 }, "'1' again and a-1..a-3: two evicted, two still held");
  assert.deepEqual(m.accepted('a-1', 0), [], 'the oldest held receipt was evicted');
  assert.deepEqual(m.accepted('a-3', 0), [3]);
});
