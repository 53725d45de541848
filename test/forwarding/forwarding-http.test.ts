/**
 * Forwarding end to end over HTTP: SMPP submit → simulated delivery → status event → outbox →
 * a real HTTP receiver. Signatures verified with the standardwebhooks package; XML parsed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { convert } from 'xmlbuilder2';
import type { OutboxRow } from '../../src/store/outbox.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { cli } from '../helpers/cli.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { bind, closeSession, submit, type PDU, type Session } from '../helpers/smpp-client.js';

const SECRET = `whsec_${Buffer.from('a test secret of 32 bytes length').toString('base64')}`;

interface Setup {
  t: TestApp;
  receiver: HttpReceiver;
  session: Session;
  receipts: PDU[];
}

async function setup(ctx: { after(fn: () => unknown): void }, options: { format?: 'json' | 'xml'; secret?: string | null; overrides?: Record<string, unknown> } = {}): Promise<Setup> {
  const receiver = await startReceiver();
  const t = await startApp({
    'simulator.delayMs': [0, 0],
    'simulator.outcomes': { delivered: 1 },
    'forwarding.allowPrivateTargets': true,
    'forwarding.retrySchedule': [0, 0.05, 0.05, 0.05, 0.05, 0.05],
    'forwarding.retryJitter': 0,
    'forwarding.httpTimeoutMs': 300,
    ...options.overrides,
  });
  const account = t.addAccount('acme', 'pw');
  const target = t.app.store.targets.add({ name: 'hook', type: 'http', url: receiver.url, to: null, queueUrl: null, format: options.format ?? 'json', secret: options.secret === undefined ? SECRET : options.secret });
  t.app.store.rules.add({ accountId: account.id, channel: 'smpp', messageType: 'sms', targetId: target.id, statuses: null, format: null });
  reloadForwarding(t);
  const { session } = await bind(t.port, 'acme', 'pw');
  const receipts: PDU[] = [];
  session.on('deliver_sm', (pdu: PDU) => {
    receipts.push(pdu);
    session.send(pdu.response());
  });
  ctx.after(async () => {
    await closeSession(session);
    await t.stop();
    await receiver.close();
  });
  return { t, receiver, session, receipts };
}

/** The app's own writes do not trigger its CLI-change watcher: tell it directly. */
function reloadForwarding(t: TestApp): void {
  t.app.forwarding.policy.reload();
  t.app.forwarding.worker.reloadTargets();
}

test('a receipt is forwarded as signed JSON with the websms fields', async (ctx) => {
  const { t, receiver, session } = await setup(ctx);
  const resp = await submit(session, { registered_delivery: 1, destination_addr: '436991234567', source_addr: '436601234567' });
  assert.equal(resp.command_status, 0);
  await eventually(() => receiver.received.length === 1, 5000, 'one forward');
  const req = receiver.received[0]!;
  assert.equal(req.headers['content-type'], 'application/json');
  const doc = new Webhook(SECRET).verify(req.body, {
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  }) as Record<string, unknown>;
  assert.equal(req.headers['webhook-id'], doc.notificationId, 'webhook-id is the notificationId');
  assert.equal(doc.messageType, 'deliveryReport');
  assert.equal(doc.transferId, resp.message_id);
  assert.equal(doc.deliveryReportMessageStatus, 'delivered');
  assert.equal(doc.smppStat, 'DELIVRD');
  assert.equal(doc.senderAddress, '436601234567');
  assert.equal(doc.recipientAddress, '436991234567');
  assert.equal(doc.deliveredAs, 'sms');
  assert.equal(doc.account, 'acme');
  assert.equal(doc.channel, 'smpp');
  assert.match(String(doc.notificationId), /^[0-9a-z]{20}$/);
  assert.match(String(doc.sentOn), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  assert.match(String(doc.deliveredOn), /\+00:00$/);
  // The receiver has the request before the worker has read the response and marked the row.
  await eventually(() => t.app.store.outbox.list({ limit: 10 }).every((r) => r.state === 'delivered'), 5000, 'outbox row delivered');
  assert.deepEqual(t.app.store.outbox.list({ limit: 10 }).map((r) => r.state), ['delivered']);
});

test('XML: declaration, UTF-8, root named after messageType, escaped text', async (ctx) => {
  const { receiver, session } = await setup(ctx, { format: 'xml', secret: null });
  await submit(session, { registered_delivery: 1, short_message: Buffer.from('a <b> & "c"') });
  await eventually(() => receiver.received.length === 1, 5000, 'one forward');
  const req = receiver.received[0]!;
  assert.match(String(req.headers['content-type']), /^application\/xml/);
  assert.equal(req.headers['webhook-signature'], undefined, 'no signature without a secret');
  assert.match(req.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  const parsed = convert(req.body, { format: 'object' }) as { deliveryReport: Record<string, string> };
  assert.equal(parsed.deliveryReport.deliveryReportMessageStatus, 'delivered');
  assert.equal(parsed.deliveryReport.smppStat, 'DELIVRD');
  assert.equal(parsed.deliveryReport.account, 'acme');
});

test('registered_delivery 0: nothing is forwarded; 0x02 and delivered: nothing either', async (ctx) => {
  const { t, receiver, session } = await setup(ctx);
  const a = await submit(session, { registered_delivery: 0 });
  const b = await submit(session, { registered_delivery: 2 });
  await eventually(() => t.app.store.messages.byId(String(a.message_id))?.status === 'delivered' && t.app.store.messages.byId(String(b.message_id))?.status === 'delivered', 5000, 'both delivered');
  await sleep(300);
  assert.equal(receiver.received.length, 0, 'no forward for events no receipt was asked for');
});

test('the global switch off (CLI): nothing forwarded and no SMPP receipt; events still recorded', async (ctx) => {
  const { t, receiver, session, receipts } = await setup(ctx);
  assert.equal((await cli(['forwarding', 'off', '--db', t.dbPath])).code, 0);
  await eventually(() => !t.app.forwarding.policy.forwardingOn, 2000, 'the server saw the switch');
  const resp = await submit(session, { registered_delivery: 1 });
  await eventually(() => t.app.store.events.forMessage(String(resp.message_id)).some((e) => e.final), 5000, 'the event is recorded');
  await sleep(300);
  assert.equal(receiver.received.length, 0, 'nothing forwarded');
  assert.equal(receipts.length, 0, 'no SMPP receipt');
  const status = await cli(['forwarding', 'status', '--json', '--db', t.dbPath]);
  assert.equal((JSON.parse(status.stdout) as { forwarding: string }).forwarding, 'off');
  assert.equal((await cli(['forwarding', 'on', '--db', t.dbPath])).code, 0);
  await eventually(() => t.app.forwarding.policy.forwardingOn, 2000, 'switched on again');
  await submit(session, { registered_delivery: 1 });
  await eventually(() => receiver.received.length === 1 && receipts.length === 1, 5000, 'forwarding and receipts resume');
});

test('a none rule for smpp: no SMPP receipt although the client asked, and nothing forwarded', async (ctx) => {
  const { t, receiver, session, receipts } = await setup(ctx);
  const account = t.app.store.accounts.bySystemId('acme')!;
  t.app.store.rules.add({ accountId: account.id, channel: 'smpp', messageType: 'sms', targetId: null, statuses: null, format: null });
  reloadForwarding(t);
  const resp = await submit(session, { registered_delivery: 1 });
  await eventually(() => t.app.store.events.forMessage(String(resp.message_id)).some((e) => e.final), 5000, 'recorded');
  await sleep(300);
  assert.equal(receipts.length, 0, 'no SMPP receipt');
  assert.equal(receiver.received.length, 0, 'nothing forwarded');
});

test('503, a timeout, 429 with Retry-After, then 200: delivered, same webhook-id each time, in order per message', async (ctx) => {
  const { t, receiver, session } = await setup(ctx, { overrides: { 'simulator.enroute': true, 'simulator.delayMs': [50, 50] } });
  const account = t.app.store.accounts.bySystemId('acme')!;
  // Forward the ENROUTE intermediate too, so one message has two events to keep in order.
  t.app.store.rules.add({ accountId: account.id, channel: 'smpp', messageType: 'sms', targetId: t.app.store.targets.byName('hook')!.id, statuses: ['enroute', 'delivered'], format: null });
  reloadForwarding(t);
  receiver.script.push({ status: 503 }, 'hang', { status: 429, headers: { 'retry-after': '1' } });
  const started = Date.now();
  const resp = await submit(session, { registered_delivery: 0x11 });
  await eventually(() => receiver.received.filter((r) => r.status === 200).length === 2, 10_000, 'both events delivered');
  const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
  const first = ids[0]!;
  assert.deepEqual(ids.slice(0, 4), [first, first, first, first], 'the same webhook-id on each retry of the first event');
  const statuses = receiver.received.filter((r) => r.status === 200).map((r) => (JSON.parse(r.body) as { deliveryReportMessageStatus: string }).deliveryReportMessageStatus);
  assert.deepEqual(statuses, ['enroute', 'delivered'], 'in order per message');
  const retryAfterGap = receiver.received[3]!.at - receiver.received[2]!.at;
  assert.ok(retryAfterGap >= 900, `Retry-After: 1 honoured (waited ${retryAfterGap} ms)`);
  assert.ok(Date.now() - started < 10_000);
  const lastRow = (): { id: number; state: string } => t.app.store.outbox.list({ messageId: String(resp.message_id), limit: 10 }).at(-1)!;
  await eventually(() => lastRow().state === 'delivered', 5000, 'the last attempt recorded');
  const history = t.app.store.outbox.attempts(lastRow().id);
  assert.deepEqual(history.map((a) => `${a.outcome}:${a.code}`), ['retry:503', 'retry:ETIMEDOUT', 'retry:429', 'delivered:200']);
});

test('while another connection holds the write lock the claim neither stalls the event loop nor fails: the retry goes out once the lock is free', async (ctx) => {
  const { t, receiver, session } = await setup(ctx, { overrides: { 'forwarding.retrySchedule': [0, 0.3, 0.3, 0.3, 0.3, 0.3] } });
  receiver.script.push({ status: 503 });
  const resp = await submit(session, { registered_delivery: 1 });
  assert.equal(resp.command_status, 0);
  const row = (): OutboxRow | undefined => t.app.store.outbox.list({ messageId: String(resp.message_id), limit: 10 })[0];
  await eventually(() => row()?.lastCode === '503', 5000, 'the first attempt failed and was recorded');
  const other = new Database(t.dbPath);
  ctx.after(() => other.close());
  // The retry falls due 300 ms after the failure, while the lock is held for 800 ms. SQLite's
  // busy handler would have put the event loop to sleep until the lock was free.
  other.exec('BEGIN IMMEDIATE');
  let longestGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  await sleep(800);
  clearInterval(ticker);
  assert.equal(receiver.received.length, 1, 'nothing was claimed while the lock was held');
  assert.ok(longestGap < 150, `the event loop ran on (longest gap between 5 ms timers: ${longestGap.toFixed(0)} ms)`);
  other.exec('COMMIT');
  await eventually(() => receiver.received.length === 2 && row()?.state === 'delivered', 5000, 'the retry delivered once the lock was free');
  assert.deepEqual(t.app.store.outbox.attempts(row()!.id).map((a) => `${a.outcome}:${a.code}`), ['retry:503', 'delivered:200']);
  assert.equal(t.app.store.db.pragma('busy_timeout', { simple: true }), 5000, 'busy_timeout restored after the claim');
  assert.equal(t.app.store.db.pragma('synchronous', { simple: true }), 2, 'synchronous FULL restored after the claim');
});

test('410 disables the target; 400 fails without retry', async (ctx) => {
  const { t, receiver, session } = await setup(ctx);
  receiver.script.push({ status: 400 });
  const a = await submit(session, { registered_delivery: 1 });
  await eventually(() => t.app.store.outbox.list({ messageId: String(a.message_id), limit: 1 })[0]?.state === 'failed', 5000, 'failed');
  assert.equal(receiver.received.length, 1, '400 is not retried');
  receiver.script.push({ status: 410 });
  const b = await submit(session, { registered_delivery: 1 });
  await eventually(() => t.app.store.targets.byName('hook')?.enabled === false, 5000, 'target disabled');
  assert.match(String(t.app.store.targets.byName('hook')?.disabledReason), /410/);
  await sleep(300);
  assert.equal(receiver.received.length, 2, 'nothing more is sent to a disabled target');
  assert.equal(t.app.store.outbox.list({ messageId: String(b.message_id), limit: 1 })[0]?.state, 'pending', 'the event waits for the target');
  assert.equal((await cli(['target', 'enable', 'hook', '--db', t.dbPath])).code, 0);
  await eventually(() => receiver.received.length === 3 && receiver.received[2]!.status === 200, 5000, 'delivered once enabled again');
});

test('forwards of simulated deliveries go to the worker from the transaction that records them: it claims none of them', async (ctx) => {
  const { t, receiver, session } = await setup(ctx, { secret: null });
  const outbox = t.app.store.outbox;
  const claim = outbox.claim.bind(outbox);
  let claimedByWorker = 0;
  outbox.claim = (...args) => {
    const rows = claim(...args);
    claimedByWorker += rows.length;
    return rows;
  };
  ctx.after(() => {
    outbox.claim = claim;
  });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(String((await submit(session, { registered_delivery: 1 })).message_id));
  const rows = (): OutboxRow[] => ids.flatMap((id) => outbox.list({ messageId: id, limit: 10 }));
  await eventually(() => rows().filter((r) => r.state === 'delivered').length === 10, 10_000, 'all 10 delivered');
  assert.equal(claimedByWorker, 0, 'no row needed a claim');
  assert.deepEqual(rows().map((r) => r.attempts), Array(10).fill(1));
  assert.deepEqual(receiver.received.map((r) => (JSON.parse(r.body) as { transferId: string }).transferId).sort(), [...ids].sort(), 'each sent once');
});

test('a slow target: rows waiting in memory longer than their lease are neither claimed again nor sent twice', async (ctx) => {
  // One connection, 400 ms an answer, 20 events: the last waits ~8 s in the worker's queue, past
  // the 5 s lease it was claimed with.
  const { t, receiver, session } = await setup(ctx, { secret: null, overrides: { 'forwarding.concurrency': 1, 'forwarding.leaseSec': 5, 'forwarding.httpTimeoutMs': 5000 } });
  receiver.fallback = { status: 200, delayMs: 400 };
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(String((await submit(session, { registered_delivery: 1 })).message_id));
  const delivered = (): OutboxRow[] => ids.flatMap((id) => t.app.store.outbox.list({ messageId: id, limit: 10 })).filter((r) => r.state === 'delivered');
  await eventually(() => delivered().length === 20, 20_000, 'all 20 delivered');
  await sleep(1_000);
  const transferIds = receiver.received.map((r) => (JSON.parse(r.body) as { transferId: string }).transferId);
  assert.equal(transferIds.length, 20, `each event sent once (got ${transferIds.length} requests)`);
  assert.deepEqual([...transferIds].sort(), [...ids].sort());
  assert.deepEqual(delivered().map((r) => r.attempts), Array(20).fill(1), 'one attempt each');
});
