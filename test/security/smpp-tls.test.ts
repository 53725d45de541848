/**
 * SMPP over TLS (SPEC §3 "TLS port optional", `smpp.tls`): a second listener on its own port with
 * the same sessions as the plain one. A real `smpp` client binds over TLS, trusting the test's
 * self-signed certificate, submits and gets its receipt; plain SMPP on the TLS port is refused
 * without harming anyone; the port is logged, exposed and part of /healthz; a bad key file stops
 * start-up naming the key.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { test, type TestContext } from 'node:test';
import smpp from 'smpp';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { request } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { DeliverCollector } from '../helpers/receipts.js';
import { rawPdu } from '../helpers/raw-socket.js';
import { bind, call, closeSession, submit, type PDU, type Session } from '../helpers/smpp-client.js';
import { makeTestCert, type TestCert } from '../helpers/tls-cert.js';

/** Connects over TLS to 127.0.0.1:port, trusting `ca` (the server's self-signed certificate). */
function connectTls(port: number, ca: string): Promise<Session> {
  return new Promise((resolve, reject) => {
    // The package hands its options to tls.connect, so `ca` is honoured; its typings do not list it.
    const options = { host: '127.0.0.1', port, tls: true, ca } as unknown as Parameters<typeof smpp.connect>[0];
    const session = smpp.connect(options, () => resolve(session));
    session.on('error', (err: Error) => reject(err));
  });
}

async function setup(ctx: TestContext, overrides: Record<string, unknown> = {}): Promise<{ t: TestApp; cert: TestCert; defer: (fn: () => unknown) => void }> {
  const defer = cleanup(ctx);
  const cert = makeTestCert();
  defer(() => cert.remove());
  const t = await startApp({ 'smpp.tls': { key: cert.key, cert: cert.cert, port: 0 }, 'simulator.delayMs': [0, 0], 'simulator.outcomes': { delivered: 1 }, ...overrides });
  defer(() => t.stop());
  t.addAccount('acme', 'secret1');
  return { t, cert, defer };
}

function assertStatus(pdu: PDU, want: number, what: string): void {
  assert.equal(pdu.command_status, want, `${what}: wanted ${statusName(want)}, had ${statusName(pdu.command_status)} (${pdu.command})`);
}

test('an smpp client binds over TLS (certificate verified), submits and gets its receipt; the plain port still serves', async (ctx) => {
  const { t, cert, defer } = await setup(ctx);
  const tlsPort = t.app.ports.smppTls;
  assert.ok(tlsPort > 0 && tlsPort !== t.app.ports.smpp, `a TLS port of its own, had ${tlsPort} (plain ${t.app.ports.smpp})`);

  const session = await connectTls(tlsPort, cert.pem);
  defer(() => closeSession(session));
  assert.equal((session.socket as unknown as { encrypted?: boolean }).encrypted, true, 'the client socket is a TLS socket');
  const receipts = new DeliverCollector(session);
  const bound = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'secret1', interface_version: 0x34 });
  assertStatus(bound, Status.ESME_ROK, 'bind over TLS');
  const submitted = await submit(session, { registered_delivery: 1 });
  assertStatus(submitted, Status.ESME_ROK, 'submit over TLS');
  const messageId = String(submitted.message_id);
  await receipts.waitFor(1, 5000, 'the receipt over TLS');
  assert.equal(receipts.messageIds()[0], messageId, 'the receipt is for the submitted message');
  assert.equal(receipts.seen[0]!.pdu.esm_class, 0x04, 'a delivery receipt (esm_class 0x04)');

  // The same session handling: the bind is in the registry like any other.
  const accountId = t.app.store.accounts.bySystemId('acme')!.id;
  assert.equal(t.app.smpp.binds.sessionsOf(accountId).size, 1, 'one bound session for acme');
  const plain = await bind(t.port, 'acme', 'secret1');
  defer(() => closeSession(plain.session));
  assertStatus(plain.response, Status.ESME_ROK, 'bind on the plain port');
  assert.equal(t.app.smpp.binds.sessionsOf(accountId).size, 2, 'TLS and plain binds counted together');

  const listening = t.logs.find((l) => l.msg === 'listening');
  assert.equal(listening?.smppTls, tlsPort, `the "listening" line names smppTls: ${JSON.stringify(listening)}`);
  const health = await request<{ status: string; checks: Record<string, unknown> }>(t, '/healthz');
  assert.equal(health.status, 200, health.text);
  assert.equal(health.body.checks.smppTlsPort, tlsPort, `healthz names the TLS port: ${health.text}`);
  assert.equal(health.body.checks.smppTls, true, `healthz checks the TLS listener: ${health.text}`);
});

test('plain SMPP on the TLS port is refused and closed; TLS and plain sessions carry on', async (ctx) => {
  const { t, cert, defer } = await setup(ctx);
  const tlsSession = await connectTls(t.app.ports.smppTls, cert.pem);
  defer(() => closeSession(tlsSession));
  assertStatus(await call(tlsSession, 'bind_transceiver', { system_id: 'acme', password: 'secret1', interface_version: 0x34 }), Status.ESME_ROK, 'TLS bind before');

  for (const bytes of [
    rawPdu(0x00000015, 1), // enquire_link in clear text
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), // an HTTP request
  ]) {
    const socket = netConnect({ host: '127.0.0.1', port: t.app.ports.smppTls });
    socket.on('error', () => undefined); // a reset is one of the acceptable ends
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(bytes);
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the TLS port kept a clear-text connection open for 3 s')), 3000))]);
    // Whatever came back (a TLS alert or nothing) is not an SMPP answer.
    assert.ok(received.length < 16 || received.readUInt32BE(4) !== 0x80000015, `no SMPP answer in clear text, had ${received.toString('hex')}`);
  }
  await eventually(() => t.logs.some((l) => l.msg === 'TLS handshake failed'), 3000, 'the failed handshake is logged');

  assertStatus(await call(tlsSession, 'enquire_link'), Status.ESME_ROK, 'the TLS session after the clear-text attempts');
  assertStatus(await submit(tlsSession), Status.ESME_ROK, 'submit on the TLS session afterwards');
  const plain = await bind(t.port, 'acme', 'secret1');
  defer(() => closeSession(plain.session));
  assertStatus(plain.response, Status.ESME_ROK, 'a plain bind afterwards');
  const again = await connectTls(t.app.ports.smppTls, cert.pem);
  defer(() => closeSession(again));
  assertStatus(await call(again, 'bind_transmitter', { system_id: 'acme', password: 'secret1', interface_version: 0x34 }), Status.ESME_ROK, 'a new TLS bind afterwards');
});

test('a malformed PDU over TLS gets generic_nack and a close, as on the plain port', async (ctx) => {
  const { t, cert } = await setup(ctx);
  const session = await connectTls(t.app.ports.smppTls, cert.pem);
  const nack = new Promise<PDU>((resolve) => session.on('generic_nack', resolve));
  const closed = new Promise<void>((resolve) => session.socket.once('close', () => resolve()));
  session.socket.write(rawPdu(0x00000015, 7, Buffer.alloc(0), 8)); // command_length 8 < 16
  assert.equal((await nack).command_status, Status.ESME_RINVCMDLEN);
  await closed;
});

test('a connection stuck before its TLS handshake does not hold up shutdown', async (ctx) => {
  const { t } = await setup(ctx);
  const idle = netConnect({ host: '127.0.0.1', port: t.app.ports.smppTls });
  idle.on('error', () => undefined);
  const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
  const started = Date.now();
  await t.stop(); // smpp.bindTimeoutSec (the handshake timeout) is 30 s here
  assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms, wanted well under the 30 s handshake timeout`);
  await idleClosed;
});

test('without smpp.tls there is no TLS port: ports.smppTls and healthz smppTlsPort are 0', async (ctx) => {
  const defer = cleanup(ctx);
  const t = await startApp();
  defer(() => t.stop());
  assert.equal(t.app.ports.smppTls, 0);
  assert.equal(t.app.smpp.tlsPort, 0);
  const health = await request<{ checks: Record<string, unknown> }>(t, '/healthz');
  assert.equal(health.status, 200, health.text);
  assert.equal(health.body.checks.smppTlsPort, 0, health.text);
  assert.equal(t.logs.find((l) => l.msg === 'listening')?.smppTls, undefined, 'no smppTls in the listening line');
});

test('a bad smpp.tls key or cert file stops start-up with a message naming the key', async () => {
  const cert = makeTestCert();
  try {
    await assert.rejects(startApp({ 'smpp.tls': { key: '/nonexistent/key.pem', cert: cert.cert } }), /config smpp\.tls\.key: cannot read \/nonexistent\/key\.pem/);
    await assert.rejects(startApp({ 'smpp.tls': { key: cert.key, cert: '/nonexistent/cert.pem' } }), /config smpp\.tls\.cert: cannot read \/nonexistent\/cert\.pem/);
  } finally {
    cert.remove();
  }
});
