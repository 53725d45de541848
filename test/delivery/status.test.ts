/** receiptOwed: which status changes owe an SMPP receipt, by registered_delivery (SMPP 3.4 §5.2.17). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receiptOwed, smsStatusInfo } from '../../src/delivery/status.js';

const finals = ['delivered', 'accepted', 'undelivered', 'expired', 'deleted', 'rejected', 'unknown'];
const success = new Set(['delivered', 'accepted']);

test('registered_delivery × status → receipt owed', () => {
  const cases: Array<[number, string, boolean]> = [];
  for (const status of finals) {
    cases.push([0x00, status, false]);
    cases.push([0x01, status, true]);
    cases.push([0x02, status, !success.has(status)]);
    cases.push([0x03, status, success.has(status)]);
    cases.push([0x10, status, false]);
    cases.push([0x11, status, true]);
  }
  cases.push([0x00, 'enroute', false], [0x01, 'enroute', false], [0x10, 'enroute', true], [0x11, 'enroute', true], [0x12, 'enroute', true]);
  for (const [rd, status, want] of cases) {
    assert.equal(receiptOwed(rd, status), want, `registered_delivery 0x${rd.toString(16)}, ${status}: wanted ${want}`);
  }
});

test('stat words and message_state numbers (SPEC §2)', () => {
  const table: Array<[string, string, number]> = [
    ['delivered', 'DELIVRD', 2],
    ['undelivered', 'UNDELIV', 5],
    ['expired', 'EXPIRED', 3],
    ['deleted', 'DELETED', 4],
    ['accepted', 'ACCEPTD', 6],
    ['rejected', 'REJECTD', 8],
    ['enroute', 'ENROUTE', 1],
    ['unknown', 'UNKNOWN', 7],
  ];
  for (const [status, stat, state] of table) {
    const info = smsStatusInfo(status);
    assert.deepEqual([info.stat, info.messageState], [stat, state], status);
  }
  assert.throws(() => smsStatusInfo('sent'), /unknown SMS status/);
});
