/**
 * Nothing a client sends can stop the process or disturb another session: every kind of
 * malformed input gets generic_nack and a close, while a well-behaved session keeps submitting.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { bindBody, RawClient, rawPdu, submitBody } from '../helpers/raw-socket.js';
import { bind, closeSession, submit, type Session } from '../helpers/smpp-client.js';

const GENERIC_NACK = 0x80000000;
const BIND_TRANSCEIVER = 0x00000009;
const SUBMIT_SM = 0x00000004;

let t: TestApp;
let good: Session;
let goodRunning = true;
let goodOk = 0;
const goodFailures: string[] = [];
let goodLoop: Promise<void>;

before(async () => {
  t = await startApp({ 'smpp.maxPduBytes': 4096 });
  t.addAccount('good', 'goodpw');
  t.addAccount('bad', 'badpw');
  good = (await bind(t.port, 'good', 'goodpw')).session;
  // The well-behaved session submits throughout every case below.
  goodLoop = (async () => {
    while (goodRunning) {
      try {
        const resp = await submit(good);
        if (resp.command_status === 0) goodOk++;
        else goodFailures.push(statusName(resp.command_status));
      } catch (err) {
        goodFailures.push((err as Error).message);
        return;
      }
    }
  })();
});

after(async () => {
  goodRunning = false;
  await goodLoop;
  await closeSession(good);
  await t.stop();
});

/** Opens a raw connection, optionally binds it, sends `bytes`, and expects generic_nack + close. */
async function expectNackAndClose(bytes: Buffer, options: { bound?: boolean; status?: number } = {}): Promise<void> {
  const client = await RawClient.open(t.port);
  try {
    if (options.bound) {
      client.write(rawPdu(BIND_TRANSCEIVER, 1, bindBody('bad', 'badpw')));
      await eventually(() => client.pdus().some((p) => p.commandId === ((BIND_TRANSCEIVER | GENERIC_NACK) >>> 0) && p.status === 0), 3000, 'bind_transceiver_resp OK');
    }
    client.write(bytes);
    await client.waitClosed();
    const nack = client.pdus().find((p) => p.commandId === GENERIC_NACK);
    assert.ok(nack, `wanted a generic_nack before the close, got ${JSON.stringify(client.pdus().map((p) => p.commandId.toString(16)))}`);
    assert.equal(statusName(nack.status), statusName(options.status ?? Status.ESME_RINVCMDLEN));
  } finally {
    client.destroy();
  }
}

const header = (length: number): Buffer => {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(SUBMIT_SM, 4);
  b.writeUInt32BE(7, 12);
  return b;
};

test('command_length 0 → generic_nack and close', () => expectNackAndClose(Buffer.from([0, 0, 0, 0])));
test('command_length 4 → generic_nack and close', () => expectNackAndClose(Buffer.from([0, 0, 0, 4])));
test('command_length 8 → generic_nack and close', () => expectNackAndClose(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4])));
test('command_length 15 (< header) → generic_nack and close', () => expectNackAndClose(header(15)));
test('command_length over the limit → generic_nack and close', () => expectNackAndClose(header(5000)));
test('command_length 0xFFFFFFFF → generic_nack and close', () => expectNackAndClose(header(0xffffffff)));
test('an HTTP request on the SMPP port → generic_nack and close', () =>
  expectNackAndClose(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')));
test('a TLS ClientHello on the plain port → generic_nack and close', () =>
  expectNackAndClose(Buffer.from('16030100a5010000a10303', 'hex')));
test('random bytes → generic_nack and close', () => expectNackAndClose(Buffer.from('deadbeefcafebabe0102030405060708', 'hex')));

test('a bind whose C-Octet Strings have no NUL → generic_nack and close', () =>
  expectNackAndClose(rawPdu(BIND_TRANSCEIVER, 2, Buffer.from('badbadbadbadbad'))));

test('a truncated submit_sm body → generic_nack and close', () =>
  expectNackAndClose(rawPdu(SUBMIT_SM, 3, submitBody(Buffer.from('hello')).subarray(0, 10)), { bound: true }));

test('sm_length larger than the data → generic_nack and close', () =>
  expectNackAndClose(rawPdu(SUBMIT_SM, 4, submitBody(Buffer.from('hello'), Buffer.alloc(0), 50)), { bound: true }));

test('a TLV running past the end → generic_nack and close', () => {
  // TLV message_payload (0x0424) declaring 100 octets, carrying 2.
  const tlv = Buffer.from([0x04, 0x24, 0x00, 0x64, 0x41, 0x42]);
  return expectNackAndClose(rawPdu(SUBMIT_SM, 5, submitBody(Buffer.alloc(0), tlv)), { bound: true });
});

test('stray octets after the last TLV → generic_nack and close', () =>
  expectNackAndClose(rawPdu(SUBMIT_SM, 6, Buffer.concat([submitBody(Buffer.from('hi')), Buffer.from([1, 2, 3])])), { bound: true }));

test('a bad PDU in the middle of good ones: the good ones before it are answered', async () => {
  const client = await RawClient.open(t.port);
  try {
    client.write(
      Buffer.concat([
        rawPdu(BIND_TRANSCEIVER, 1, bindBody('bad', 'badpw')),
        rawPdu(0x00000015, 2), // enquire_link
        header(3), //              command_length 3
      ]),
    );
    await client.waitClosed();
    const ids = client.pdus().map((p) => p.commandId.toString(16));
    // bind_transceiver_resp comes when the password check finishes, so only the order of the
    // other two is fixed: enquire_link_resp, then generic_nack as the very last PDU.
    assert.ok(ids.includes('80000015'), `enquire_link was answered before the close; got ${ids.join(', ')}`);
    assert.equal(ids[ids.length - 1], '80000000', `the last PDU is the generic_nack; got ${ids.join(', ')}`);
  } finally {
    client.destroy();
  }
});

test('an unknown command id → generic_nack ESME_RINVCMDID, and the session stays open', async () => {
  const client = await RawClient.open(t.port);
  try {
    client.write(rawPdu(0x000000ff, 9));
    await eventually(() => client.pdus().length === 1, 3000, 'one answer');
    const [nack] = client.pdus();
    assert.equal(nack!.commandId, GENERIC_NACK);
    assert.equal(statusName(nack!.status), 'ESME_RINVCMDID');
    assert.equal(nack!.sequence, 9, 'the nack echoes the sequence number');
    client.write(rawPdu(0x00000015, 10)); // enquire_link still answered
    await eventually(() => client.pdus().some((p) => p.commandId === 0x80000015 && p.sequence === 10), 3000, 'enquire_link_resp');
    assert.equal(client.closed, false);
  } finally {
    client.destroy();
  }
});

test('a connection that never binds is closed after the bind timeout', async () => {
  const quick = await startApp({ 'smpp.bindTimeoutSec': 1 });
  try {
    const client = await RawClient.open(quick.port);
    await client.waitClosed(3000);
  } finally {
    await quick.stop();
  }
});

test('the well-behaved session was never disturbed', async () => {
  await eventually(() => goodOk > 20, 5000, 'good session submitted');
  assert.deepEqual(goodFailures, [], 'the good session saw no error');
  assert.ok(t.app.store.messages.count() >= goodOk, 'every acknowledged message is stored');
});
