/** The receipt text (SMPP 3.4 Appendix B) and deliver_sm fields, from a stored receipt. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receiptBody, receiptFields, receiptText } from '../../src/smpp/receipt-pdu.js';
import type { OwedReceipt } from '../../src/store/smpp-receipts.js';

const base: OwedReceipt = {
  id: 1,
  messageId: '123456789012',
  eventId: 9,
  status: 'delivered',
  errorCode: 0,
  occurredAt: Date.UTC(2026, 10, 25, 14, 7, 30),
  sourceAddr: '436601234567',
  sourceTon: 1,
  sourceNpi: 1,
  destAddr: '436991234567',
  destTon: 2,
  destNpi: 8,
  submittedAt: Date.UTC(2026, 10, 25, 14, 5, 59),
  text: 'Hello from the receipt test',
};

test('Appendix B text by status', () => {
  const table: Array<[string, number, string]> = [
    ['delivered', 0, 'stat:DELIVRD err:000'],
    ['undelivered', 1, 'stat:UNDELIV err:001'],
    ['expired', 27, 'stat:EXPIRED err:027'],
    ['rejected', 13, 'stat:REJECTD err:013'],
    ['enroute', 0, 'stat:ENROUTE err:000'],
  ];
  for (const [status, errorCode, tail] of table) {
    const dlvrd = status === 'delivered' ? '001' : '000';
    assert.equal(
      receiptBody({ ...base, status, errorCode }),
      `id:123456789012 sub:001 dlvrd:${dlvrd} submit date:2611251405 done date:2611251407 ${tail} text:Hello from the recei`,
    );
  }
});

test('receipt text: first 20 characters, printable ASCII only', () => {
  const table: Array<[string | null, string]> = [
    [null, ''],
    ['short', 'short'],
    ['exactly twenty chars', 'exactly twenty chars'],
    ['Grüße ☺ test', 'Gr??e ? test'],
    ['line\nbreak', 'line?break'],
    ['😀 emoji is one char', '? emoji is one char'],
  ];
  for (const [text, want] of table) assert.equal(receiptText(text), want, JSON.stringify(text));
});

test('deliver_sm fields: swapped addresses, esm_class, TLVs', () => {
  const final = receiptFields({ ...base, status: 'undelivered', errorCode: 0x0102 });
  assert.deepEqual(
    [final.source_addr, final.source_addr_ton, final.source_addr_npi, final.destination_addr, final.dest_addr_ton, final.dest_addr_npi],
    ['436991234567', 2, 8, '436601234567', 1, 1],
  );
  assert.equal(final.esm_class, 0x04);
  assert.equal(final.data_coding, 0);
  assert.equal(final.receipted_message_id, '123456789012');
  assert.equal(final.message_state, 5);
  assert.deepEqual(final.network_error_code, Buffer.from([0x03, 0x01, 0x02]), 'type 3 (GSM), code 0x0102');
  assert.equal(receiptFields({ ...base, status: 'enroute' }).esm_class, 0x20, 'intermediate notification');
});

test('the hand-encoded deliver_sm is byte for byte what the smpp package encodes', async () => {
  const { default: smpp } = await import('smpp');
  const { encodeReceipt } = await import('../../src/smpp/receipt-pdu.js');
  const variants: OwedReceipt[] = [
    base,
    { ...base, status: 'undelivered', errorCode: 0x0102, text: null },
    { ...base, status: 'enroute', destAddr: 'ALPHA', destTon: 5, destNpi: 0, text: 'Grüße' },
  ];
  for (const r of variants) {
    const ours = encodeReceipt(r, 77);
    const theirs = new smpp.PDU('deliver_sm', { ...receiptFields(r), sequence_number: 77 }).toBuffer();
    assert.deepEqual(ours, theirs, `${r.status}: ours ${ours.toString('hex')}\ntheirs ${theirs.toString('hex')}`);
  }
});
