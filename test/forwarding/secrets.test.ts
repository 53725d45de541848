/**
 * Secrets stay secret through a whole forwarding run (STYLE.md "Logs: … never a password or
 * secret"; SPEC §5): a signed http target, an smtp relay with AUTH, binds with the account
 * password. Neither the whsec secret (nor its base64 key), the relay password (plain or in its
 * AUTH encodings) nor the account password may appear in any log line or in the CLI's output.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { startApp, type TestApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { cli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { bind, closeSession, submit, type PDU, type Session } from '../helpers/smpp-client.js';

const WEBHOOK_KEY = Buffer.from('secrets test key, 32 bytes long!').toString('base64');
const WEBHOOK_SECRET = `whsec_${WEBHOOK_KEY}`;
const SMTP_USER = 'smscd-relay';
const SMTP_PASS = 'smtp-pass-SECRET';
const ACCOUNT_PASSWORD = 'acme-pw-SECRET';
const WRONG_PASSWORD = 'acme-WRONG-SECRET';

/** Every form a secret could leak in. */
const SECRETS: Array<[what: string, text: string]> = [
  ['the whsec secret', WEBHOOK_SECRET],
  ['the base64 part of the whsec secret', WEBHOOK_KEY],
  ['the smtp relay password', SMTP_PASS],
  ['the smtp relay password in base64 (AUTH LOGIN)', Buffer.from(SMTP_PASS).toString('base64')],
  ['the smtp AUTH PLAIN token', Buffer.from(`\u0000${SMTP_USER}\u0000${SMTP_PASS}`).toString('base64')],
  ['the account password', ACCOUNT_PASSWORD],
  ['a wrong password tried in a bind', WRONG_PASSWORD],
];

function assertNoSecrets(text: string, where: string): void {
  for (const [what, secret] of SECRETS) {
    const at = text.indexOf(secret);
    assert.ok(at === -1, `${where} contains ${what}: …${text.slice(Math.max(0, at - 200), at + secret.length + 50)}…`);
  }
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** An SMTP relay that demands AUTH and, carelessly, repeats the credentials it got in its 535. */
async function echoingRelay(): Promise<{ port: number; authTries: () => number; close(): Promise<void> }> {
  let tries = 0;
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      tries += 1;
      callback(Object.assign(new Error(`Authentication credentials invalid (got ${auth.username}/${auth.password ?? ''})`), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    authTries: () => tries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Run {
  t: TestApp;
  receiver: HttpReceiver;
  session: Session;
}

/**
 * Starts the app with an smtp relay on `smtpPort` (AUTH configured), adds a signed http target
 * and an smtp target with rules through the CLI, and binds acme (after two refused binds).
 */
async function setup(defer: (fn: () => unknown) => void, smtpPort: number): Promise<Run> {
  const receiver = await startReceiver();
  defer(() => receiver.close());
  const t = await startApp({
    'simulator.delayMs': [0, 0],
    'simulator.outcomes': { delivered: 1 },
    'forwarding.allowPrivateTargets': true,
    'forwarding.retrySchedule': [0, 0.05, 0.05],
    'forwarding.retryJitter': 0,
    'forwarding.httpTimeoutMs': 1000,
    'forwarding.smtp': { host: '127.0.0.1', port: smtpPort, secure: false, auth: { user: SMTP_USER, pass: SMTP_PASS }, from: 'smscd <receipts@smscd.example>', maxConnections: 2, timeoutMs: 1000 },
  });
  defer(() => t.stop());
  const account = t.addAccount('acme', ACCOUNT_PASSWORD);

  for (const args of [
    ['target', 'add', 'hook', '--type', 'http', '--url', receiver.url, '--secret', WEBHOOK_SECRET],
    ['target', 'add', 'mail', '--type', 'smtp', '--to', 'dlr@customer.example', '--format', 'xml'],
    ['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook'],
    ['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'mail'],
  ]) {
    const r = await cli([...args, '--db', t.dbPath]);
    assert.equal(r.code, 0, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assertNoSecrets(r.stdout + r.stderr, `the output of ${args.join(' ')}`);
  }
  const facts = { accountId: account.id, channel: 'smpp' as const, messageType: 'sms' as const, registeredDelivery: 1, status: 'enroute', callbackTargetId: null, callbackStatuses: null };
  await eventually(() => t.app.forwarding.policy.destinations('delivered', facts).length === 2, 3000, 'the server picked up both rules');

  // Refused binds carry a password too: an unknown system_id with the real one, acme with a wrong one.
  for (const [systemId, password] of [
    ['nobody', ACCOUNT_PASSWORD],
    ['acme', WRONG_PASSWORD],
  ] as const) {
    const refused = await bind(t.port, systemId, password);
    assert.notEqual(refused.response.command_status, 0, `bind ${systemId} should be refused`);
    await closeSession(refused.session);
  }
  const { session, response } = await bind(t.port, 'acme', ACCOUNT_PASSWORD);
  assert.equal(response.command_status, 0, 'acme binds');
  session.on('deliver_sm', (pdu: PDU) => session.send(pdu.response()));
  defer(() => closeSession(session));
  return { t, receiver, session };
}

/** Submits three messages asking for receipts (one ends undelivered) and waits until every forward is settled. */
async function submitAndSettle({ t, session }: Run): Promise<void> {
  for (const destination_addr of ['436991234567', '436991234568', '999000011']) {
    const resp = await submit(session, { registered_delivery: 1, destination_addr });
    assert.equal(resp.command_status, 0);
  }
  await eventually(
    () => {
      const rows = t.app.store.outbox.list({ limit: 100 });
      return rows.length === 6 && rows.every((r) => r.state !== 'pending');
    },
    15_000,
    'six forwards (3 events × 2 targets) delivered or failed',
  );
}

/** Everything the CLI prints about targets, deliveries and the switch, with and without --json. */
async function cliOutput(t: TestApp): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const args of [
    ['target', 'list', '--json'],
    ['target', 'list'],
    ['target', 'show', 'hook', '--json'],
    ['target', 'show', 'hook'],
    ['target', 'show', 'mail', '--json'],
    ['deliveries', 'list', '--json'],
    ['deliveries', 'list'],
    ['forwarding', 'status', '--json'],
    ['rule', 'list', '--json'],
  ]) {
    const r = await cli([...args, '--db', t.dbPath]);
    assert.equal(r.code, 0, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    out.push([args.join(' '), r.stdout + r.stderr]);
  }
  return out;
}

test('no secret in the logs or the CLI output: signed http target, smtp relay with AUTH unreachable', async (ctx) => {
  const run = await setup(cleanup(ctx), await closedPort());
  run.receiver.script.push({ status: 400 }); // one http forward fails for good
  await submitAndSettle(run);
  const { t, receiver } = run;

  // The run did what the assertions below rely on: signed requests, failures logged.
  assert.equal(receiver.received.length, 3, 'three http requests');
  assert.ok(receiver.received.every((r) => String(r.headers['webhook-signature']).startsWith('v1,')), 'requests are signed');
  const rows = t.app.store.outbox.list({ limit: 100 });
  const byTarget = (name: string): string[] => rows.filter((r) => r.targetName === name).map((r) => r.state).sort();
  assert.deepEqual(byTarget('hook'), ['delivered', 'delivered', 'failed']);
  assert.deepEqual(byTarget('mail'), ['failed', 'failed', 'failed'], 'the relay is unreachable: retries exhausted');
  assert.ok(rows.filter((r) => r.targetName === 'mail').every((r) => r.lastCode === 'ECONNREFUSED'), `wanted ECONNREFUSED, had ${rows.map((r) => r.lastCode).join(', ')}`);
  const messages = t.logs.map((l) => String(l.msg));
  assert.ok(messages.includes('delivery failed; will retry'), 'retries were logged');
  assert.ok(messages.includes('delivery failed: retries exhausted'), 'exhausted retries were logged');
  assert.ok(messages.includes('delivery failed for good'), 'the 400 was logged');
  assert.ok(messages.includes('bind refused'), 'the refused binds were logged');

  t.logs.forEach((line, i) => assertNoSecrets(JSON.stringify(line), `log line ${i}`));
  for (const [command, text] of await cliOutput(t)) assertNoSecrets(text, `the output of ${command}`);

  // Stopping logs too.
  await t.stop(true);
  t.logs.forEach((line, i) => assertNoSecrets(JSON.stringify(line), `log line ${i} (after stop)`));
});

test('no secret in the logs or the CLI output when the relay refuses AUTH and repeats the password in its answer', async (ctx) => {
  const defer = cleanup(ctx);
  const relay = await echoingRelay();
  defer(() => relay.close());
  const run = await setup(defer, relay.port);
  await submitAndSettle(run);
  const { t } = run;

  assert.ok(relay.authTries() > 0, 'the relay was asked to authenticate');
  const mailRows = t.app.store.outbox.list({ limit: 100 }).filter((r) => r.targetName === 'mail');
  assert.deepEqual(
    mailRows.map((r) => [r.state, r.lastCode]),
    [
      ['failed', '535'],
      ['failed', '535'],
      ['failed', '535'],
    ],
    '535 fails without retry',
  );
  assert.ok(mailRows.every((r) => r.lastError?.includes('[redacted]')), `the echoed password is redacted in the stored error: ${mailRows.map((r) => r.lastError).join(' | ')}`);
  assert.ok(t.logs.some((l) => l.msg === 'delivery failed for good' && String(l.code) === '535'), 'the 535 was logged');

  t.logs.forEach((line, i) => assertNoSecrets(JSON.stringify(line), `log line ${i}`));
  for (const [command, text] of await cliOutput(t)) assertNoSecrets(text, `the output of ${command}`);
});
