/**
 * Brute-force protection end to end (`security.bruteForce`): failed SMPP binds, API logins (Basic,
 * Bearer) and SMTP AUTH are answered late, then refused while the systemId or the remote address
 * is locked out — even with the right password — and accepted again after lockoutSec. Other
 * accounts and other addresses are unaffected (loopback has every 127.x address, so clients
 * connect from 127.0.0.2 to be "another source"). Lockouts are logged without the password and
 * counted in smscd_auth_failures_total / smscd_auth_lockouts_total.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import smpp from 'smpp';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount, basic, bearer, request, type ApiAccount } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { call, closeSession, type PDU, type Session } from '../helpers/smpp-client.js';

const PASSWORD = 'right-pw1';
const WRONG = 'wrong-pw1';
/** A second source address on loopback. */
const OTHER_SOURCE = '127.0.0.2';

interface Setup {
  t: TestApp;
  acme: ApiAccount;
  globex: ApiAccount;
  defer: (fn: () => unknown) => void;
}

async function setup(ctx: TestContext, bruteForce: Record<string, number>, overrides: Record<string, unknown> = {}): Promise<Setup> {
  const defer = cleanup(ctx);
  const t = await startApp({ 'security.bruteForce': { windowSec: 60, lockoutSec: 1, delayMs: 100, ...bruteForce }, 'email.allowInsecureAuth': true, ...overrides });
  defer(() => t.stop());
  const acme = addApiAccount(t, 'acme', PASSWORD, { email: 'ops@acme.example' });
  const globex = addApiAccount(t, 'globex', PASSWORD);
  return { t, acme, globex, defer };
}

// ── SMPP ─────────────────────────────────────────────────────────────────────────────────────

/** An smpp client session from `localAddress` (default 127.0.0.1), closed when the test ends. */
function smppSession(s: Setup, localAddress = '127.0.0.1'): Promise<Session> {
  return new Promise((resolve, reject) => {
    // net.connect options pass through the package: localAddress picks the source address.
    const options = { host: '127.0.0.1', port: s.t.port, localAddress } as unknown as Parameters<typeof smpp.connect>[0];
    const session = smpp.connect(options, () => resolve(session));
    session.on('error', (err: Error) => reject(err));
    s.defer(() => closeSession(session));
  });
}

function bindPdu(session: Session, systemId: string, password: string): Promise<PDU> {
  return call(session, 'bind_transceiver', { system_id: systemId, password, interface_version: 0x34 });
}

function assertStatus(pdu: PDU, want: number, what: string): void {
  assert.equal(pdu.command_status, want, `${what}: wanted ${statusName(want)}, had ${statusName(pdu.command_status)} (${pdu.command})`);
}

/** A counter's value in /metrics (0 when absent). */
async function counter(t: TestApp, name: string, iface: string): Promise<number> {
  const answer = await request(t, '/metrics');
  const m = new RegExp(`^${name}\\{interface="${iface}"\\} (\\d+)$`, 'm').exec(answer.text);
  return m ? Number(m[1]) : 0;
}

function assertNoPasswordLogged(t: TestApp): void {
  const text = t.logs.map((l) => JSON.stringify(l)).join('\n');
  assert.ok(!text.includes(WRONG) && !text.includes(PASSWORD), 'no password in the logs');
}

test('SMPP: after maxFailuresPerSystemId wrong binds the systemId is locked: even the right password gets ESME_RBINDFAIL, other accounts bind, after lockoutSec it binds again', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 3, maxFailuresPerAddress: 100 });
  const session = await smppSession(s);
  for (let i = 1; i <= 3; i++) {
    const started = Date.now();
    assertStatus(await bindPdu(session, 'acme', WRONG), Status.ESME_RINVPASWD, `wrong bind ${i}`);
    assert.ok(Date.now() - started >= 90, `failure ${i} answered after the delay (100 ms), took ${Date.now() - started} ms`);
  }
  assertStatus(await bindPdu(session, 'acme', PASSWORD), Status.ESME_RBINDFAIL, 'the right password while acme is locked');
  const refusal = s.t.logs.find((l) => l.msg === 'bind refused' && /locked out/.test(String(l.reason)));
  assert.ok(refusal, 'the refusal is logged with its reason');
  assert.match(String(refusal.reason), /system_id locked out: too many failed attempts, try again in 1 s/);
  const lockout = s.t.logs.find((l) => /locked out/.test(String(l.msg)));
  assert.ok(lockout, 'the lockout is logged');
  assert.deepEqual([lockout.interface, lockout.lockedBy, lockout.systemId, lockout.remoteAddress], ['smpp', 'systemId', 'acme', '127.0.0.1']);
  assertNoPasswordLogged(s.t);

  // Another account from the same address is not affected.
  const other = await smppSession(s);
  assertStatus(await bindPdu(other, 'globex', PASSWORD), Status.ESME_ROK, 'globex while acme is locked');
  assert.equal(await counter(s.t, 'smscd_auth_failures_total', 'smpp'), 3, 'three failures counted (the locked attempt is not one)');
  assert.equal(await counter(s.t, 'smscd_auth_lockouts_total', 'smpp'), 1, 'one lockout counted');

  // Time is the subject: the lock lasts lockoutSec (1 s).
  await sleep(1000);
  const bound = await eventually(async () => {
    const answer = await bindPdu(session, 'acme', PASSWORD);
    if (answer.command_status !== Status.ESME_ROK) throw new Error(`had ${statusName(answer.command_status)}`);
    return answer;
  }, 3000, 'acme binds after the lockout');
  assertStatus(bound, Status.ESME_ROK, 'after lockoutSec');
});

test('SMPP: maxFailuresPerAddress failures for any systemIds lock the address: the right password is refused from it, another source binds', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 100, maxFailuresPerAddress: 3 });
  const session = await smppSession(s);
  assertStatus(await bindPdu(session, 'nobody1', WRONG), Status.ESME_RINVSYSID, 'unknown system_id 1');
  assertStatus(await bindPdu(session, 'nobody2', WRONG), Status.ESME_RINVSYSID, 'unknown system_id 2');
  assertStatus(await bindPdu(session, 'globex', WRONG), Status.ESME_RINVPASWD, 'wrong password for globex');
  assertStatus(await bindPdu(session, 'acme', PASSWORD), Status.ESME_RBINDFAIL, 'acme with the right password from the locked address');
  assert.ok(s.t.logs.some((l) => l.msg === 'bind refused' && /remote address locked out/.test(String(l.reason))), 'the refusal names the address lock');

  const elsewhere = await smppSession(s, OTHER_SOURCE);
  assertStatus(await bindPdu(elsewhere, 'acme', PASSWORD), Status.ESME_ROK, `acme from ${OTHER_SOURCE}`);
  const elsewhereSession = s.t.app.store.sessions.recent(1)[0];
  assert.equal(elsewhereSession?.remoteAddress, OTHER_SOURCE, 'the bind really came from the other source');
});

test('SMPP: a successful bind clears the systemId failures; failures are delayed, a success is not', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 3, maxFailuresPerAddress: 100, delayMs: 1500 });
  const session = await smppSession(s);
  let started = Date.now();
  assertStatus(await bindPdu(session, 'acme', WRONG), Status.ESME_RINVPASWD, 'wrong 1');
  assert.ok(Date.now() - started >= 1450, `a failure waits delayMs (1500), took ${Date.now() - started} ms`);
  assertStatus(await bindPdu(session, 'acme', WRONG), Status.ESME_RINVPASWD, 'wrong 2');
  started = Date.now();
  assertStatus(await bindPdu(session, 'acme', PASSWORD), Status.ESME_ROK, 'right');
  assert.ok(Date.now() - started < 1400, `a success is not delayed, took ${Date.now() - started} ms`);
  // The count starts again: two more failures do not lock (3 would have, had the success not cleared it).
  const second = await smppSession(s);
  assertStatus(await bindPdu(second, 'acme', WRONG), Status.ESME_RINVPASWD, 'wrong 3 (1 after the success)');
  assertStatus(await bindPdu(second, 'acme', WRONG), Status.ESME_RINVPASWD, 'wrong 4 (2 after the success)');
  assertStatus(await bindPdu(second, 'acme', PASSWORD), Status.ESME_ROK, 'right again: not locked');
});

// ── HTTP API ─────────────────────────────────────────────────────────────────────────────────

/** One API request from `localAddress`, with node:http (fetch cannot choose the source). */
function apiFrom(t: TestApp, localAddress: string, auth: string): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: t.app.ports.http, path: '/api/v1/messages', localAddress, headers: { authorization: auth }, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

const SEND = { recipientAddressList: ['436991234567'], messageContent: 'hi' };

test('API: wrong Basic passwords lock the systemId: 429 with statusCode 4013 and Retry-After even for the right one; other accounts and the lock end work', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 3, maxFailuresPerAddress: 100 });
  for (let i = 1; i <= 3; i++) {
    const answer = await request(s.t, '/rest/smsmessaging/text', { auth: basic('acme', WRONG), json: SEND });
    assert.equal(answer.status, 401, `wrong ${i}: ${answer.text}`);
  }
  const locked = await request(s.t, '/rest/smsmessaging/text', { auth: s.acme.basic, json: SEND });
  assert.equal(locked.status, 429, `the right password while locked: ${locked.text}`);
  assert.equal(locked.body.statusCode, 4013, locked.text);
  assert.match(String(locked.body.statusMessage), /too many failed attempts, try again in 1 s/);
  assert.equal(locked.headers.get('retry-after'), '1');
  assert.equal(s.t.app.store.messages.count(), 0, 'nothing stored');
  // Non-websms routes refuse with their own shape.
  const lockedJson = await request<{ error: { code: unknown; message: string } }>(s.t, '/api/v1/messages', { auth: s.acme.basic });
  assert.equal(lockedJson.status, 429, lockedJson.text);
  assert.match(lockedJson.body.error.message, /too many failed attempts/);

  assert.equal((await request(s.t, '/rest/smsmessaging/text', { auth: s.globex.basic, json: SEND })).status, 200, 'globex is unaffected');
  assert.equal(await counter(s.t, 'smscd_auth_failures_total', 'api'), 3);
  assert.equal(await counter(s.t, 'smscd_auth_lockouts_total', 'api'), 1);
  assert.ok(s.t.logs.some((l) => l.interface === 'api' && l.systemId === 'acme' && l.lockedBy === 'systemId'), 'the lockout is logged');
  assertNoPasswordLogged(s.t);

  await sleep(1000); // the lock lasts lockoutSec (1 s)
  await eventually(async () => {
    const answer = await request(s.t, '/rest/smsmessaging/text', { auth: s.acme.basic, json: SEND });
    if (answer.status !== 200) throw new Error(`had ${answer.status} ${answer.text}`);
  }, 3000, 'acme sends after the lockout');
});

test('API: bad Bearer tokens lock the address; another source is served', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 100, maxFailuresPerAddress: 3 });
  for (let i = 1; i <= 3; i++) assert.equal((await apiFrom(s.t, '127.0.0.1', bearer(`smscd_guess-${i}`))).status, 401, `bad token ${i}`);
  const locked = await apiFrom(s.t, '127.0.0.1', s.acme.basic);
  assert.equal(locked.status, 429, JSON.stringify(locked.body));
  assert.equal(locked.headers['retry-after'], '1');
  assert.equal((await apiFrom(s.t, '127.0.0.1', s.acme.bearer)).status, 429, 'a valid token from the locked address too');
  assert.equal((await apiFrom(s.t, OTHER_SOURCE, s.acme.basic)).status, 200, `acme from ${OTHER_SOURCE}`);
  assert.equal((await apiFrom(s.t, OTHER_SOURCE, s.acme.bearer)).status, 200, `acme's token from ${OTHER_SOURCE}`);
});

// ── SMTP AUTH ────────────────────────────────────────────────────────────────────────────────

/** Connects and authenticates (nodemailer's verify does EHLO + AUTH); resolves null or the error. */
async function smtpAuth(t: TestApp, user: string, pass: string, localAddress = '127.0.0.1'): Promise<{ responseCode?: number; response?: string } | null> {
  const transport = createTransport({ host: '127.0.0.1', port: t.app.ports.smtp, secure: false, ignoreTLS: true, localAddress, auth: { user, pass } });
  try {
    await transport.verify();
    return null;
  } catch (err) {
    return err as { responseCode?: number; response?: string };
  } finally {
    transport.close();
  }
}

test('SMTP AUTH: wrong passwords lock the systemId (454 "too many failed attempts, try again in N s"), others authenticate, the lock ends', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 3, maxFailuresPerAddress: 100 });
  for (let i = 1; i <= 3; i++) {
    const err = await smtpAuth(s.t, 'acme', WRONG);
    assert.equal(err?.responseCode, 535, `wrong ${i}: ${JSON.stringify(err)}`);
  }
  const locked = await smtpAuth(s.t, 'acme', PASSWORD);
  assert.equal(locked?.responseCode, 454, `the right password while locked: ${JSON.stringify(locked)}`);
  assert.match(String(locked?.response), /too many failed attempts, try again in 1 s/);
  assert.equal(await smtpAuth(s.t, 'globex', PASSWORD), null, 'globex authenticates');
  assert.equal(await counter(s.t, 'smscd_auth_failures_total', 'email'), 3);
  assert.equal(await counter(s.t, 'smscd_auth_lockouts_total', 'email'), 1);
  assertNoPasswordLogged(s.t);

  await sleep(1000); // the lock lasts lockoutSec (1 s)
  await eventually(async () => {
    const err = await smtpAuth(s.t, 'acme', PASSWORD);
    if (err) throw new Error(`had ${JSON.stringify(err)}`);
  }, 3000, 'acme authenticates after the lockout');
});

test('SMTP AUTH: an address locked by failures is refused, another source authenticates', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 100, maxFailuresPerAddress: 3 });
  for (const user of ['nobody1', 'nobody2', 'globex']) assert.equal((await smtpAuth(s.t, user, WRONG))?.responseCode, 535, `wrong login as ${user}`);
  assert.equal((await smtpAuth(s.t, 'acme', PASSWORD))?.responseCode, 454, 'acme from the locked address');
  assert.equal(await smtpAuth(s.t, 'acme', PASSWORD, OTHER_SOURCE), null, `acme from ${OTHER_SOURCE}`);
});

// ── shared ───────────────────────────────────────────────────────────────────────────────────

test('one limiter for all interfaces: API failures lock the SMPP bind of the same systemId; maxFailures 0 disables it', async (ctx) => {
  const s = await setup(ctx, { maxFailuresPerSystemId: 2, maxFailuresPerAddress: 100 });
  assert.equal((await request(s.t, '/api/v1/messages', { auth: basic('acme', WRONG) })).status, 401);
  assert.equal((await smtpAuth(s.t, 'acme', WRONG))?.responseCode, 535);
  const session = await smppSession(s);
  assertStatus(await bindPdu(session, 'acme', PASSWORD), Status.ESME_RBINDFAIL, 'SMPP bind after an API and an SMTP failure (limit 2)');

  const off = await setup(ctx, { maxFailuresPerSystemId: 0, maxFailuresPerAddress: 0, delayMs: 0 });
  const offSession = await smppSession(off);
  for (let i = 1; i <= 6; i++) assertStatus(await bindPdu(offSession, 'acme', WRONG), Status.ESME_RINVPASWD, `wrong ${i} with protection off`);
  assertStatus(await bindPdu(offSession, 'acme', PASSWORD), Status.ESME_ROK, 'never locked with protection off');
});
