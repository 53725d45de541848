/**
 * query_sm, cancel_sm, data_sm and submit_multi (SPEC §3, SMPP 3.4 §4.7–§4.9): own messages only,
 * the right status for everything else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { bindCollecting, messageIdOf, parseReceiptBody, readDataCoding0AsLatin1, shortMessageText, submitMany, type DeliverCollector } from '../helpers/receipts.js';
import { call, closeSession, type PDU, type Session } from '../helpers/smpp-client.js';

readDataCoding0AsLatin1();

const A = '436601234567';
const B = '436991234567';
const C = '436991111111';

function assertStatus(pdu: PDU, want: number, what: string): void {
  assert.equal(pdu.command_status, want, `${what}: wanted ${statusName(want)}, had ${statusName(pdu.command_status)} (${pdu.command})`);
}

function query(session: Session, messageId: string, sourceAddr = A): Promise<PDU> {
  return call(session, 'query_sm', { message_id: messageId, source_addr_ton: 1, source_addr_npi: 1, source_addr: sourceAddr });
}

function cancel(session: Session, fields: { message_id?: string; source_addr?: string; destination_addr?: string }): Promise<PDU> {
  return call(session, 'cancel_sm', {
    service_type: '',
    message_id: fields.message_id ?? '',
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: fields.source_addr ?? A,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: fields.destination_addr ?? '',
  });
}

describe('query_sm', () => {
  let t: TestApp;
  let acme: Session;
  let globex: Session;

  before(async () => {
    t = await startApp({ 'simulator.delayMs': [800, 800], 'simulator.outcomes': { delivered: 1 } });
    t.addAccount('acme', 'pw');
    t.addAccount('globex', 'pw');
    acme = (await bindCollecting(t.port, 'acme', 'pw', 'transceiver')).session;
    globex = (await bindCollecting(t.port, 'globex', 'pw', 'transceiver')).session;
  });

  after(async () => {
    await closeSession(acme);
    await closeSession(globex);
    await t.stop();
  });

  test('own message: message_state 1 (ENROUTE) and no final_date while in delivery; 2 (DELIVERED) with final_date after', async () => {
    const [resp] = await submitMany(acme, [{ source_addr: A, destination_addr: B }]);
    const id = messageIdOf(resp!);

    const during = await query(acme, id);
    assertStatus(during, Status.ESME_ROK, 'query_sm while in delivery');
    assert.equal(during.command, 'query_sm_resp');
    assert.equal(during.message_id, id, 'query_sm_resp message_id');
    assert.equal(during.message_state, 1, `while in delivery: wanted message_state 1, had ${String(during.message_state)}`);
    assert.equal(during.final_date, '', `while in delivery: wanted an empty final_date, had ${String(during.final_date)}`);

    await eventually(() => t.app.store.messages.byId(id)!.status === 'delivered', 3000, 'delivered');
    const done = await query(acme, id);
    assertStatus(done, Status.ESME_ROK, 'query_sm after delivery');
    assert.equal(done.message_state, 2, `after delivery: wanted message_state 2, had ${String(done.message_state)}`);
    assert.equal(done.error_code, 0, 'error_code');
    // The client decodes the SMPP absolute time into a Date.
    const finalDate = done.final_date;
    assert.ok(finalDate instanceof Date && !Number.isNaN(finalDate.getTime()), `wanted a final_date, had ${String(finalDate)}`);
    const doneAt = t.app.store.messages.byId(id)!.doneAt!;
    assert.ok(Math.abs(finalDate.getTime() - doneAt) < 1000, `final_date ${finalDate.toISOString()} is the delivery time ${new Date(doneAt).toISOString()}`);
  });

  test('another account’s message id → ESME_RINVMSGID', async () => {
    const [resp] = await submitMany(acme, [{ source_addr: A, destination_addr: B }]);
    const id = messageIdOf(resp!);
    assertStatus(await query(globex, id), Status.ESME_RINVMSGID, 'globex asking for acme’s message');
    assertStatus(await query(acme, id), Status.ESME_ROK, 'acme asking for its own message');
  });

  test('an unknown message id → ESME_RINVMSGID', async () => {
    assertStatus(await query(acme, '999999999999'), Status.ESME_RINVMSGID, 'unknown numeric id');
    assertStatus(await query(acme, 'not-an-id'), Status.ESME_RINVMSGID, 'id not of our form');
  });
});

describe('cancel_sm', () => {
  let t: TestApp;
  let acme: Session;
  let receipts: DeliverCollector;
  let globex: Session;

  before(async () => {
    t = await startApp({ 'simulator.delayMs': [5000, 5000], 'simulator.outcomes': { delivered: 1 } });
    t.addAccount('acme', 'pw');
    t.addAccount('globex', 'pw');
    ({ session: acme, collector: receipts } = await bindCollecting(t.port, 'acme', 'pw', 'transceiver'));
    globex = (await bindCollecting(t.port, 'globex', 'pw', 'transceiver')).session;
  });

  after(async () => {
    await closeSession(acme);
    await closeSession(globex);
    await t.stop();
  });

  test('a pending message: OK, status deleted, a DELETED receipt; cancelling again → ESME_RCANCELFAIL', async () => {
    const [resp] = await submitMany(acme, [{ source_addr: A, destination_addr: B, registered_delivery: 1 }]);
    const id = messageIdOf(resp!);
    const cancelled = await cancel(acme, { message_id: id });
    assert.equal(cancelled.command, 'cancel_sm_resp');
    assertStatus(cancelled, Status.ESME_ROK, 'cancel_sm of a pending message');
    assert.equal(t.app.store.messages.byId(id)!.status, 'deleted', 'stored status');
    const last = t.app.store.events.forMessage(id).at(-1)!;
    assert.deepEqual({ status: last.status, final: last.final, origin: last.origin }, { status: 'deleted', final: true, origin: 'cancel' }, 'the status event');

    const receipt = await receipts.waitForMessage(id);
    const body = parseReceiptBody(shortMessageText(receipt));
    assert.equal(body.stat, 'DELETED', `receipt stat: wanted DELETED, had ${body.stat}`);
    assert.equal(body.dlvrd, '000');
    assert.equal(receipt.message_state, 4, `message_state: wanted 4 (DELETED), had ${String(receipt.message_state)}`);
    assert.equal(receipt.esm_class, 0x04, 'a final receipt');

    assertStatus(await cancel(acme, { message_id: id }), Status.ESME_RCANCELFAIL, 'cancelling it again');
    assertStatus(await query(acme, id), Status.ESME_ROK, 'query after cancel');
    assert.equal((await query(acme, id)).message_state, 4, 'query_sm reports DELETED');
  });

  test('another account’s message → ESME_RINVMSGID, and the message stays in delivery', async () => {
    const [resp] = await submitMany(acme, [{ source_addr: A, destination_addr: B }]);
    const id = messageIdOf(resp!);
    assertStatus(await cancel(globex, { message_id: id }), Status.ESME_RINVMSGID, 'globex cancelling acme’s message');
    assert.equal(t.app.store.messages.byId(id)!.status, 'enroute', 'still in delivery');
  });

  test('without message_id: cancels every pending message from source to destination, and only those', async () => {
    const src = '436600000777'; // a source no other test uses
    const responses = await submitMany(acme, [
      { source_addr: src, destination_addr: B },
      { source_addr: src, destination_addr: B },
      { source_addr: src, destination_addr: B },
      { source_addr: src, destination_addr: C },
    ]);
    const ids = responses.map((r) => messageIdOf(r));
    assertStatus(await cancel(acme, { source_addr: src, destination_addr: B }), Status.ESME_ROK, 'cancel_sm by source and destination');
    const statuses = ids.map((id) => t.app.store.messages.byId(id)!.status);
    assert.deepEqual(statuses, ['deleted', 'deleted', 'deleted', 'enroute'], 'the three to B deleted, the one to C not');
    assertStatus(await cancel(acme, { source_addr: src, destination_addr: B }), Status.ESME_RCANCELFAIL, 'nothing left to cancel for that pair');
  });
});

describe('data_sm and submit_multi', () => {
  let t: TestApp;
  let session: Session;
  let receipts: DeliverCollector;

  before(async () => {
    t = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    t.addAccount('acme', 'pw');
    ({ session, collector: receipts } = await bindCollecting(t.port, 'acme', 'pw', 'transceiver'));
  });

  after(async () => {
    await closeSession(session);
    await t.stop();
  });

  test('data_sm with message_payload → data_sm_resp with a message_id; the message is stored and gets its receipt', async () => {
    const resp = await call(session, 'data_sm', {
      service_type: '',
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: A,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: B,
      esm_class: 0,
      registered_delivery: 1,
      data_coding: 0,
      message_payload: Buffer.from('Sent with data sm', 'ascii'),
    });
    assert.equal(resp.command, 'data_sm_resp');
    const id = messageIdOf(resp, 'data_sm');
    const stored = t.app.store.messages.byId(id);
    assert.ok(stored, `wanted message ${id} stored`);
    assert.deepEqual({ text: stored.text, source: stored.sourceAddr, dest: stored.destAddr }, { text: 'Sent with data sm', source: A, dest: B }, 'stored message');
    const receipt = await receipts.waitForMessage(id);
    assert.equal(parseReceiptBody(shortMessageText(receipt)).stat, 'DELIVRD');
  });

  test('submit_multi → submit_multi_resp with ESME_RINVCMDID, nothing stored', async () => {
    const before = t.app.store.messages.count();
    const resp = await call(session, 'submit_multi', {
      service_type: '',
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: A,
      dest_address: [
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: B },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: C },
      ],
      data_coding: 0,
      short_message: Buffer.from('to many', 'ascii'),
    });
    assert.equal(resp.command, 'submit_multi_resp', `wanted submit_multi_resp, had ${resp.command}`);
    assertStatus(resp, Status.ESME_RINVCMDID, 'submit_multi');
    assert.equal(t.app.store.messages.count(), before, 'nothing stored');
  });
});
