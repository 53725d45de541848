/**
 * Receipt text and long messages (SPEC §3): the text: field is plain ASCII whatever the message's
 * data_coding (read octet for octet from the wire), and every part of a long message gets its
 * own message_id and its own receipt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { RawPeer, tlvString, type RawDeliverSm } from '../helpers/raw-peer.js';
import { bindCollecting, DeliverCollector, messageIdOf, submitMany } from '../helpers/receipts.js';
import { closeSession, type Session } from '../helpers/smpp-client.js';

/** The receipt (as raw octets) for `id`, once it has arrived. */
function rawReceiptFor(peer: RawPeer, id: string): Promise<RawDeliverSm> {
  return eventually(() => {
    const found = peer.deliverSms.find((d) => tlvString(d.tlvs.get(0x001e)) === id);
    if (!found) throw new Error(`had receipts for ${JSON.stringify(peer.receiptedIds())}`);
    return found;
  }, 5000, `the receipt of message ${id}`);
}

/** The octets after "text:" in a raw receipt body. */
function textOctets(receipt: RawDeliverSm): Buffer {
  const at = receipt.shortMessage.indexOf('text:');
  assert.ok(at >= 0, `wanted "text:" in the receipt, had ${JSON.stringify(receipt.shortMessage.toString('latin1'))}`);
  return receipt.shortMessage.subarray(at + 'text:'.length);
}

describe('receipt text from the message text', () => {
  let t: TestApp;
  let tx: Session;
  let peer: RawPeer;

  before(async () => {
    t = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    t.addAccount('acme', 'pw');
    tx = (await bindCollecting(t.port, 'acme', 'pw', 'transmitter')).session;
    peer = await RawPeer.bind(t.port, 'acme', 'pw', 'receiver');
  });

  after(async () => {
    await peer.close();
    await closeSession(tx);
    await t.stop();
  });

  const cases: Array<{ name: string; dataCoding: number; octets: Buffer; text: string; receiptText: string }> = [
    {
      name: 'GSM default alphabet (data_coding 0) "Hello @ world"',
      dataCoding: 0,
      // 'Hello ' / 0x00 = '@' in GSM 03.38 / ' world'
      octets: Buffer.concat([Buffer.from('Hello ', 'ascii'), Buffer.from([0x00]), Buffer.from(' world', 'ascii')]),
      text: 'Hello @ world',
      receiptText: 'Hello @ world',
    },
    {
      name: 'UCS2 (data_coding 8) "Grüße ☺ test"',
      dataCoding: 8,
      octets: Buffer.from('Grüße ☺ test', 'utf16le').swap16(), // UTF-16BE
      text: 'Grüße ☺ test',
      receiptText: 'Gr??e ? test',
    },
    {
      name: 'Latin-1 (data_coding 3) "Café crème"',
      dataCoding: 3,
      octets: Buffer.from('Café crème', 'latin1'),
      text: 'Café crème',
      receiptText: 'Caf? cr?me',
    },
  ];

  for (const c of cases) {
    test(`${c.name}: stored as the original text; receipt text: "${c.receiptText}" in plain ASCII`, async () => {
      const [resp] = await submitMany(tx, [{ registered_delivery: 1, data_coding: c.dataCoding, short_message: c.octets }]);
      const id = messageIdOf(resp!);
      assert.equal(t.app.store.messages.byId(id)!.text, c.text, 'stored text');
      const receipt = await rawReceiptFor(peer, id);
      assert.equal(receipt.dataCoding, 0, `receipt data_coding: wanted 0, had ${receipt.dataCoding}`);
      const outside = [...receipt.shortMessage].filter((b) => b < 0x20 || b > 0x7e);
      assert.deepEqual(outside, [], `the whole receipt body is printable ASCII; had octets ${outside.map((b) => b.toString(16)).join(' ')}`);
      assert.deepEqual(textOctets(receipt), Buffer.from(c.receiptText, 'ascii'), `text: wanted ${JSON.stringify(c.receiptText)}, had ${JSON.stringify(textOctets(receipt).toString('latin1'))}`);
    });
  }
});

describe('long messages', () => {
  let t: TestApp;
  let session: Session;
  let collector: DeliverCollector;

  before(async () => {
    t = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    t.addAccount('acme', 'pw');
    ({ session, collector } = await bindCollecting(t.port, 'acme', 'pw', 'transceiver'));
  });

  after(async () => {
    await closeSession(session);
    await t.stop();
  });

  const bodies = ['First part of a long', 'Second part of it ', 'and the third.'];

  /** Checks three part submits: distinct ids, stored part numbers, one receipt each. */
  async function checkParts(responses: Array<Parameters<typeof messageIdOf>[0]>, ref: number): Promise<void> {
    const ids = responses.map((r, i) => messageIdOf(r, `part ${i + 1}`));
    assert.equal(new Set(ids).size, 3, `wanted three distinct message ids, had ${ids.join(', ')}`);
    ids.forEach((id, i) => {
      const m = t.app.store.messages.byId(id)!;
      assert.deepEqual(
        { ref: m.partRef, number: m.partNumber, count: m.partCount, text: m.text },
        { ref, number: i + 1, count: 3, text: bodies[i] },
        `part ${i + 1} as stored`,
      );
    });
    for (const id of ids) await collector.waitForMessage(id);
    await eventually(() => ids.every((id) => t.app.store.receipts.forMessage(id)[0]?.state === 'acked'), 3000, 'the three receipts acked');
    ids.forEach((id, i) => {
      assert.equal(collector.forMessage(id).length, 1, `part ${i + 1} (${id}): wanted one receipt, had ${collector.forMessage(id).length}`);
      assert.equal(collector.forMessage(id)[0]!.receipted_message_id, id, `part ${i + 1}: receipted_message_id`);
      assert.equal(t.app.store.receipts.forMessage(id).length, 1, `part ${i + 1}: one receipt row`);
    });
  }

  test('UDH concatenation (IE 0x00, 8-bit reference): three parts, three ids, three receipts', async () => {
    const ref = 0x5a;
    const responses = await submitMany(
      session,
      bodies.map((body, i) => ({
        esm_class: 0x40, // UDHI
        registered_delivery: 1,
        short_message: Buffer.concat([
          Buffer.from([0x05, 0x00, 0x03, ref, 0x03, i + 1]), // UDHL 5; IE 0x00 len 3: ref, total 3, part i+1
          Buffer.from(body, 'ascii'),
        ]),
      })),
    );
    await checkParts(responses, ref);
  });

  test('UDH concatenation (IE 0x08, 16-bit reference): three parts, three ids, three receipts', async () => {
    const ref = 0x1234;
    const responses = await submitMany(
      session,
      bodies.map((body, i) => ({
        esm_class: 0x40,
        registered_delivery: 1,
        short_message: Buffer.concat([
          Buffer.from([0x06, 0x08, 0x04, ref >> 8, ref & 0xff, 0x03, i + 1]), // UDHL 6; IE 0x08 len 4: ref (2), total 3, part i+1
          Buffer.from(body, 'ascii'),
        ]),
      })),
    );
    await checkParts(responses, ref);
  });

  test('SAR TLVs: three parts, three ids, three receipts', async () => {
    const ref = 0x0777;
    const responses = await submitMany(
      session,
      bodies.map((body, i) => ({
        registered_delivery: 1,
        short_message: Buffer.from(body, 'ascii'),
        sar_msg_ref_num: ref,
        sar_total_segments: 3,
        sar_segment_seqnum: i + 1,
      })),
    );
    await checkParts(responses, ref);
  });

  test('message_payload of 400 octets: one id, one receipt', async () => {
    const payload = Buffer.from('0123456789'.repeat(40), 'ascii');
    const [resp] = await submitMany(session, [{ registered_delivery: 1, short_message: Buffer.alloc(0), message_payload: payload }]);
    const id = messageIdOf(resp!);
    const m = t.app.store.messages.byId(id)!;
    assert.equal(m.text, payload.toString('ascii'), 'the whole payload is stored as one message');
    assert.equal(m.partCount, null, 'not a part of anything');
    await collector.waitForMessage(id);
    await eventually(() => t.app.store.receipts.forMessage(id)[0]?.state === 'acked', 3000, 'acked');
    assert.equal(collector.forMessage(id).length, 1, 'one receipt');
    assert.equal(t.app.store.receipts.forMessage(id).length, 1, 'one receipt row');
  });
});
