/**
 * The forwarding CLI (SPEC §8, §10): `target add|list|show|remove|test`, `rule add|list|remove`,
 * `forwarding on|off|status`, `deliveries list|retry`, run as the real binary on a temporary
 * database. Exit codes: 0 success, 1 not found or failure, 2 a usage error naming the problem.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { Store } from '../../src/store/store.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { addAccount, newMessage, tempDir } from '../helpers/store-fixtures.js';

const SECRET_KEY = Buffer.from('a cli test secret of 32 bytes!!!').toString('base64');
const SECRET = `whsec_${SECRET_KEY}`;

/** A fresh database path (the directory goes after the test). */
function freshDb(t: TestContext): string {
  return join(tempDir(t, 'smscd-fwd-cli-'), 'smscd.db');
}

function show(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

/** Runs a command that must succeed; returns its stdout. */
async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `${args.join(' ')} should succeed:\n${show(r)}`);
  return r.stdout;
}

/** Runs a command that must succeed with --json; returns the parsed output. */
async function okJson<T>(args: string[]): Promise<T> {
  const stdout = await ok([...args, '--json']);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`${args.join(' ')} --json did not print JSON: ${stdout}`);
  }
}

/** Runs each refusal (in parallel: they are independent) and checks its exit code and message. */
async function refused(cases: Array<[args: string[], code: number, message: RegExp]>): Promise<void> {
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  cases.forEach(([args, code, message], i) => {
    const r = results[i]!;
    assert.equal(r.code, code, `${args.join(' ')}: wanted exit ${code}\n${show(r)}`);
    assert.match(r.stderr, message, `${args.join(' ')}: wanted a message matching ${message}\n${show(r)}`);
  });
}

function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes(SECRET), `${where} contains the secret:\n${text}`);
  assert.ok(!text.includes(SECRET_KEY), `${where} contains the base64 part of the secret:\n${text}`);
}

interface PublicTarget {
  id: number;
  name: string;
  type: string;
  url: string | null;
  to: string | null;
  queueUrl: string | null;
  format: string;
  signed: boolean;
  enabled: boolean;
  secret?: unknown;
  pending?: number;
  delivered?: number;
  failed?: number;
}

interface RuleView {
  id: number;
  account: string;
  channel: string;
  messageType: string;
  target: string;
  statuses: string[];
  format: string | null;
}

test('target add: http (signed), smtp and sqs succeed; list and show never print the secret', async (t) => {
  const db = freshDb(t);
  const hook = await okJson<PublicTarget>(['target', 'add', 'hook', '--type', 'http', '--url', 'https://hooks.example.com/dlr', '--secret', SECRET, '--db', db]);
  assert.deepEqual(
    { name: hook.name, type: hook.type, url: hook.url, format: hook.format, signed: hook.signed, enabled: hook.enabled },
    { name: 'hook', type: 'http', url: 'https://hooks.example.com/dlr', format: 'json', signed: true, enabled: true },
  );
  assert.equal(hook.secret, undefined, 'no secret field in the output');

  const mail = await okJson<PublicTarget>(['target', 'add', 'mail', '--type', 'smtp', '--to', 'dlr@customer.example', '--format', 'xml', '--db', db]);
  assert.deepEqual({ type: mail.type, to: mail.to, format: mail.format, signed: mail.signed }, { type: 'smtp', to: 'dlr@customer.example', format: 'xml', signed: false });

  const queueUrl = 'https://sqs.eu-central-1.amazonaws.com/123456789012/receipts.fifo';
  const queue = await okJson<PublicTarget>(['target', 'add', 'queue', '--type', 'sqs', '--queue-url', queueUrl, '--db', db]);
  assert.deepEqual({ type: queue.type, queueUrl: queue.queueUrl, format: queue.format, signed: queue.signed }, { type: 'sqs', queueUrl, format: 'json', signed: false });

  const listed = await cli(['target', 'list', '--json', '--db', db]);
  assert.equal(listed.code, 0, show(listed));
  assertNoSecret(listed.stdout, 'target list --json');
  const targets = JSON.parse(listed.stdout) as PublicTarget[];
  assert.deepEqual(targets.map((x) => [x.name, x.type, x.signed]), [
    ['hook', 'http', true],
    ['mail', 'smtp', false],
    ['queue', 'sqs', false],
  ]);
  assert.ok(targets.every((x) => !('secret' in x)), 'no target has a secret field');

  const shown = await cli(['target', 'show', 'hook', '--json', '--db', db]);
  assert.equal(shown.code, 0, show(shown));
  assertNoSecret(shown.stdout, 'target show --json');
  const one = JSON.parse(shown.stdout) as PublicTarget;
  assert.deepEqual({ signed: one.signed, pending: one.pending, delivered: one.delivered, failed: one.failed }, { signed: true, pending: 0, delivered: 0, failed: 0 });

  for (const args of [['target', 'list'], ['target', 'show', 'hook']]) {
    const plain = await cli([...args, '--db', db]);
    assert.equal(plain.code, 0, show(plain));
    assertNoSecret(plain.stdout, `${args.join(' ')} (text)`);
    assert.match(plain.stdout, /true/, `${args.join(' ')} shows that hook is signed`);
  }

  const missing = await cli(['target', 'show', 'nope', '--db', db]);
  assert.equal(missing.code, 1, show(missing));
  assert.match(missing.stderr, /no target nope/);
});

test('target add refusals: exit 2 and a message naming the problem; nothing stored', async (t) => {
  const db = freshDb(t);
  await ok(['target', 'add', 'taken', '--type', 'http', '--url', 'https://hooks.example.com/a', '--db', db]);
  const url = ['--url', 'https://hooks.example.com/x'];
  await refused([
    [['target', 'add', 'h1', '--type', 'http', '--db', db], 2, /http target needs --url/],
    [['target', 'add', 'h2', '--type', 'http', ...url, '--to', 'a@b.example', '--db', db], 2, /--to does not apply to a http target/],
    [['target', 'add', 'h3', '--type', 'http', ...url, '--queue-url', 'https://sqs.example.com/q', '--db', db], 2, /--queue-url does not apply/],
    [['target', 'add', 'h4', '--type', 'http', ...url, '--format', 'yaml', '--db', db], 2, /--format must be json or xml, not "yaml"/],
    [['target', 'add', 'h5', '--type', 'http', ...url, '--secret', 'plainsecret', '--db', db], 2, /--secret must be a Standard Webhooks secret: whsec_/],
    [['target', 'add', 'h6', '--type', 'http', ...url, '--secret', 'whsec_not base64!', '--db', db], 2, /--secret must be a Standard Webhooks secret/],
    [['target', 'add', 'h7', '--type', 'http', ...url, '--secret', 'whsec_', '--db', db], 2, /--secret must be a Standard Webhooks secret/],
    [['target', 'add', 'm1', '--type', 'smtp', '--to', 'a@b.example', '--secret', SECRET, '--db', db], 2, /--secret applies to http targets only/],
    [['target', 'add', 'm2', '--type', 'smtp', '--db', db], 2, /smtp target needs --to/],
    [['target', 'add', 'm3', '--type', 'smtp', '--to', 'not-an-address', '--db', db], 2, /--to "not-an-address" is not an e-mail address/],
    [['target', 'add', 'h8', '--type', 'http', '--url', 'ftp://files.example.com/dlr', '--db', db], 2, /--url must be an http:\/\/ or https:\/\/ URL/],
    [['target', 'add', 'h9', '--type', 'http', '--url', 'not a url', '--db', db], 2, /--url "not a url" is not a URL/],
    [['target', 'add', 'q1', '--type', 'sqs', '--queue-url', 'file:///etc/passwd', '--db', db], 2, /--queue-url must be an http:\/\/ or https:\/\/ URL/],
    [['target', 'add', 'q2', '--type', 'sqs', '--db', db], 2, /sqs target needs --queue-url/],
    [['target', 'add', 'x1', '--type', 'ftp', ...url, '--db', db], 2, /--type must be http, smtp or sqs/],
    [['target', 'add', 'bad name', '--type', 'http', ...url, '--db', db], 2, /target name "bad name"/],
  ]);
  // Sequential: the duplicate check reads the database.
  await refused([[['target', 'add', 'taken', '--type', 'http', '--url', 'https://hooks.example.com/b', '--db', db], 2, /target taken already exists/]]);

  const secretRefusal = await cli(['target', 'add', 'm4', '--type', 'smtp', '--to', 'a@b.example', '--secret', SECRET, '--db', db]);
  assertNoSecret(secretRefusal.stderr + secretRefusal.stdout, 'the refusal of a misplaced secret');

  const targets = await okJson<PublicTarget[]>(['target', 'list', '--db', db]);
  assert.deepEqual(targets.map((x) => x.name), ['taken'], 'no refused target was stored');
  assert.equal(targets[0]!.url, 'https://hooks.example.com/a', 'the duplicate did not overwrite the first');
});

test('rule add (target, none, whatsapp, statuses), list, remove, and refusals', async (t) => {
  const db = freshDb(t);
  await ok(['account', 'add', 'acme', '--password', 'pw', '--db', db]);
  await ok(['target', 'add', 'hook', '--type', 'http', '--url', 'https://hooks.example.com/dlr', '--db', db]);
  await ok(['target', 'add', 'mail', '--type', 'smtp', '--to', 'dlr@customer.example', '--format', 'xml', '--db', db]);

  const smppRule = await okJson<RuleView>(['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook', '--db', db]);
  assert.deepEqual(
    { account: smppRule.account, channel: smppRule.channel, messageType: smppRule.messageType, target: smppRule.target, statuses: smppRule.statuses, format: smppRule.format },
    { account: 'acme', channel: 'smpp', messageType: 'sms', target: 'hook', statuses: [], format: null },
  );
  const noneRule = await okJson<RuleView>(['rule', 'add', '--account', 'acme', '--channel', 'api', '--none', '--db', db]);
  assert.deepEqual({ channel: noneRule.channel, messageType: noneRule.messageType, target: noneRule.target }, { channel: 'api', messageType: 'sms', target: 'none' });
  const waRule = await okJson<RuleView>(['rule', 'add', '--account', 'acme', '--channel', 'whatsapp', '--target', 'mail', '--db', db]);
  assert.equal(waRule.messageType, 'whatsapp', '--channel whatsapp defaults to --message-type whatsapp');
  const statusRule = await okJson<RuleView>(['rule', 'add', '--account', 'acme', '--channel', 'api', '--message-type', 'whatsapp', '--target', 'hook', '--statuses', 'delivered,read', '--format', 'xml', '--db', db]);
  assert.deepEqual({ messageType: statusRule.messageType, statuses: statusRule.statuses, format: statusRule.format }, { messageType: 'whatsapp', statuses: ['delivered', 'read'], format: 'xml' });
  const smsStatuses = await okJson<RuleView>(['rule', 'add', '--account', 'acme', '--channel', 'email', '--target', 'mail', '--statuses', 'delivered, undelivered', '--db', db]);
  assert.deepEqual(smsStatuses.statuses, ['delivered', 'undelivered'], 'spaces after commas are trimmed');

  await refused([
    [['rule', 'add', '--account', 'ghost', '--channel', 'smpp', '--target', 'hook', '--db', db], 1, /no account ghost/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'ghost', '--db', db], 1, /no target ghost/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook', '--none', '--db', db], 2, /either --target NAME or --none/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--db', db], 2, /either --target NAME or --none/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook', '--statuses', 'delivered,read', '--db', db], 2, /"read" is not a sms status/],
    [['rule', 'add', '--account', 'acme', '--channel', 'whatsapp', '--target', 'hook', '--statuses', 'undelivered', '--db', db], 2, /"undelivered" is not a whatsapp status/],
    [['rule', 'add', '--account', 'acme', '--channel', 'fax', '--target', 'hook', '--db', db], 2, /--channel must be one of smpp, api, email, console, whatsapp/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--message-type', 'mms', '--target', 'hook', '--db', db], 2, /--message-type must be sms or whatsapp/],
    [['rule', 'add', '--account', 'acme', '--channel', 'whatsapp', '--message-type', 'sms', '--target', 'hook', '--db', db], 2, /--channel whatsapp goes with --message-type whatsapp/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--none', '--statuses', 'delivered', '--db', db], 2, /do not apply to --none/],
    [['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook', '--format', 'csv', '--db', db], 2, /--format must be json or xml/],
  ]);

  const rules = await okJson<RuleView[]>(['rule', 'list', '--db', db]);
  assert.deepEqual(
    rules.map((r) => [r.account, r.channel, r.messageType, r.target, r.statuses.join(','), r.format]),
    [
      ['acme', 'smpp', 'sms', 'hook', '', null],
      ['acme', 'api', 'sms', 'none', '', null],
      ['acme', 'whatsapp', 'whatsapp', 'mail', '', null],
      ['acme', 'api', 'whatsapp', 'hook', 'delivered,read', 'xml'],
      ['acme', 'email', 'sms', 'mail', 'delivered,undelivered', null],
    ],
    'every rule added, none of the refused ones',
  );
  assert.deepEqual((await okJson<RuleView[]>(['rule', 'list', '--account', 'acme', '--db', db])).length, 5);
  await refused([[['rule', 'list', '--account', 'ghost', '--db', db], 1, /no account ghost/]]);

  assert.match(await ok(['rule', 'remove', String(noneRule.id), '--db', db]), new RegExp(`rule ${noneRule.id} removed`));
  await refused([[['rule', 'remove', String(noneRule.id), '--db', db], 1, new RegExp(`no rule ${noneRule.id}`)]]);
  const after = await okJson<RuleView[]>(['rule', 'list', '--db', db]);
  assert.deepEqual(after.map((r) => r.id), rules.map((r) => r.id).filter((id) => id !== noneRule.id));
});

test('an id that is not a number is refused with exit 2 and a message naming it (rule remove, deliveries retry)', async (t) => {
  const db = freshDb(t);
  await ok(['forwarding', 'status', '--db', db]);
  await refused([
    [['rule', 'remove', 'first', '--db', db], 2, /rule id must be a whole number/],
    [['deliveries', 'retry', 'last', '--db', db], 2, /delivery id must be a whole number/],
  ]);
});

test('target remove removes its rules and its pending deliveries, keeps the other target', async (t) => {
  const db = freshDb(t);
  await ok(['account', 'add', 'acme', '--password', 'pw', '--db', db]);
  await ok(['target', 'add', 'hook', '--type', 'http', '--url', 'https://hooks.example.com/dlr', '--db', db]);
  await ok(['target', 'add', 'mail', '--type', 'smtp', '--to', 'dlr@customer.example', '--db', db]);
  await ok(['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook', '--db', db]);
  await ok(['rule', 'add', '--account', 'acme', '--channel', 'api', '--target', 'hook', '--db', db]);
  await ok(['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'mail', '--db', db]);

  // A pending delivery for each target.
  const store = Store.open({ path: db });
  t.after(() => store.close());
  const account = store.accounts.bySystemId('acme')!;
  const messageId = store.messages.insert(newMessage(account.id));
  const eventId = store.events.insert({ messageId, status: 'delivered', final: true, errorCode: 0, origin: 'test', occurredAt: Date.now() });
  for (const name of ['hook', 'mail']) store.outbox.insert(eventId, messageId, store.targets.byName(name)!.id, 'json', Date.now());

  assert.match(await ok(['target', 'remove', 'hook', '--db', db]), /target hook removed/);
  const rules = await okJson<RuleView[]>(['rule', 'list', '--db', db]);
  assert.deepEqual(rules.map((r) => [r.channel, r.target]), [['smpp', 'mail']], "the removed target's rules are gone");
  const targets = await okJson<PublicTarget[]>(['target', 'list', '--db', db]);
  assert.deepEqual(targets.map((x) => x.name), ['mail']);
  const deliveries = await okJson<Array<{ target: string | null; state: string }>>(['deliveries', 'list', '--db', db]);
  assert.deepEqual(deliveries.map((d) => [d.target, d.state]), [['mail', 'pending']], "the removed target's pending delivery is gone");
  await refused([[['target', 'remove', 'hook', '--db', db], 1, /no target hook/]]);
});

test('forwarding off | on | status --json', async (t) => {
  const db = freshDb(t);
  interface Status {
    forwarding: string;
    pending: number;
    delivered: number;
    failed: number;
    receiptsOwed: number;
  }
  assert.deepEqual(await okJson<Status>(['forwarding', 'status', '--db', db]), { forwarding: 'on', pending: 0, delivered: 0, failed: 0, receiptsOwed: 0 }, 'on by default');
  assert.match(await ok(['forwarding', 'off', '--db', db]), /forwarding off/);
  assert.equal((await okJson<Status>(['forwarding', 'status', '--db', db])).forwarding, 'off');
  assert.match(await ok(['forwarding', 'off', '--db', db]), /forwarding off/, 'off twice is fine');
  assert.match(await ok(['forwarding', 'on', '--db', db]), /forwarding on/);
  assert.equal((await okJson<Status>(['forwarding', 'status', '--db', db])).forwarding, 'on');
  const text = await ok(['forwarding', 'status', '--db', db]);
  assert.match(text, /forwarding\s+on/);
  await refused([[['forwarding', 'maybe', '--db', db], 2, /unknown command|error/i]]);
});

test('deliveries list --json; retry <id>, retry --failed [--target]; refusals', async (t) => {
  const db = freshDb(t);
  const store = Store.open({ path: db });
  t.after(() => store.close());
  const account = addAccount(store, 'acme');
  const hook = store.targets.add({ name: 'hook', type: 'http', url: 'https://hooks.example.com/dlr', to: null, queueUrl: null, format: 'json', secret: SECRET });
  const mail = store.targets.add({ name: 'mail', type: 'smtp', url: null, to: 'dlr@customer.example', queueUrl: null, format: 'xml', secret: null });
  const now = Date.now();
  const messageId = store.messages.insert(newMessage(account.id));
  const eventId = store.events.insert({ messageId, status: 'delivered', final: true, errorCode: 0, origin: 'test', occurredAt: now });
  store.transaction(() => {
    store.outbox.insert(eventId, messageId, hook.id, 'json', now);
    store.outbox.insert(eventId, messageId, mail.id, 'xml', now);
  });
  const [hookRow, mailRow] = store.outbox.list({ limit: 10 }).sort((a, b) => a.id - b.id);
  assert.ok(hookRow && mailRow);
  store.outbox.recordAttempt({ outboxId: hookRow.id, attempt: 1, at: now, durationMs: 12, outcome: 'failed', code: '400', excerpt: 'bad request' });
  store.outbox.failed(hookRow.id, '400', 'HTTP 400 Bad Request', now);
  store.outbox.failed(mailRow.id, '550', 'mailbox unavailable', now);

  interface Delivery {
    id: number;
    messageId: string;
    eventId: number;
    target: string;
    format: string;
    state: string;
    lastCode: string | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    history: Array<{ attempt: number; outcome: string; code: string; excerpt: string; at: string }>;
  }
  const listed = await cli(['deliveries', 'list', '--json', '--db', db]);
  assert.equal(listed.code, 0, show(listed));
  assertNoSecret(listed.stdout, 'deliveries list --json');
  const rows = JSON.parse(listed.stdout) as Delivery[];
  assert.deepEqual(
    rows.map((r) => [r.id, r.messageId, r.eventId, r.target, r.format, r.state, r.lastCode, r.lastError, r.nextAttemptAt]),
    [
      [mailRow.id, messageId, eventId, 'mail', 'xml', 'failed', '550', 'mailbox unavailable', null],
      [hookRow.id, messageId, eventId, 'hook', 'json', 'failed', '400', 'HTTP 400 Bad Request', null],
    ],
    'newest first',
  );
  assert.deepEqual(rows[1]!.history.map((h) => [h.attempt, h.outcome, h.code, h.excerpt, h.at]), [[1, 'failed', '400', 'bad request', new Date(now).toISOString()]]);
  assert.deepEqual((await okJson<Delivery[]>(['deliveries', 'list', '--target', 'hook', '--db', db])).map((r) => r.id), [hookRow.id]);
  assert.deepEqual((await okJson<Delivery[]>(['deliveries', 'list', '--state', 'pending', '--db', db])).length, 0);
  assert.deepEqual((await okJson<Delivery[]>(['deliveries', 'list', '--message', messageId, '--limit', '1', '--db', db])).map((r) => r.id), [mailRow.id]);

  await refused([
    [['deliveries', 'retry', '--db', db], 2, /give a delivery id, or --failed/],
    [['deliveries', 'retry', String(hookRow.id), '--failed', '--db', db], 2, /give a delivery id, or --failed/],
    [['deliveries', 'retry', String(hookRow.id), '--target', 'hook', '--db', db], 2, /--target and --since go with --failed/],
    [['deliveries', 'retry', '999999', '--db', db], 1, /no failed delivery 999999/],
    [['deliveries', 'retry', '--failed', '--target', 'ghost', '--db', db], 1, /no target ghost/],
    [['deliveries', 'retry', '--failed', '--since', 'yesterday-ish', '--db', db], 2, /--since "yesterday-ish" is not a date/],
    [['deliveries', 'list', '--state', 'lost', '--db', db], 2, /--state must be pending, delivered or failed/],
  ]);
  assert.deepEqual(store.outbox.list({ state: 'failed', limit: 10 }).length, 2, 'the refusals changed nothing');

  // One by id.
  assert.match(await ok(['deliveries', 'retry', String(hookRow.id), '--db', db]), /1 delivery queued again/);
  const states = (): Map<number, string> => new Map(store.outbox.list({ limit: 10 }).map((r) => [r.id, r.state]));
  assert.deepEqual([...states()].sort(), [[hookRow.id, 'pending'], [mailRow.id, 'failed']].sort());
  const requeued = store.outbox.list({ state: 'pending', limit: 1 })[0]!;
  assert.equal(requeued.attempts, 0, 'a retried delivery starts a new round of attempts');
  assert.ok(requeued.nextAttemptAt <= Date.now(), 'due at once');
  await refused([[['deliveries', 'retry', String(hookRow.id), '--db', db], 1, new RegExp(`no failed delivery ${hookRow.id}`)]]);

  // --failed --target narrows; --failed takes every failed one.
  store.outbox.failed(hookRow.id, '400', 'again', now);
  assert.match(await ok(['deliveries', 'retry', '--failed', '--target', 'mail', '--db', db]), /1 delivery queued again/);
  assert.deepEqual(states().get(mailRow.id), 'pending');
  assert.deepEqual(states().get(hookRow.id), 'failed');
  store.outbox.failed(mailRow.id, '550', 'again', now);
  assert.match(await ok(['deliveries', 'retry', '--failed', '--since', new Date(now - 60_000).toISOString(), '--db', db]), /2 deliveries queued again/);
  assert.deepEqual([...states().values()], ['pending', 'pending']);
  assert.match(await ok(['deliveries', 'retry', '--failed', '--db', db]), /0 deliveries queued again/, 'nothing failed: nothing to do, not an error');
});

test('target test: a signed JSON deliveryReport reaches a real receiver (exit 0); a 500 is reported as retry (exit 1)', async (t) => {
  const dir = tempDir(t, 'smscd-fwd-cli-');
  const db = join(dir, 'smscd.db');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ forwarding: { allowPrivateTargets: true } }));
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  await ok(['target', 'add', 'hook', '--type', 'http', '--url', receiver.url, '--secret', SECRET, '--db', db]);

  const sent = await cli(['target', 'test', 'hook', '--db', db, '--config', config]);
  assert.equal(sent.code, 0, show(sent));
  assert.match(sent.stdout, /delivered/);
  assert.match(sent.stdout, /200/);
  assertNoSecret(sent.stdout + sent.stderr, 'target test output');
  assert.equal(receiver.received.length, 1, 'one request');
  const req = receiver.received[0]!;
  assert.equal(req.headers['content-type'], 'application/json');
  const doc = new Webhook(SECRET).verify(req.body, {
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  }) as Record<string, unknown>;
  assert.equal(doc.messageType, 'deliveryReport');
  assert.equal(doc.deliveryReportMessageStatus, 'delivered');
  assert.equal(doc.smppStat, 'DELIVRD');
  assert.equal(req.headers['webhook-id'], doc.notificationId);
  assert.match(String(doc.notificationId), /^[0-9a-z]{20}$/);

  receiver.fallback = { status: 500 };
  const failed = await cli(['target', 'test', 'hook', '--db', db, '--config', config]);
  assert.equal(failed.code, 1, show(failed));
  assert.match(failed.stdout, /retry/, show(failed));
  assert.match(failed.stdout, /500/, show(failed));
  assert.equal(receiver.received.length, 2);

  const json = await cli(['target', 'test', 'hook', '--json', '--db', db, '--config', config]);
  assert.equal(json.code, 1, show(json));
  const result = JSON.parse(json.stdout) as { target: string; outcome: string; code: string };
  assert.deepEqual({ target: result.target, outcome: result.outcome, code: result.code }, { target: 'hook', outcome: 'retry', code: '500' });

  // Without forwarding.allowPrivateTargets the loopback receiver is refused before any request.
  const refusedPrivate = await cli(['target', 'test', 'hook', '--json', '--db', db]);
  assert.equal(refusedPrivate.code, 1, show(refusedPrivate));
  assert.equal((JSON.parse(refusedPrivate.stdout) as { code: string }).code, 'EPRIVATE');
  assert.equal(receiver.received.length, 3, 'no request to a private address');

  await refused([[['target', 'test', 'ghost', '--db', db, '--config', config], 1, /no target ghost/]]);
});
