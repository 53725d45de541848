/**
 * The simulated WhatsApp channel end to end (SPEC §2, §4, §5, §6): `POST /api/v1/whatsapp/messages`,
 * the accepted → sent → delivered → read lifecycle, and its status changes forwarded by rules to a
 * real HTTP receiver, an smtp-server sink and fauxqs (by default delivered and read only), and to
 * the request's callbackUrl.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount, reloadForwarding, request, sendWhatsApp, type ApiAccount, type WhatsAppAnswer } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { startFauxqs, type Fauxqs } from '../helpers/fauxqs.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { attachedDocuments, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

/** A WhatsApp status change as forwarded (JSON). */
interface StatusChange {
  messageType: string;
  notificationId: string;
  transferId: string;
  clientMessageId: string | null;
  recipientAddress: string;
  status: string;
  sentOn: string;
  statusChangedOn: string;
  deliveredAs: string;
  channel: string;
  account: string;
  errorCode: number;
  [field: string]: unknown;
}

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

interface Setup {
  t: TestApp;
  acme: ApiAccount;
  defer: (fn: () => unknown) => void;
}

async function setup(ctx: TestContext, overrides: Record<string, unknown> = {}, before?: (defer: (fn: () => unknown) => void) => Promise<Record<string, unknown>>): Promise<Setup> {
  const defer = cleanup(ctx);
  const extra = before ? await before(defer) : {};
  const t = await startApp({
    'simulator.delayMs': [0, 0],
    'whatsapp.delayMs': [10, 30],
    'whatsapp.failureRate': 0,
    'forwarding.allowPrivateTargets': true,
    ...extra,
    ...overrides,
  });
  defer(() => t.stop());
  return { t, acme: addApiAccount(t, 'acme'), defer };
}

async function receiver(defer: (fn: () => unknown) => void): Promise<HttpReceiver> {
  const r = await startReceiver();
  defer(() => r.close());
  return r;
}

function httpTarget(t: TestApp, name: string, url: string): number {
  return t.app.store.targets.add({ name, type: 'http', url, to: null, queueUrl: null, format: 'json', secret: null }).id;
}

function whatsappRule(t: TestApp, account: ApiAccount, targetId: number, statuses: string[] | null = null): void {
  t.app.store.rules.add({ accountId: account.account.id, channel: 'whatsapp', messageType: 'whatsapp', targetId, statuses, format: null });
}

function docs(r: HttpReceiver): StatusChange[] {
  return r.received.map((x) => JSON.parse(x.body) as StatusChange);
}

async function sendOk(t: TestApp, account: ApiAccount, body: Record<string, unknown>): Promise<string> {
  const answer = await sendWhatsApp(t, account.bearer, body);
  assert.equal(answer.status, 202, `WhatsApp send: wanted 202, had ${answer.status} ${answer.text}`);
  assert.equal(typeof answer.body.messageId, 'string');
  return answer.body.messageId!;
}

function waitForStatus(t: TestApp, id: string, status: string): Promise<unknown> {
  return eventually(() => {
    const now = t.app.store.messages.byId(id)?.status;
    if (now !== status) throw new Error(`message ${id} is ${now}, waiting for ${status}`);
    return true;
  }, 5000, `message ${id} ${status}`);
}

/** Checks the fields every status change of `messageId` carries. */
function assertStatusChange(doc: StatusChange, messageId: string, where: string): void {
  assert.equal(doc.messageType, 'statusChange', `${where}: messageType`);
  assert.equal(doc.transferId, messageId, `${where}: transferId = the messageId answered at send time`);
  assert.equal(doc.clientMessageId, 'wa-1', `${where}: clientMessageId echoed`);
  assert.equal(doc.recipientAddress, '436991234567', `${where}: recipientAddress`);
  assert.equal(doc.deliveredAs, 'whatsapp', `${where}: deliveredAs`);
  assert.equal(doc.account, 'acme', `${where}: account`);
  assert.match(doc.notificationId, /^[0-9a-z]{20}$/, `${where}: notificationId`);
  assert.match(doc.statusChangedOn, ISO_WITH_OFFSET, `${where}: statusChangedOn ${doc.statusChangedOn}`);
  assert.match(doc.sentOn, ISO_WITH_OFFSET, `${where}: sentOn ${doc.sentOn}`);
  assert.equal(doc.deliveryReportMessageStatus, undefined, `${where}: no SMS status field`);
}

test('a send answers 202 {messageId, status: accepted} and stores a whatsapp message', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const answer = await sendWhatsApp(t, acme.basic, { recipient: '+436991234567', text: 'Hallo 👋', clientMessageId: 'wa-1' });
  assert.equal(answer.status, 202, answer.text);
  assert.equal(answer.body.status, 'accepted');
  assert.match(String(answer.body.messageId), /^\S{1,64}$/);
  const stored = t.app.store.messages.byId(answer.body.messageId!);
  assert.ok(stored, 'stored before the answer');
  assert.equal(stored.messageType, 'whatsapp');
  assert.equal(stored.destAddr, '436991234567');
  assert.equal(stored.text, 'Hallo 👋');
  assert.equal(stored.clientRef, 'wa-1');
  await waitForStatus(t, answer.body.messageId!, 'read');
  assert.deepEqual(t.app.store.events.forMessage(answer.body.messageId!).map((e) => e.status), ['sent', 'delivered', 'read'], 'every change is a status event');
});

test('delivered and read reach an HTTP, an SMTP and an SQS target as statusChange documents; sent does not', async (ctx) => {
  let sink!: SmtpSink;
  let q!: Fauxqs;
  let hook!: HttpReceiver;
  const { t, acme } = await setup(ctx, {}, async (defer) => {
    hook = await receiver(defer);
    sink = await startSmtpSink();
    defer(() => sink.close());
    q = await startFauxqs();
    defer(() => q.close());
    return {
      'forwarding.smtp': sink.relay,
      'forwarding.sqs': { region: q.region, endpoint: q.endpoint, credentials: q.credentials, timeoutMs: 2000 },
    };
  });
  const queueUrl = await q.createQueue('whatsapp-status');
  whatsappRule(t, acme, httpTarget(t, 'hook', hook.url));
  whatsappRule(t, acme, t.app.store.targets.add({ name: 'mail', type: 'smtp', url: null, to: 'ops@acme.example', queueUrl: null, format: 'json', secret: null }).id);
  whatsappRule(t, acme, t.app.store.targets.add({ name: 'queue', type: 'sqs', url: null, to: null, queueUrl, format: 'json', secret: null }).id);
  reloadForwarding(t);

  const id = await sendOk(t, acme, { recipient: '436991234567', text: 'to three targets', clientMessageId: 'wa-1' });
  const sqsBodies: string[] = [];
  const drain = async (): Promise<void> => {
    sqsBodies.push(...(await q.receive(queueUrl)).map((m) => m.body));
  };
  await eventually(
    async () => {
      await drain();
      const had = `http ${hook.received.length}, smtp ${sink.mails.length}, sqs ${sqsBodies.length}`;
      if (hook.received.length < 2 || sink.mails.length < 2 || sqsBodies.length < 2) throw new Error(`two documents at each target wanted, had ${had}`);
      return true;
    },
    10_000,
    'delivered and read at all three targets',
  );
  await waitForStatus(t, id, 'read');
  await sleep(300);
  await drain();

  const byTarget: Record<string, StatusChange[]> = {
    http: docs(hook),
    smtp: attachedDocuments(sink).map((b) => JSON.parse(b) as StatusChange),
    sqs: sqsBodies.map((b) => JSON.parse(b) as StatusChange),
  };
  for (const [target, list] of Object.entries(byTarget)) {
    assert.deepEqual(list.map((d) => d.status).sort(), ['delivered', 'read'], `${target}: delivered and read, not sent (had ${list.map((d) => d.status).join(', ')})`);
    for (const doc of list) assertStatusChange(doc, id, `${target} ${doc.status}`);
  }
  assert.deepEqual(byTarget.http!.map((d) => d.status), ['delivered', 'read'], 'in order per message and target (http)');
  assert.deepEqual(byTarget.smtp!.map((d) => d.status), ['delivered', 'read'], 'in order per message and target (smtp)');
  assert.equal(new Set(byTarget.http!.map((d) => d.notificationId)).size, 2);
  assert.deepEqual(
    byTarget.sqs!.map((d) => d.notificationId).sort(),
    byTarget.http!.map((d) => d.notificationId).sort(),
    'one event, one notificationId, the same at every target',
  );
  for (const mail of sink.mails) {
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(mail.attachments[0]?.contentType, 'application/json');
  }
  assert.deepEqual(t.app.store.events.forMessage(id).map((e) => e.status), ['sent', 'delivered', 'read'], 'sent is recorded even though not forwarded');
});

test('a rule with statuses [sent] forwards sent (and only sent)', async (ctx) => {
  let hook!: HttpReceiver;
  const { t, acme } = await setup(ctx, {}, async (defer) => {
    hook = await receiver(defer);
    return {};
  });
  whatsappRule(t, acme, httpTarget(t, 'hook', hook.url), ['sent']);
  reloadForwarding(t);
  const id = await sendOk(t, acme, { recipient: '436991234567', text: 'sent please', clientMessageId: 'wa-1' });
  await eventually(() => hook.received.length >= 1, 5000, 'the sent change');
  await waitForStatus(t, id, 'read');
  await sleep(300);
  const got = docs(hook);
  assert.deepEqual(got.map((d) => d.status), ['sent']);
  assertStatusChange(got[0]!, id, 'sent');
});

test('failureRate 1: the message ends failed, and failed is not forwarded by default (rule or callbackUrl) but is by a rule that names it', async (ctx) => {
  let byDefault!: HttpReceiver;
  let callback!: HttpReceiver;
  let failedOnly!: HttpReceiver;
  const { t, acme } = await setup(ctx, { 'whatsapp.failureRate': 1 }, async (defer) => {
    byDefault = await receiver(defer);
    callback = await receiver(defer);
    failedOnly = await receiver(defer);
    return {};
  });
  whatsappRule(t, acme, httpTarget(t, 'default-statuses', byDefault.url));
  whatsappRule(t, acme, httpTarget(t, 'failed-only', failedOnly.url), ['failed']);
  reloadForwarding(t);
  const id = await sendOk(t, acme, { recipient: '436991234567', text: 'will fail', clientMessageId: 'wa-1', callbackUrl: callback.url });
  await waitForStatus(t, id, 'failed');
  const events = t.app.store.events.forMessage(id);
  assert.deepEqual(events.map((e) => e.status), ['sent', 'failed']);
  assert.ok(events[1]!.final, 'failed is final');
  assert.notEqual(events[1]!.errorCode, 0, 'failed carries an error code');
  await eventually(() => failedOnly.received.length === 1, 5000, 'failed at the rule that names it');
  const [failed] = docs(failedOnly);
  assertStatusChange(failed!, id, 'failed');
  assert.equal(failed!.status, 'failed');
  assert.notEqual(failed!.errorCode, 0);
  await sleep(300);
  assert.equal(byDefault.received.length, 0, `nothing at a rule with the default statuses, had ${docs(byDefault).map((d) => d.status).join(', ')}`);
  assert.equal(callback.received.length, 0, `nothing at the callbackUrl, had ${docs(callback).map((d) => d.status).join(', ')}`);
});

test('the callbackUrl receives delivered and read', async (ctx) => {
  let callback!: HttpReceiver;
  const { t, acme } = await setup(ctx, {}, async (defer) => {
    callback = await receiver(defer);
    return {};
  });
  const id = await sendOk(t, acme, { recipient: '+436991234567', text: 'call me back', clientMessageId: 'wa-1', callbackUrl: callback.url });
  await eventually(() => callback.received.length >= 2, 5000, 'delivered and read at the callback');
  await waitForStatus(t, id, 'read');
  await sleep(200);
  const got = docs(callback);
  assert.deepEqual(got.map((d) => d.status), ['delivered', 'read']);
  for (const doc of got) assertStatusChange(doc, id, `callback ${doc.status}`);
  assert.match(String(callback.received[0]!.headers['content-type']), /^application\/json/);
  assert.ok(Date.parse(got[0]!.statusChangedOn) <= Date.parse(got[1]!.statusChangedOn), 'delivered before read');
});

test('validation errors are 400 {error: {code, message}} naming the field; the server keeps serving', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const valid = { recipient: '436991234567', text: 'valid' };
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing recipient', { text: 'x' }, /recipient/],
    ['recipient with letters', { ...valid, recipient: '43699abc' }, /recipient/],
    ['recipient too short', { ...valid, recipient: '12345' }, /recipient/],
    ['recipient a list', { ...valid, recipient: ['436991234567'] }, /recipient/],
    ['missing text', { recipient: '436991234567' }, /text/],
    ['empty text', { ...valid, text: '' }, /text/],
    ['text not a string', { ...valid, text: 42 }, /text/],
    ['text too long', { ...valid, text: 'a'.repeat(5000) }, /text/],
    ['callbackUrl not a URL', { ...valid, callbackUrl: 'not a url' }, /callbackUrl/],
    ['callbackUrl ftp', { ...valid, callbackUrl: 'ftp://example.com/status' }, /callbackUrl/],
    ['clientMessageId too long', { ...valid, clientMessageId: 'c'.repeat(65) }, /clientMessageId/],
    ['a JSON array body', [valid], /body/],
  ];
  for (const [name, body, field] of cases) {
    const answer = await sendWhatsApp(t, acme.bearer, body);
    assert.equal(answer.status, 400, `${name}: wanted 400, had ${answer.status} ${answer.text}`);
    const error = answer.body?.error;
    assert.ok(error && (typeof error.code === 'string' || typeof error.code === 'number') && String(error.code).length > 0, `${name}: {error: {code}}, had ${answer.text}`);
    assert.match(String(error.message), field, `${name}: the message names the field`);
  }
  const malformed = await request<WhatsAppAnswer>(t, '/api/v1/whatsapp/messages', { auth: acme.bearer, raw: '{"recipient": ' });
  assert.equal(malformed.status, 400, `malformed JSON: ${malformed.text}`);
  assert.ok(malformed.body?.error?.message, `malformed JSON: an {error} body, had ${malformed.text}`);
  const unauthenticated = await sendWhatsApp(t, 'Bearer smscd_nope', valid);
  assert.equal(unauthenticated.status, 401, unauthenticated.text);
  assert.ok(unauthenticated.body?.error?.message, `401: an {error} body, had ${unauthenticated.text}`);
  assert.equal(t.app.store.messages.count(), 0, 'nothing stored');
  await sendOk(t, acme, valid);
});
