/**
 * `GET /healthz` and `GET /metrics` (SPEC §6): health as JSON, metrics in the Prometheus text
 * format, and counters and gauges that move when traffic flows (API submits, callback forwards,
 * SMPP binds, outbox rows).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount, request, sendSms, type ApiAccount } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { bindCollecting, messageIdOf, submitMany } from '../helpers/receipts.js';
import { bind, closeSession } from '../helpers/smpp-client.js';

async function setup(ctx: TestContext): Promise<{ t: TestApp; acme: ApiAccount; defer: (fn: () => unknown) => void }> {
  const defer = cleanup(ctx);
  const t = await startApp({
    'simulator.delayMs': [0, 0],
    'simulator.outcomes': { delivered: 1 },
    'whatsapp.delayMs': [10, 30],
    'whatsapp.failureRate': 0,
    'forwarding.allowPrivateTargets': true,
  });
  defer(() => t.stop());
  return { t, acme: addApiAccount(t, 'acme'), defer };
}

/**
 * The value of the sample `name{labels}` in Prometheus text (labels compared as a set), or
 * undefined when there is no such sample.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) got[key!] = value!;
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(got).length && wanted.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(t: TestApp): Promise<string> {
  const answer = await request(t, '/metrics');
  assert.equal(answer.status, 200, answer.text);
  return answer.text;
}

test('/healthz answers 200 {status: ok} without authentication', async (ctx) => {
  const { t } = await setup(ctx);
  const answer = await request<{ status: string }>(t, '/healthz');
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.status, 'ok');
  assert.match(String(answer.headers.get('content-type')), /^application\/json/);
});

test('/metrics is Prometheus text with the smscd metrics described and typed', async (ctx) => {
  const { t } = await setup(ctx);
  const answer = await request(t, '/metrics');
  assert.equal(answer.status, 200);
  assert.match(String(answer.headers.get('content-type')), /^text\/plain; version=0\.0\.4/, `content-type ${answer.headers.get('content-type')}`);
  for (const [name, type] of [
    ['smscd_submits_total', 'counter'],
    ['smscd_forwards_total', 'counter'],
    ['smscd_smpp_binds', 'gauge'],
    ['smscd_outbox', 'gauge'],
  ] as const) {
    assert.match(answer.text, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has HELP`);
    assert.match(answer.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
  }
});

test('API traffic moves smscd_submits_total, smscd_forwards_total and smscd_outbox (pending, failed)', async (ctx) => {
  const { t, acme, defer } = await setup(ctx);
  const callback = await startReceiver();
  defer(() => callback.close());
  const accepted = { channel: 'api', result: 'accepted' };
  const forwarded = { target: 'callback', result: 'delivered' };
  const before = await scrape(t);
  const submitsBefore = sample(before, 'smscd_submits_total', accepted) ?? 0;
  const forwardsBefore = sample(before, 'smscd_forwards_total', forwarded) ?? 0;

  const sent = await sendSms(t, acme.bearer, { recipientAddressList: ['436991000001', '436991000002', '436991000003'], messageContent: 'count me', notificationCallbackUrl: callback.url });
  assert.equal(sent.status, 200, sent.text);
  const afterSend = await scrape(t);
  assert.equal(sample(afterSend, 'smscd_submits_total', accepted), submitsBefore + 3, 'submits: +3 for three recipients');

  await eventually(() => callback.received.length === 3, 5000, 'three callbacks');
  await eventually(
    async () => {
      const text = await scrape(t);
      const forwards = sample(text, 'smscd_forwards_total', forwarded);
      const pending = sample(text, 'smscd_outbox', { target: 'callback', state: 'pending' }) ?? 0;
      if (forwards !== forwardsBefore + 3 || pending !== 0) throw new Error(`forwards_total ${forwards} (wanted ${forwardsBefore + 3}), outbox pending ${pending} (wanted 0)`);
      return true;
    },
    5000,
    'forwards counted and the outbox drained',
  );
  // Only the live states are gauged (counted in their partial indexes); delivered is a total, the counter's.
  assert.equal(sample(await scrape(t), 'smscd_outbox', { target: 'callback', state: 'delivered' }), undefined, 'no gauge of delivered rows');

  // A forward refused for good (400) shows as failed, until retried or looked into.
  callback.script.push({ status: 400 });
  const refusedForward = await sendSms(t, acme.bearer, { recipientAddressList: ['436991000004'], messageContent: 'refused', notificationCallbackUrl: callback.url });
  assert.equal(refusedForward.status, 200, refusedForward.text);
  await eventually(async () => sample(await scrape(t), 'smscd_outbox', { target: 'callback', state: 'failed' }) === 1, 5000, 'smscd_outbox{state="failed"} 1');

  const slow = addApiAccount(t, 'slow', 'pw-secret', { rate: 1 });
  const throttledBefore = sample(await scrape(t), 'smscd_submits_total', { channel: 'api', result: 'throttled' }) ?? 0;
  const refused = await sendSms(t, slow.bearer, { recipientAddressList: ['436991000001', '436991000002'], messageContent: 'over the rate' });
  assert.equal(refused.status, 429, refused.text);
  assert.equal(sample(await scrape(t), 'smscd_submits_total', { channel: 'api', result: 'throttled' }), throttledBefore + 1, 'a throttled request is counted');
  assert.equal(sample(await scrape(t), 'smscd_submits_total', accepted), submitsBefore + 4, 'and not as accepted (3 + the refused forward above)');
});

test('smscd_smpp_binds shows bound SMPP sessions by account', async (ctx) => {
  const { t, acme, defer } = await setup(ctx);
  assert.equal(sample(await scrape(t), 'smscd_smpp_binds', { account: 'acme' }) ?? 0, 0, 'no bind yet');
  const first = await bind(t.port, 'acme', acme.password);
  defer(() => closeSession(first.session));
  assert.equal(first.response.command_status, 0);
  await eventually(async () => sample(await scrape(t), 'smscd_smpp_binds', { account: 'acme' }) === 1, 2000, 'one bind shown');
  const second = await bind(t.port, 'acme', acme.password, 'transmitter');
  defer(() => closeSession(second.session));
  assert.equal(second.response.command_status, 0);
  await eventually(async () => sample(await scrape(t), 'smscd_smpp_binds', { account: 'acme' }) === 2, 2000, 'two binds shown');
  await closeSession(first.session);
  await closeSession(second.session);
  await eventually(async () => (sample(await scrape(t), 'smscd_smpp_binds', { account: 'acme' }) ?? 0) === 0, 2000, 'no bind after both closed');
});

test('smscd_smpp_receipts_sent_total counts receipts by the client answer: acked and refused', async (ctx) => {
  const { t, acme, defer } = await setup(ctx);
  const { session, collector } = await bindCollecting(t.port, 'acme', acme.password, 'transceiver');
  defer(() => closeSession(session));
  // The second message's receipt is refused for good (ESME_RX_P_APPN), the others acknowledged.
  collector.shouldAnswer = (pdu) => {
    if (collector.count !== 2) return true;
    session.send(pdu.response({ command_status: 0x64 }));
    return false;
  };
  const responses = await submitMany(session, [0, 1, 2].map(() => ({ registered_delivery: 1 })));
  responses.forEach((r) => messageIdOf(r));
  await collector.waitFor(3);
  await eventually(
    async () => {
      const text = await scrape(t);
      return sample(text, 'smscd_smpp_receipts_sent_total', { result: 'acked' }) === 2 && sample(text, 'smscd_smpp_receipts_sent_total', { result: 'refused' }) === 1;
    },
    5000,
    'smscd_smpp_receipts_sent_total{result="acked"} 2 and {result="refused"} 1',
  );
});
