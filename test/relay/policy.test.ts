/**
 * The relay's pure parts, by tables: upstream id normalisation, receipt reading, route matching,
 * backoff, and what a submit_sm_resp status means.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageIdFormat, RelayRoute } from '../../src/config/schema.js';
import { backoffMs } from '../../src/delivery/relay/backoff.js';
import { MessageIdFormatError, normaliseMessageId } from '../../src/delivery/relay/message-id.js';
import { isReceipt, parseReceiptText, readReceipt, statusFromMessageState, statusFromStat } from '../../src/delivery/relay/receipt-text.js';
import { pickRoute } from '../../src/delivery/relay/routes.js';
import { classifySubmitStatus } from '../../src/delivery/relay/submit-outcome.js';
import { Status } from '../../src/smpp/command-status.js';

describe('normaliseMessageId', () => {
  test('one key per id, whatever its form', () => {
    const table: Array<[string, MessageIdFormat, string]> = [
      ['1A2F', 'hex', '6703'],
      ['1a2f', 'hex', '6703'],
      ['00001A2F', 'hex', '6703'],
      ['0x1a2f', 'hex', '6703'],
      [' 1a2f ', 'hex', '6703'],
      ['6703', 'decimal', '6703'],
      ['0006703', 'decimal', '6703'],
      ['0', 'decimal', '0'],
      ['000', 'hex', '0'],
      // Larger than 2^53: exact (BigInt), not rounded.
      ['FFFFFFFFFFFFFFFFFF', 'hex', '4722366482869645213695'],
      ['123456789012345678901', 'decimal', '123456789012345678901'],
      ['AbC-001', 'as-is', 'AbC-001'],
      ['00042', 'as-is', '00042'],
      [' 42\n', 'as-is', '42'],
    ];
    for (const [raw, format, want] of table) assert.equal(normaliseMessageId(raw, format), want, `${JSON.stringify(raw)} as ${format}`);
  });

  test('hex of the resp and decimal of the receipt meet', () => {
    assert.equal(normaliseMessageId('00FF', 'hex'), normaliseMessageId('255', 'decimal'));
  });

  test('ids not in the format are refused with MessageIdFormatError', () => {
    const table: Array<[string, MessageIdFormat]> = [
      ['12G4', 'hex'],
      ['1a2f', 'decimal'],
      ['-5', 'decimal'],
      ['', 'as-is'],
      ['   ', 'hex'],
      ['x'.repeat(65), 'as-is'],
    ];
    for (const [raw, format] of table) {
      assert.throws(() => normaliseMessageId(raw, format), MessageIdFormatError, `${JSON.stringify(raw)} as ${format}`);
    }
  });
});

describe('receipt text', () => {
  test('Appendix B text, in full and in the variants upstreams write', () => {
    const full = 'id:0123456789 sub:001 dlvrd:001 submit date:2611251731 done date:2611251732 stat:DELIVRD err:000 text:hello stat:UNDELIV';
    assert.deepEqual(parseReceiptText(full), { id: '0123456789', dlvrd: '001', submitDate: '2611251731', doneDate: '2611251732', stat: 'DELIVRD', err: '000' });
    assert.deepEqual(parseReceiptText('ID:ab12 STAT:UNDELIV ERR:001'), { id: 'ab12', stat: 'UNDELIV', err: '001' });
    assert.deepEqual(parseReceiptText('stat:EXPIRED id:7'), { id: '7', stat: 'EXPIRED' });
    assert.deepEqual(parseReceiptText(''), {});
    // "text:" ends the fields, even when what follows looks like one.
    assert.deepEqual(parseReceiptText('id:1 stat:DELIVRD text:id:2 stat:REJECTD'), { id: '1', stat: 'DELIVRD' });
  });

  test('stat words and message_state numbers → statuses', () => {
    const words: Array<[string, string | undefined]> = [
      ['DELIVRD', 'delivered'], ['UNDELIV', 'undelivered'], ['EXPIRED', 'expired'], ['DELETED', 'deleted'],
      ['ACCEPTD', 'accepted'], ['REJECTD', 'rejected'], ['ENROUTE', 'enroute'], ['UNKNOWN', 'unknown'],
      ['delivrd', 'delivered'], ['DELIVERED', 'delivered'], ['BOGUS', undefined],
    ];
    for (const [w, want] of words) assert.equal(statusFromStat(w), want, w);
    const states: Array<[number, string | undefined]> = [[1, 'enroute'], [2, 'delivered'], [3, 'expired'], [4, 'deleted'], [5, 'undelivered'], [6, 'accepted'], [7, 'unknown'], [8, 'rejected'], [42, undefined]];
    for (const [n, want] of states) assert.equal(statusFromMessageState(n), want, String(n));
  });

  test('receipt or not, by esm_class', () => {
    const table: Array<[number, boolean]> = [[0x04, true], [0x44, true], [0x20, true], [0x00, false], [0x40, false], [0x08, false]];
    for (const [esm, want] of table) assert.equal(isReceipt(esm), want, `esm_class 0x${esm.toString(16)}`);
  });

  test('readReceipt: TLVs win over the text; the text alone is enough', () => {
    const text = 'id:255 sub:001 dlvrd:000 submit date:2611251731 done date:2611251732 stat:UNDELIV err:001 text:';
    assert.deepEqual(readReceipt({ esmClass: 4, text, receiptedMessageId: 'ff', messageState: 2, networkErrorCode: Buffer.from([3, 0, 0]) }), {
      rawId: 'ff', idSource: 'tlv', status: 'delivered', errorCode: 0,
    });
    assert.deepEqual(readReceipt({ esmClass: 4, text }), { rawId: '255', idSource: 'text', status: 'undelivered', errorCode: 1 });
    assert.deepEqual(readReceipt({ esmClass: 4, text: 'id:9 stat:REJECTD', networkErrorCode: Buffer.from([7, 0x00, 0x45]) }), { rawId: '9', idSource: 'text', status: 'rejected', errorCode: 0x45 });
    assert.deepEqual(readReceipt({ esmClass: 0x20, text: 'id:9' }), { rawId: '9', idSource: 'text', status: 'enroute', errorCode: 0 });
    assert.equal(typeof readReceipt({ esmClass: 4, text: 'stat:DELIVRD' }), 'string', 'no id → a reason');
    assert.equal(typeof readReceipt({ esmClass: 4, text: 'id:1 stat:WHAT' }), 'string', 'no status → a reason');
  });
});

describe('pickRoute', () => {
  const routes: RelayRoute[] = [
    { account: 'acme', prefix: '4366', upstream: 'a1' },
    { account: 'acme', upstream: 'simulator' },
    { prefix: '49', upstream: 'de' },
    { account: 'big', upstream: 'b' },
  ];
  test('first match wins; no match → simulator (null)', () => {
    const table: Array<[string, string, string | null]> = [
      ['acme', '436601234567', 'a1'],
      ['acme', '+436601234567', 'a1'],
      ['acme', '491701234567', null], // acme's second route keeps it in the simulator
      ['other', '491701234567', 'de'],
      ['big', '491701234567', 'de'],
      ['big', '436601234567', 'b'],
      ['other', '436601234567', null],
    ];
    for (const [account, dest, want] of table) assert.equal(pickRoute(routes, account, dest), want, `${account} → ${dest}`);
    assert.equal(pickRoute([], 'acme', '4366'), null, 'no routes');
    assert.equal(pickRoute([{ upstream: 'all' }], 'x', '1'), 'all', 'a default route');
  });
});

describe('backoff and submit outcomes', () => {
  test('backoffMs doubles up to the cap; jitter stays within its share', () => {
    const table: Array<[number, number]> = [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [50, 1000], [0, 100]];
    for (const [attempt, want] of table) assert.equal(backoffMs(attempt, 100, 1000), want, `attempt ${attempt}`);
    assert.equal(backoffMs(1, 1000, 10_000, 0.2, () => 0), 800);
    assert.equal(backoffMs(1, 1000, 10_000, 0.2, () => 0.5), 1000);
    assert.equal(backoffMs(1, 1000, 10_000, 0.2, () => 0.999999), 1200);
  });

  test('classifySubmitStatus', () => {
    const temporary = ['ESME_RSYSERR', '0x00000064'];
    const table: Array<[number, string]> = [
      [Status.ESME_ROK, 'ok'],
      [Status.ESME_RTHROTTLED, 'throttled'],
      [Status.ESME_RMSGQFUL, 'throttled'],
      [Status.ESME_RSYSERR, 'temporary'],
      [Status.ESME_RX_T_APPN, 'temporary'],
      [Status.ESME_RSUBMITFAIL, 'permanent'],
      [Status.ESME_RINVDSTADR, 'permanent'],
      [0x0400, 'permanent'],
    ];
    for (const [status, want] of table) assert.equal(classifySubmitStatus(status, temporary), want, `0x${status.toString(16)}`);
  });
});
