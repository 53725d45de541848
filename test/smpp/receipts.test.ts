/**
 * SMPP delivery receipts (SPEC §3): which registered_delivery values get which receipts, the
 * exact receipt PDU, and that a receipt never overtakes its submit_sm_resp.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { startApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import {
  DeliverCollector,
  EventLog,
  messageIdOf,
  parseReceiptBody,
  readDataCoding0AsLatin1,
  shortMessageText,
  submitMany,
  utcMinute,
} from '../helpers/receipts.js';
import { bind, closeSession, type PDU, type Session } from '../helpers/smpp-client.js';

// Receipt bodies are compared character for character: read data_coding 0 octets as they are.
readDataCoding0AsLatin1();

/** Destination prefixes with a fixed outcome (simulator.rules). */
const DEST = {
  delivered: '436100000001',
  undelivered: '436200000002',
  expired: '436300000003',
  rejected: '436400000004',
} as const;
type Outcome = keyof typeof DEST;
const OUTCOMES = Object.keys(DEST) as Outcome[];

const RULES = [
  { prefix: '4361', status: 'delivered' },
  { prefix: '4362', status: 'undelivered' },
  { prefix: '4363', status: 'expired' },
  { prefix: '4364', status: 'rejected' },
];

/** What each outcome's receipt carries (SPEC §2, §3; simulated GSM error codes). */
const EXPECTED: Record<Outcome, { stat: string; messageState: number; errorCode: number; dlvrd: string }> = {
  delivered: { stat: 'DELIVRD', messageState: 2, errorCode: 0, dlvrd: '001' },
  undelivered: { stat: 'UNDELIV', messageState: 5, errorCode: 1, dlvrd: '000' },
  expired: { stat: 'EXPIRED', messageState: 3, errorCode: 27, dlvrd: '000' },
  rejected: { stat: 'REJECTD', messageState: 8, errorCode: 13, dlvrd: '000' },
};

/** Waits until the store holds the final status event of `id`; returns it. */
async function finalEvent(t: TestApp, id: string, timeoutMs = 5000) {
  return eventually(() => {
    const final = t.app.store.events.forMessage(id).find((e) => e.final);
    if (!final) throw new Error(`message ${id} has events ${JSON.stringify(t.app.store.events.forMessage(id).map((e) => e.status))}`);
    return final;
  }, timeoutMs, `final status event of message ${id}`);
}

/**
 * A barrier: submits one message that is delivered with registered_delivery 1 and waits for its
 * receipt. Receipts of one account are pushed to a single bind in the order they were recorded,
 * so any receipt owed for an earlier-finished message would have arrived before this one.
 */
async function barrier(session: Session, collector: DeliverCollector): Promise<void> {
  const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1, short_message: Buffer.from('barrier') }]);
  await collector.waitForMessage(messageIdOf(resp!, 'barrier submit'));
}

/** Receipts a collector has for `id`, described for failure messages. */
function describeReceipts(collector: DeliverCollector, id: string): string {
  return JSON.stringify(collector.forMessage(id).map((p) => shortMessageText(p)));
}

describe('registered_delivery without ENROUTE', () => {
  let t: TestApp;
  let session: Session;
  let collector: DeliverCollector;
  let v50: Session;
  let v50Collector: DeliverCollector;

  before(async () => {
    t = await startApp({ 'simulator.rules': RULES });
    t.addAccount('acme', 'pw');
    t.addAccount('five', 'pw');
    const b = await bind(t.port, 'acme', 'pw', 'transceiver');
    assert.equal(b.response.command_status, 0, 'bind acme');
    session = b.session;
    collector = new DeliverCollector(session);
    const c = await bind(t.port, 'five', 'pw', 'transceiver', { interface_version: 0x50 });
    assert.equal(c.response.command_status, 0, 'bind five with interface_version 0x50');
    v50 = c.session;
    v50Collector = new DeliverCollector(v50);
  });

  after(async () => {
    await closeSession(session);
    await closeSession(v50);
    await t.stop();
  });

  /** Submits one message per outcome with `registeredDelivery`; returns the ids by outcome. */
  async function submitEach(on: Session, registeredDelivery: number): Promise<Record<Outcome, string>> {
    const responses = await submitMany(
      on,
      OUTCOMES.map((o) => ({ destination_addr: DEST[o], registered_delivery: registeredDelivery, short_message: Buffer.from(`rd ${registeredDelivery} ${o}`) })),
    );
    return Object.fromEntries(OUTCOMES.map((o, i) => [o, messageIdOf(responses[i]!, `submit ${o}`)])) as Record<Outcome, string>;
  }

  test('0x01: exactly one final receipt for each of delivered, undelivered, expired, rejected', async () => {
    const ids = await submitEach(session, 0x01);
    for (const o of OUTCOMES) await collector.waitForMessage(ids[o]);
    for (const o of OUTCOMES) await finalEvent(t, ids[o]);
    await barrier(session, collector);
    for (const o of OUTCOMES) {
      const got = collector.forMessage(ids[o]);
      assert.equal(got.length, 1, `${o}: wanted exactly one receipt, had ${describeReceipts(collector, ids[o])}`);
      assert.equal(got[0]!.esm_class, 0x04, `${o}: wanted esm_class 0x04, had ${String(got[0]!.esm_class)}`);
      assert.equal(parseReceiptBody(shortMessageText(got[0]!)).stat, EXPECTED[o].stat, `${o}: stat`);
      const rows = t.app.store.receipts.forMessage(ids[o]);
      assert.deepEqual(rows.map((r) => r.state), ['acked'], `${o}: wanted one receipt row, acked; had ${JSON.stringify(rows)}`);
    }
  });

  test('0x02: receipts for undelivered, expired and rejected, none for delivered', async () => {
    const ids = await submitEach(session, 0x02);
    for (const o of OUTCOMES) await finalEvent(t, ids[o]);
    for (const o of OUTCOMES.filter((x) => x !== 'delivered')) await collector.waitForMessage(ids[o]);
    await barrier(session, collector);
    assert.equal(t.app.store.messages.byId(ids.delivered)!.status, 'delivered', 'the delivered message really was delivered');
    assert.equal(collector.forMessage(ids.delivered).length, 0, `delivered with 0x02: wanted no receipt, had ${describeReceipts(collector, ids.delivered)}`);
    assert.equal(t.app.store.receipts.forMessage(ids.delivered).length, 0, 'delivered with 0x02: wanted no receipt owed in the store');
    for (const o of OUTCOMES.filter((x) => x !== 'delivered')) {
      const got = collector.forMessage(ids[o]);
      assert.equal(got.length, 1, `${o} with 0x02: wanted one receipt, had ${describeReceipts(collector, ids[o])}`);
      assert.equal(parseReceiptBody(shortMessageText(got[0]!)).stat, EXPECTED[o].stat, `${o}: stat`);
    }
  });

  test('0x00: no receipt at all, whatever the outcome', async () => {
    const ids = await submitEach(session, 0x00);
    for (const o of OUTCOMES) await finalEvent(t, ids[o]);
    await barrier(session, collector);
    for (const o of OUTCOMES) {
      assert.equal(collector.forMessage(ids[o]).length, 0, `${o} with 0x00: wanted no receipt, had ${describeReceipts(collector, ids[o])}`);
      assert.equal(t.app.store.receipts.forMessage(ids[o]).length, 0, `${o} with 0x00: wanted no receipt owed in the store`);
    }
  });

  test('accepted counts as success, deleted and unknown as failure: 0x02 and 0x03 (test numbers 999000014/15/16)', async () => {
    const numbers = { deleted: '999000014', unknown: '999000015', accepted: '999000016' };
    const stats = { deleted: 'DELETED', unknown: 'UNKNOWN', accepted: 'ACCEPTD' };
    const states = { deleted: 4, unknown: 7, accepted: 6 };
    const kinds = Object.keys(numbers) as Array<keyof typeof numbers>;
    const submitAll = async (on: Session, rd: number): Promise<string[]> =>
      (await submitMany(on, kinds.map((k) => ({ destination_addr: numbers[k], registered_delivery: rd })))).map((r) => messageIdOf(r));
    const failureOnly = await submitAll(session, 0x02);
    const successOnly = await submitAll(v50, 0x03);
    for (const id of [...failureOnly, ...successOnly]) await finalEvent(t, id);
    await barrier(session, collector);
    await barrier(v50, v50Collector);
    kinds.forEach((k, i) => {
      assert.equal(t.app.store.messages.byId(failureOnly[i]!)!.status, k, `${numbers[k]} ends ${k}`);
      const wantFailure = k === 'accepted' ? [] : [stats[k]];
      const hadFailure = collector.forMessage(failureOnly[i]!).map((p) => parseReceiptBody(shortMessageText(p)).stat);
      assert.deepEqual(hadFailure, wantFailure, `${k} with 0x02`);
      const wantSuccess = k === 'accepted' ? [stats[k]] : [];
      const hadSuccess = v50Collector.forMessage(successOnly[i]!).map((p) => parseReceiptBody(shortMessageText(p)).stat);
      assert.deepEqual(hadSuccess, wantSuccess, `${k} with 0x03`);
    });
    const accepted = v50Collector.forMessage(successOnly[kinds.indexOf('accepted')]!)[0]!;
    assert.equal(accepted.message_state, states.accepted, 'ACCEPTD message_state 6');
    assert.equal(parseReceiptBody(shortMessageText(accepted)).dlvrd, '001', 'ACCEPTD counts as delivered (dlvrd:001)');
    const deleted = collector.forMessage(failureOnly[kinds.indexOf('deleted')]!)[0]!;
    assert.equal(deleted.message_state, states.deleted, 'DELETED message_state 4');
    const unknown = collector.forMessage(failureOnly[kinds.indexOf('unknown')]!)[0]!;
    assert.equal(unknown.message_state, states.unknown, 'UNKNOWN message_state 7');
  });

  test('0x03 on an SMPP 5.0 bind: a receipt for delivered only', async () => {
    const ids = await submitEach(v50, 0x03);
    for (const o of OUTCOMES) await finalEvent(t, ids[o]);
    await v50Collector.waitForMessage(ids.delivered);
    await barrier(v50, v50Collector);
    const delivered = v50Collector.forMessage(ids.delivered);
    assert.equal(delivered.length, 1, `delivered with 0x03: wanted one receipt, had ${describeReceipts(v50Collector, ids.delivered)}`);
    assert.equal(parseReceiptBody(shortMessageText(delivered[0]!)).stat, 'DELIVRD');
    for (const o of OUTCOMES.filter((x) => x !== 'delivered')) {
      assert.equal(v50Collector.forMessage(ids[o]).length, 0, `${o} with 0x03: wanted no receipt, had ${describeReceipts(v50Collector, ids[o])}`);
      assert.equal(t.app.store.receipts.forMessage(ids[o]).length, 0, `${o} with 0x03: wanted no receipt owed in the store`);
    }
  });
});

describe('registered_delivery with simulator.enroute', () => {
  let t: TestApp;
  let session: Session;
  let collector: DeliverCollector;

  before(async () => {
    // A delay of 200 ms leaves the ENROUTE step 100 ms after acceptance.
    t = await startApp({ 'simulator.rules': RULES, 'simulator.enroute': true, 'simulator.delayMs': [200, 200] });
    t.addAccount('acme', 'pw');
    const b = await bind(t.port, 'acme', 'pw', 'transceiver');
    assert.equal(b.response.command_status, 0, 'bind');
    session = b.session;
    collector = new DeliverCollector(session);
  });

  after(async () => {
    await closeSession(session);
    await t.stop();
  });

  test('0x11: an ENROUTE notification (esm_class 0x20, message_state 1), then the final receipt', async () => {
    const ids: Record<string, string> = {};
    const responses = await submitMany(session, [
      { destination_addr: DEST.delivered, registered_delivery: 0x11 },
      { destination_addr: DEST.undelivered, registered_delivery: 0x11 },
    ]);
    ids.delivered = messageIdOf(responses[0]!);
    ids.undelivered = messageIdOf(responses[1]!);
    await eventually(() => collector.forMessage(ids.delivered!).length >= 2 && collector.forMessage(ids.undelivered!).length >= 2, 5000, 'two notifications each');
    await barrier(session, collector);
    for (const [o, id] of Object.entries(ids) as Array<[Outcome, string]>) {
      const got = collector.forMessage(id);
      const bodies = got.map((p) => parseReceiptBody(shortMessageText(p)));
      assert.deepEqual(bodies.map((b) => b.stat), ['ENROUTE', EXPECTED[o].stat], `${o}: wanted ENROUTE then ${EXPECTED[o].stat}, had ${JSON.stringify(bodies)}`);
      const [enroute, final] = got as [PDU, PDU];
      assert.equal(enroute.esm_class, 0x20, `${o}: ENROUTE esm_class: wanted 0x20, had ${String(enroute.esm_class)}`);
      assert.equal(enroute.message_state, 1, `${o}: ENROUTE message_state: wanted 1, had ${String(enroute.message_state)}`);
      assert.equal(enroute.receipted_message_id, id, `${o}: ENROUTE receipted_message_id`);
      assert.equal(bodies[0]!.dlvrd, '000', `${o}: ENROUTE dlvrd`);
      assert.equal(final.esm_class, 0x04, `${o}: final esm_class: wanted 0x04, had ${String(final.esm_class)}`);
      assert.equal(final.message_state, EXPECTED[o].messageState, `${o}: final message_state`);
      const events = t.app.store.events.forMessage(id).map((e) => e.status);
      assert.deepEqual(events, ['enroute', o], `${o}: stored events`);
    }
  });

  test('0x10 alone: the ENROUTE notification and no final receipt', async () => {
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 0x10 }]);
    const id = messageIdOf(resp!);
    await finalEvent(t, id);
    await barrier(session, collector);
    const stats = collector.forMessage(id).map((p) => parseReceiptBody(shortMessageText(p)).stat);
    assert.deepEqual(stats, ['ENROUTE'], `0x10: wanted only ENROUTE, had ${JSON.stringify(stats)}`);
    assert.equal(collector.forMessage(id)[0]!.esm_class, 0x20, 'ENROUTE esm_class');
  });

  test('0x01 with enroute on: only the final receipt', async () => {
    const [resp] = await submitMany(session, [{ destination_addr: DEST.rejected, registered_delivery: 0x01 }]);
    const id = messageIdOf(resp!);
    await finalEvent(t, id);
    await barrier(session, collector);
    assert.deepEqual(t.app.store.events.forMessage(id).map((e) => e.status), ['enroute', 'rejected'], 'the message did go through enroute');
    const stats = collector.forMessage(id).map((p) => parseReceiptBody(shortMessageText(p)).stat);
    assert.deepEqual(stats, ['REJECTD'], `0x01: wanted only REJECTD, had ${JSON.stringify(stats)}`);
  });

  test('0x00 with enroute on: nothing at all', async () => {
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 0x00 }]);
    const id = messageIdOf(resp!);
    await finalEvent(t, id);
    await barrier(session, collector);
    assert.equal(collector.forMessage(id).length, 0, `wanted no notification, had ${describeReceipts(collector, id)}`);
  });
});

describe('receipt PDU fields (SPEC §3)', () => {
  let t: TestApp;
  let session: Session;
  let collector: DeliverCollector;

  before(async () => {
    t = await startApp({ 'simulator.rules': RULES });
    t.addAccount('acme', 'pw');
    const b = await bind(t.port, 'acme', 'pw', 'transceiver');
    assert.equal(b.response.command_status, 0, 'bind');
    session = b.session;
    collector = new DeliverCollector(session);
  });

  after(async () => {
    await closeSession(session);
    await t.stop();
  });

  for (const outcome of OUTCOMES) {
    test(`${outcome}: deliver_sm with swapped addresses, Appendix B text and the three TLVs`, async () => {
      const want = EXPECTED[outcome];
      const text = `Fields ${outcome}`;
      const before = Date.now();
      const [resp] = await submitMany(session, [
        {
          source_addr_ton: 5, // alphanumeric
          source_addr_npi: 0,
          source_addr: 'ACMEINFO',
          dest_addr_ton: 1, // international
          dest_addr_npi: 1, // E.164
          destination_addr: DEST[outcome],
          registered_delivery: 1,
          data_coding: 0,
          short_message: Buffer.from(text),
        },
      ]);
      const responded = Date.now();
      const id = messageIdOf(resp!);
      const r = await collector.waitForMessage(id);
      const arrived = Date.now();

      assert.equal(r.command, 'deliver_sm');
      assert.equal(r.esm_class, 0x04, `esm_class: wanted 0x04, had ${String(r.esm_class)}`);
      assert.deepEqual(
        { ton: r.source_addr_ton, npi: r.source_addr_npi, addr: r.source_addr },
        { ton: 1, npi: 1, addr: DEST[outcome] },
        'source of the receipt = destination of the message',
      );
      assert.deepEqual(
        { ton: r.dest_addr_ton, npi: r.dest_addr_npi, addr: r.destination_addr },
        { ton: 5, npi: 0, addr: 'ACMEINFO' },
        'destination of the receipt = source of the message',
      );
      assert.equal(r.data_coding, 0, `data_coding: wanted 0, had ${String(r.data_coding)}`);

      const body = parseReceiptBody(shortMessageText(r));
      assert.equal(body.id, id, `id: wanted the submit_sm_resp message_id ${id}, had ${body.id}`);
      assert.equal(body.sub, '001');
      assert.equal(body.dlvrd, want.dlvrd, `dlvrd for ${outcome}`);
      assert.equal(body.stat, want.stat, `stat for ${outcome}`);
      assert.equal(body.err, String(want.errorCode).padStart(3, '0'), `err for ${outcome}`);
      assert.equal(body.text, text, 'text: the first 20 characters of the message');

      const stored = t.app.store.messages.byId(id)!;
      const final = await finalEvent(t, id);
      assert.ok(stored.submittedAt >= before && stored.submittedAt <= responded, `submittedAt ${stored.submittedAt} within the submit (${before}–${responded})`);
      assert.ok(final.occurredAt >= stored.submittedAt && final.occurredAt <= arrived, `done time ${final.occurredAt} between submit and receipt`);
      assert.equal(body.submitDate, utcMinute(stored.submittedAt), 'submit date: the submit time in UTC YYMMDDhhmm');
      assert.equal(body.doneDate, utcMinute(final.occurredAt), 'done date: the final status time in UTC YYMMDDhhmm');

      assert.equal(r.receipted_message_id, id, `receipted_message_id: wanted ${id}, had ${String(r.receipted_message_id)}`);
      assert.equal(r.message_state, want.messageState, `message_state: wanted ${want.messageState}, had ${String(r.message_state)}`);
      const nec = r.network_error_code;
      assert.ok(Buffer.isBuffer(nec), `network_error_code: wanted 3 octets, had ${String(nec)}`);
      assert.deepEqual([...nec], [3, want.errorCode >> 8, want.errorCode & 0xff], 'network_error_code: type 3 (GSM) and the error code');
      assert.equal(String(nec.readUInt16BE(1)).padStart(3, '0'), body.err, 'network_error_code matches err:');
    });
  }

  test('text: is cut to the first 20 characters', async () => {
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1, short_message: Buffer.from('abcdefghijklmnopqrstuvwxyz') }]);
    const r = await collector.waitForMessage(messageIdOf(resp!));
    assert.equal(parseReceiptBody(shortMessageText(r)).text, 'abcdefghijklmnopqrst');
  });
});

describe('a receipt never overtakes its submit_sm_resp', () => {
  test('200 pipelined submits, delivered at once: each response is read before its receipt', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({ 'simulator.delayMs': [0, 0], 'simulator.outcomes': { delivered: 1 } });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session } = await bind(app.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const log = new EventLog();
    const collector = new DeliverCollector(session, log);
    const responses = await submitMany(session, Array.from({ length: 200 }, (_, i) => ({ registered_delivery: 1, short_message: Buffer.from(`order ${i}`) })), log);
    const ids = responses.map((r, i) => messageIdOf(r, `submit ${i}`));
    await collector.waitFor(200, 10_000);
    const responseAt = new Map(log.entries.filter((e) => e.kind === 'response').map((e) => [e.messageId, e.order]));
    const late = [];
    for (const entry of log.entries.filter((e) => e.kind === 'deliver_sm')) {
      const answeredAt = responseAt.get(entry.messageId);
      if (answeredAt === undefined || answeredAt > entry.order) late.push(entry.messageId);
    }
    assert.deepEqual(late, [], `receipts read before their submit_sm_resp: ${late.join(', ')}`);
    assert.deepEqual(new Set(collector.messageIds()), new Set(ids), 'one receipt for every message');
  });

  test('test number 999000004 (response delayed 300 ms): the receipt still comes after the response', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({
      'simulator.delayMs': [0, 0],
      'simulator.outcomes': { delivered: 1 },
      'simulator.testNumbers': [{ number: '999000004', responseDelayMs: 300 }],
    });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session } = await bind(app.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const log = new EventLog();
    const collector = new DeliverCollector(session, log);
    const sent = Date.now();
    const [resp] = await submitMany(session, [{ destination_addr: '999000004', registered_delivery: 1 }], log);
    const elapsed = Date.now() - sent;
    const id = messageIdOf(resp!);
    assert.ok(elapsed >= 290, `the response was delayed (wanted ≥ 300 ms, had ${elapsed} ms)`);
    await collector.waitForMessage(id);
    const kinds = log.entries.filter((e) => e.messageId === id).map((e) => e.kind);
    assert.deepEqual(kinds, ['response', 'deliver_sm'], `wanted the response first, had ${kinds.join(' then ')}`);
  });
});
