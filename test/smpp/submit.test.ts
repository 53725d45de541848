/**
 * submit_sm (SPEC §3, SMPP 3.4 §4.4): every field refusal with its exact status, what is stored
 * for accepted messages, durability before the response, message ids, and the account rate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import smpp from 'smpp';
import { Status, statusName } from '../../src/smpp/command-status.js';
import type { StoredMessage } from '../../src/store/messages.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { sleep } from '../helpers/eventually.js';
import { sendRaw, submitSmBytes, tlv } from '../helpers/pdu-bytes.js';
import { bind, call, closeSession, submit, submitFields, type PDU, type Session } from '../helpers/smpp-client.js';

function assertStatus(pdu: PDU, want: number, what: string): void {
  assert.equal(
    pdu.command_status,
    want,
    `${what}: wanted ${statusName(want)}, had ${statusName(pdu.command_status)} (${pdu.command})`,
  );
}

/** The stored message a successful submit_sm_resp names. */
function storedFor(app: TestApp, response: PDU): StoredMessage {
  const id = response.message_id;
  assert.equal(typeof id, 'string', `wanted a message_id string in submit_sm_resp, had ${String(id)}`);
  const message = app.app.store.messages.byId(id as string);
  assert.ok(message, `wanted message ${String(id)} in the store, had none`);
  return message;
}

/** `n` GSM default alphabet octets ('a'). */
const gsm = (n: number): Buffer => Buffer.alloc(n, 0x61);

describe('submit_sm', () => {
  let app: TestApp;
  /** A transceiver bound with interface_version 0x34. */
  let v34: Session;
  /** A transceiver bound with interface_version 0x50 (SMPP 5.0). */
  let v50: Session;

  before(async () => {
    app = await startApp();
    app.addAccount('acme', 'pw1');
    const a = await bind(app.port, 'acme', 'pw1', 'transceiver', { interface_version: 0x34 });
    assertStatus(a.response, Status.ESME_ROK, 'bind 3.4');
    v34 = a.session;
    const b = await bind(app.port, 'acme', 'pw1', 'transceiver', { interface_version: 0x50 });
    assertStatus(b.response, Status.ESME_ROK, 'bind 5.0');
    v50 = b.session;
  });

  after(async () => {
    await closeSession(v34);
    await closeSession(v50);
    await app.stop();
  });

  describe('refusals', () => {
    const past2001 = '010101000000000+'; // 2001-01-01 00:00:00.0 UTC, absolute
    const cases: Array<[string, Record<string, unknown>, keyof typeof Status]> = [
      ['service_type "TOOLONG" (7 > 5 characters)', { service_type: 'TOOLONG' }, 'ESME_RINVSERTYP'],
      ['source TON 7 (reserved)', { source_addr_ton: 7 }, 'ESME_RINVSRCTON'],
      ['source NPI 2 (reserved)', { source_addr_npi: 2 }, 'ESME_RINVSRCNPI'],
      ['dest TON 9 (reserved)', { dest_addr_ton: 9 }, 'ESME_RINVDSTTON'],
      ['dest NPI 5 (reserved)', { dest_addr_npi: 5 }, 'ESME_RINVDSTNPI'],
      ['empty destination_addr', { destination_addr: '' }, 'ESME_RINVDSTADR'],
      ['destination_addr "abc"', { destination_addr: 'abc' }, 'ESME_RINVDSTADR'],
      ['destination_addr of 21 digits', { destination_addr: '1'.repeat(21) }, 'ESME_RINVDSTADR'],
      ['alphanumeric source (TON 5) of 12 characters', { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ABCDEFGHIJKL' }, 'ESME_RINVSRCADR'],
      ['esm_class 0x04 (delivery receipt type from an ESME)', { esm_class: 0x04 }, 'ESME_RINVESMCLASS'],
      ['priority_flag 4', { priority_flag: 4 }, 'ESME_RINVPRTFLG'],
      ['registered_delivery 0x03 on a 3.4 bind', { registered_delivery: 0x03 }, 'ESME_RINVREGDLVFLG'],
      ['replace_if_present_flag 2', { replace_if_present_flag: 2 }, 'ESME_RINVREPFLAG'],
      ['data_coding 0x0B (reserved)', { data_coding: 0x0b }, 'ESME_RINVDCS'],
      ['sm_default_msg_id 1', { sm_default_msg_id: 1 }, 'ESME_RINVDFTMSGID'],
      // The smpp client pads time strings of ≤ 12 characters into relative form ("00000garbage000R"),
      // so a long one is sent too, as is.
      ['validity_period "garbage"', { validity_period: 'garbage' }, 'ESME_RINVEXPIRY'],
      ['validity_period "garbage garbage!"', { validity_period: 'garbage garbage!' }, 'ESME_RINVEXPIRY'],
      ['validity_period in 2001 (absolute, past)', { validity_period: past2001 }, 'ESME_RINVEXPIRY'],
      ['schedule_delivery_time "garbage"', { schedule_delivery_time: 'garbage' }, 'ESME_RINVSCHED'],
      ['schedule_delivery_time "garbage garbage!"', { schedule_delivery_time: 'garbage garbage!' }, 'ESME_RINVSCHED'],
      ['161 GSM characters with data_coding 0', { data_coding: 0, short_message: gsm(161) }, 'ESME_RINVMSGLEN'],
      ['141 octets with data_coding 8', { data_coding: 8, short_message: Buffer.alloc(141, 0x41) }, 'ESME_RINVMSGLEN'],
      ['142 octets (even) with data_coding 8', { data_coding: 8, short_message: Buffer.alloc(142, 0x41) }, 'ESME_RINVMSGLEN'],
      ['odd UCS2 length (3 octets)', { data_coding: 8, short_message: Buffer.from([0x00, 0x41, 0x00]) }, 'ESME_RINVMSGLEN'],
      [
        'esm_class 0x40 with a UDHL that runs past the data',
        // UDHL 5, but only 2 octets follow.
        { esm_class: 0x40, short_message: Buffer.from([0x05, 0x00, 0x03]) },
        'ESME_RINVMSGLEN',
      ],
      ['only sar_msg_ref_num of the SAR TLVs', { sar_msg_ref_num: 7 }, 'ESME_RMISSINGOPTPARAM'],
      ['sar_segment_seqnum 3 of sar_total_segments 2', { sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 3 }, 'ESME_RINVOPTPARAMVAL'],
      [
        'message_payload with a non-empty short_message',
        { short_message: Buffer.from('x'), message_payload: Buffer.from('payload') },
        'ESME_ROPTPARNOTALLWD',
      ],
    ];

    for (const [what, fields, want] of cases) {
      test(`${what} → ${want}`, async () => {
        const before = app.app.store.messages.count();
        const response = await submit(v34, fields);
        assert.equal(response.command, 'submit_sm_resp', `wanted submit_sm_resp, had ${response.command}`);
        assertStatus(response, Status[want], what);
        assert.equal(response.message_id, undefined, `wanted no message_id on a refusal, had ${String(response.message_id)}`);
        assert.equal(app.app.store.messages.count(), before, `${what}: wanted nothing stored`);
      });
    }
  });

  test('a SAR TLV of the wrong size → submit_sm_resp ESME_RINVPARLEN, and the session carries on', async (t) => {
    // The PDU is well framed (the TLV's length matches its bytes); only sar_msg_ref_num has 1
    // octet where SMPP 3.4 §5.3.2.22 wants 2. That is a refusal of this request, not a broken stream.
    const { session, response } = await bind(app.port, 'acme', 'pw1', 'transmitter');
    t.after(() => closeSession(session));
    assertStatus(response, Status.ESME_ROK, 'bind');
    const sequence = 0x7fff0001;
    const bytes = submitSmBytes(sequence, Buffer.from('hi'), [
      tlv(0x020c, Buffer.from([0x07])), // sar_msg_ref_num, 1 octet (wants 2)
      tlv(0x020e, Buffer.from([0x02])), // sar_total_segments 2
      tlv(0x020f, Buffer.from([0x01])), // sar_segment_seqnum 1
    ]);
    const answer = await sendRaw(session, bytes, sequence);
    assert.notEqual(answer, 'closed', 'wanted an answer to the submit_sm, had the connection closed without one');
    const pdu = answer as PDU;
    assert.equal(pdu.command, 'submit_sm_resp', `wanted submit_sm_resp, had ${pdu.command} ${statusName(pdu.command_status)}`);
    assertStatus(pdu, Status.ESME_RINVPARLEN, 'sar_msg_ref_num of 1 octet');
    const alive = await call(session, 'enquire_link', {}, 2000).catch((err: Error) => err);
    assert.ok(!(alive instanceof Error), `wanted the session still answering enquire_link, had ${String(alive)}`);
    assertStatus(alive, Status.ESME_ROK, 'enquire_link after the refusal');
  });

  describe('accepted', () => {
    test('registered_delivery 0x03 is accepted on a 5.0 bind', async () => {
      const response = await submit(v50, { registered_delivery: 0x03 });
      assertStatus(response, Status.ESME_ROK, 'registered_delivery 0x03 on a 5.0 bind');
      assert.equal(storedFor(app, response).registeredDelivery, 0x03);
    });

    test('160 GSM characters with data_coding 0 fit', async () => {
      const response = await submit(v34, { data_coding: 0, short_message: gsm(160) });
      assertStatus(response, Status.ESME_ROK, '160 GSM characters');
      const message = storedFor(app, response);
      assert.equal(message.body.length, 160);
      assert.equal(message.text, 'a'.repeat(160));
    });

    test('140 octets with data_coding 8 fit', async () => {
      const response = await submit(v34, { data_coding: 8, short_message: Buffer.alloc(140, 0x41) });
      assertStatus(response, Status.ESME_ROK, '140 UCS2 octets');
      assert.equal(storedFor(app, response).body.length, 140);
    });

    test('the stored message keeps addresses, data_coding, body bytes and the GSM text', async () => {
      // 0x48 'H', 0x00 '@' (GSM 03.38), 0x11 '_', 0x02 '$', 0x1B 0x65 '€' (extension table)
      const body = Buffer.from([0x48, 0x00, 0x11, 0x02, 0x1b, 0x65]);
      const response = await submit(v34, {
        service_type: 'CMT',
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: '436601234567',
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: '436991234567',
        protocol_id: 0,
        priority_flag: 1,
        registered_delivery: 0x01,
        data_coding: 0,
        short_message: body,
      });
      assertStatus(response, Status.ESME_ROK, 'plain GSM submit');
      const m = storedFor(app, response);
      assert.equal(m.channel, 'smpp');
      assert.equal(m.messageType, 'sms');
      assert.equal(m.accountId, app.app.store.accounts.bySystemId('acme')!.id);
      assert.equal(m.serviceType, 'CMT');
      assert.deepEqual([m.sourceTon, m.sourceNpi, m.sourceAddr], [1, 1, '436601234567']);
      assert.deepEqual([m.destTon, m.destNpi, m.destAddr], [1, 1, '436991234567']);
      assert.equal(m.priority, 1);
      assert.equal(m.registeredDelivery, 0x01);
      assert.equal(m.dataCoding, 0);
      assert.equal(m.esmClass, 0);
      assert.equal(m.udh, null);
      assert.deepEqual(m.body, body, `wanted body ${body.toString('hex')}, had ${m.body.toString('hex')}`);
      assert.equal(m.text, 'H@_$€');
      assert.deepEqual([m.partRef, m.partNumber, m.partCount], [null, null, null]);
      assert.equal(m.scheduleAt, null);
      assert.equal(m.expiresAt, null);
    });

    test('an alphanumeric source of 11 characters is accepted', async () => {
      const response = await submit(v34, { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME Travel' });
      assertStatus(response, Status.ESME_ROK, 'alphanumeric source of 11 characters');
      const m = storedFor(app, response);
      assert.deepEqual([m.sourceTon, m.sourceNpi, m.sourceAddr], [5, 0, 'ACME Travel']);
    });

    test('UCS2 text is decoded', async () => {
      // 'ä' U+00E4, '€' U+20AC as UTF-16BE
      const body = Buffer.from([0x00, 0xe4, 0x20, 0xac]);
      const response = await submit(v34, { data_coding: 8, short_message: body });
      assertStatus(response, Status.ESME_ROK, 'UCS2 submit');
      const m = storedFor(app, response);
      assert.equal(m.dataCoding, 8);
      assert.deepEqual(m.body, body);
      assert.equal(m.text, 'ä€');
    });

    test('a relative validity_period is stored as an absolute expiry', async () => {
      const sent = Date.now();
      const response = await submit(v34, { validity_period: '000001000000000R' }); // one day
      assertStatus(response, Status.ESME_ROK, 'relative validity of one day');
      const m = storedFor(app, response);
      const day = 24 * 3600 * 1000;
      assert.ok(
        m.expiresAt !== null && m.expiresAt >= sent + day - 1000 && m.expiresAt <= Date.now() + day + 1000,
        `wanted expiresAt about one day after ${sent}, had ${m.expiresAt}`,
      );
    });

    test('an 8-bit concatenation UDH is accepted and its part stored', async () => {
      const text = Buffer.from('part one');
      const shortMessage = Buffer.concat([
        Buffer.from([
          0x05, // UDHL: 5 octets of header follow
          0x00, // IEI: concatenated short messages, 8-bit reference
          0x03, // IE length
          0x2a, // reference 42
          0x02, // 2 parts
          0x01, // this is part 1
        ]),
        text,
      ]);
      const response = await submit(v34, { esm_class: 0x40, short_message: shortMessage });
      assertStatus(response, Status.ESME_ROK, 'concatenation UDH');
      const m = storedFor(app, response);
      assert.deepEqual(
        [m.partRef, m.partNumber, m.partCount],
        [0x2a, 1, 2],
        `wanted part 1 of 2 ref 42, had ${m.partNumber} of ${m.partCount} ref ${m.partRef}`,
      );
      assert.equal(m.esmClass, 0x40);
      assert.deepEqual(m.udh, Buffer.from([0x00, 0x03, 0x2a, 0x02, 0x01]), `wanted the UDH without its length octet, had ${m.udh?.toString('hex')}`);
      assert.deepEqual(m.body, text);
      assert.equal(m.text, 'part one');
    });

    test('SAR TLVs are accepted and the part stored', async () => {
      const response = await submit(v34, { sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 2 });
      assertStatus(response, Status.ESME_ROK, 'all three SAR TLVs');
      const m = storedFor(app, response);
      assert.deepEqual(
        [m.partRef, m.partNumber, m.partCount],
        [7, 2, 2],
        `wanted part 2 of 2 ref 7, had ${m.partNumber} of ${m.partCount} ref ${m.partRef}`,
      );
      assert.equal(m.udh, null);
    });

    test('message_payload of 500 octets with an empty short_message is accepted', async () => {
      const payload = Buffer.alloc(500, 0x62); // 'b'
      const response = await submit(v34, { short_message: Buffer.alloc(0), message_payload: payload });
      assertStatus(response, Status.ESME_ROK, 'message_payload of 500 octets');
      const m = storedFor(app, response);
      assert.equal(m.body.length, 500, `wanted a 500-octet body, had ${m.body.length}`);
      assert.deepEqual(m.body, payload);
      assert.equal(m.text, 'b'.repeat(500));
    });
  });

  test('the message is committed when its submit_sm_resp arrives (read through a second connection)', async () => {
    const reader = new Database(app.dbPath, { readonly: true, fileMustExist: true });
    try {
      const byId = reader.prepare('SELECT dest_addr, body FROM messages WHERE id = ?');
      const body = Buffer.from('durable?');
      const seen = await new Promise<{ status: number; id: unknown; row: unknown }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no submit_sm_resp within 5 s')), 5000);
        const pdu = new smpp.PDU('submit_sm', submitFields({ destination_addr: '436990000001', short_message: body }));
        v34.send(pdu, (response) => {
          // Synchronously, before anything else runs: the row must already be there.
          const row = response.command_status === 0 ? byId.get(Number(response.message_id)) : undefined;
          clearTimeout(timer);
          resolve({ status: response.command_status, id: response.message_id, row });
        });
      });
      assert.equal(seen.status, Status.ESME_ROK, `wanted ESME_ROK, had ${statusName(seen.status)}`);
      assert.ok(seen.row, `wanted message ${String(seen.id)} readable by another connection when its response arrived, had none`);
      assert.deepEqual(seen.row, { dest_addr: '436990000001', body });
    } finally {
      reader.close();
    }
  });

  test('message ids are strings of at most 64 characters, distinct over 100 submits', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => submit(v34, { short_message: Buffer.from(`n${i}`) })));
    const ids = new Set<string>();
    for (const [i, response] of responses.entries()) {
      assertStatus(response, Status.ESME_ROK, `submit ${i}`);
      const id = response.message_id;
      assert.equal(typeof id, 'string', `submit ${i}: wanted a string message_id, had ${typeof id}`);
      assert.ok((id as string).length >= 1 && (id as string).length <= 64, `submit ${i}: wanted 1–64 characters, had ${JSON.stringify(id)}`);
      ids.add(id as string);
      assert.equal(storedFor(app, response).text, `n${i}`, `submit ${i}: wanted its own text stored under its id`);
    }
    assert.equal(ids.size, 100, `wanted 100 distinct ids, had ${ids.size}`);
  });
});

describe('account rate', () => {
  test('rate 5: a burst of 20 gets ESME_RTHROTTLED past the rate; a second later a submit is OK', async (t: TestContext) => {
    const app = await startApp();
    t.after(() => app.stop());
    app.addAccount('slow', 'pw1', { rate: 5 });
    const { session, response } = await bind(app.port, 'slow', 'pw1', 'transmitter');
    t.after(() => closeSession(session));
    assertStatus(response, Status.ESME_ROK, 'bind');

    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 20 }, () => submit(session)));
    const elapsed = Date.now() - started;
    const counts = new Map<string, number>();
    for (const r of burst) counts.set(statusName(r.command_status), (counts.get(statusName(r.command_status)) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(counts));
    const ok = counts.get('ESME_ROK') ?? 0;
    const throttled = counts.get('ESME_RTHROTTLED') ?? 0;
    assert.equal(ok + throttled, 20, `wanted only ESME_ROK and ESME_RTHROTTLED, had ${summary}`);
    assert.ok(throttled >= 1, `wanted at least one ESME_RTHROTTLED, had ${summary}`);
    assert.ok(elapsed < 1000, `wanted the burst answered within a second, took ${elapsed} ms`);
    assert.ok(ok >= 1 && ok <= 6, `wanted 1–6 accepted in the first second at rate 5, had ${summary}`);
    assert.equal(app.app.store.messages.count(), ok, `wanted only the ${ok} accepted messages stored`);

    await sleep(1100);
    const later = await submit(session);
    assertStatus(later, Status.ESME_ROK, 'submit 1.1 s after the burst');
  });
});
