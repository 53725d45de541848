/**
 * The websms-compatible send API end to end (SPEC §6, §5): `POST /rest/smsmessaging/text` and
 * `/simple` with Basic and Bearer auth, the websms answer and status codes, the delivery report
 * at a real notificationCallbackUrl receiver, the account's api format, rates and body limits.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { convert } from 'xmlbuilder2';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount, basic, bearer, reloadForwarding, request, sendSms, type ApiAccount, type WebsmsAnswer } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { cli } from '../helpers/cli.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';

interface Setup {
  t: TestApp;
  receiver: HttpReceiver;
  acme: ApiAccount;
}

/** A delivery report as the callback receives it (JSON). */
interface DeliveryReport {
  messageType: string;
  notificationId: string;
  transferId: string;
  clientMessageId: string | null;
  senderAddress: string;
  recipientAddress: string;
  deliveryReportMessageStatus: string;
  sentOn: string;
  deliveredOn: string;
  deliveredAs: string;
  [field: string]: unknown;
}

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

async function setup(ctx: TestContext, account: Parameters<TestApp['addAccount']>[2] = {}): Promise<Setup> {
  const defer = cleanup(ctx);
  const receiver = await startReceiver();
  defer(() => receiver.close());
  const t = await startApp({
    'simulator.delayMs': [0, 0],
    'simulator.outcomes': { delivered: 1 },
    'whatsapp.delayMs': [10, 30],
    'whatsapp.failureRate': 0,
    'forwarding.allowPrivateTargets': true,
  });
  defer(() => t.stop());
  const acme = addApiAccount(t, 'acme', 'pw-secret', account);
  return { t, receiver, acme };
}

function reports(receiver: HttpReceiver): DeliveryReport[] {
  return receiver.received.map((r) => JSON.parse(r.body) as DeliveryReport);
}

function messagesOf(t: TestApp, systemId: string, transferId?: string | null) {
  const accountId = t.app.store.accounts.bySystemId(systemId)!.id;
  return t.app.store.messages.list({ accountId, limit: 1000 }).filter((m) => transferId === undefined || m.transferId === transferId);
}

test('a send answers 2000 with a transferId, and its delivery report reaches notificationCallbackUrl with the websms fields', async (ctx) => {
  const { t, receiver, acme } = await setup(ctx);
  const sent = await sendSms(t, acme.bearer, {
    recipientAddressList: ['+436991234567'],
    messageContent: 'Hello from the websms API',
    senderAddress: '436601234567',
    clientMessageId: 'order-4711',
    notificationCallbackUrl: `${receiver.url}?secret=abc`,
  });
  assert.equal(sent.status, 200, `send answered ${sent.status}: ${sent.text}`);
  const transferId = sent.body.transferId;
  assert.equal(typeof transferId, 'string', `a transferId string, got ${JSON.stringify(transferId)}`);
  assert.deepEqual(sent.body, { statusCode: 2000, statusMessage: 'OK', transferId, clientMessageId: 'order-4711', smsCount: 1 });

  await eventually(() => receiver.received.length >= 1, 5000, 'the delivery report at the callback');
  const req = receiver.received[0]!;
  assert.match(String(req.headers['content-type']), /^application\/json/);
  const doc = JSON.parse(req.body) as DeliveryReport;
  assert.equal(doc.messageType, 'deliveryReport');
  assert.match(doc.notificationId, /^[0-9a-z]{20}$/, `a 20-character notificationId, got ${doc.notificationId}`);
  assert.equal(doc.transferId, transferId, 'transferId = the one answered at send time');
  assert.equal(doc.clientMessageId, 'order-4711', 'clientMessageId echoed');
  assert.equal(doc.senderAddress, '436601234567');
  assert.equal(doc.recipientAddress, '436991234567', 'E.164 digits without "+"');
  assert.equal(doc.deliveryReportMessageStatus, 'delivered');
  assert.match(doc.sentOn, ISO_WITH_OFFSET, `sentOn ISO 8601 with offset, got ${doc.sentOn}`);
  assert.match(doc.deliveredOn, ISO_WITH_OFFSET, `deliveredOn ISO 8601 with offset, got ${doc.deliveredOn}`);
  assert.ok(Date.parse(doc.sentOn) <= Date.parse(doc.deliveredOn), `sentOn ${doc.sentOn} is not after deliveredOn ${doc.deliveredOn}`);
  assert.equal(doc.deliveredAs, 'sms');
  assert.equal(doc.channel, 'api');
  assert.equal(doc.account, 'acme');

  const [message] = messagesOf(t, 'acme', transferId);
  assert.ok(message, 'the message is stored under its transferId');
  await eventually(() => t.app.store.outbox.list({ messageId: message.id, limit: 10 }).every((o) => o.state === 'delivered'), 5000, 'the forward recorded as delivered');
  assert.equal(receiver.received.length, 1, 'one report for one final status');
});

test('/simple takes the same JSON, answers the same and reports the same way', async (ctx) => {
  const { t, receiver, acme } = await setup(ctx);
  const sent = await sendSms(t, acme.basic, { recipientAddressList: ['436991234568'], messageContent: 'simple', clientMessageId: 'simple-1', notificationCallbackUrl: receiver.url }, '/rest/smsmessaging/simple');
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.statusCode, 2000);
  assert.equal(sent.body.statusMessage, 'OK');
  assert.equal(sent.body.clientMessageId, 'simple-1');
  assert.equal(sent.body.smsCount, 1);
  assert.equal(typeof sent.body.transferId, 'string');
  await eventually(() => receiver.received.length === 1, 5000, 'the delivery report');
  const [doc] = reports(receiver);
  assert.equal(doc!.transferId, sent.body.transferId);
  assert.equal(doc!.deliveryReportMessageStatus, 'delivered');
  assert.equal(doc!.recipientAddress, '436991234568');
});

test('Bearer and Basic both authenticate a send', async (ctx) => {
  const { t, acme } = await setup(ctx);
  for (const [name, auth] of [['Bearer', acme.bearer], ['Basic', acme.basic], ['lower-case scheme', acme.bearer.replace('Bearer', 'bearer')]] as const) {
    const sent = await sendSms(t, auth, { recipientAddressList: ['436991234567'], messageContent: `via ${name}` });
    assert.equal(sent.status, 200, `${name}: ${sent.text}`);
    assert.equal(sent.body.statusCode, 2000, name);
  }
  const charset = await request<WebsmsAnswer>(t, '/rest/smsmessaging/text', { auth: acme.bearer, json: { recipientAddressList: ['436991234567'], messageContent: 'charset' }, contentType: 'application/json; charset=utf-8' });
  assert.equal(charset.status, 200, `application/json; charset=utf-8: ${charset.text}`);
  assert.equal(messagesOf(t, 'acme').length, 4);
});

test('recipientAddressList takes numbers as well as strings, as websms clients send them', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const answer = await sendSms(t, acme.bearer, { recipientAddressList: [436991234567, '+436991234568'], messageContent: 'numbers' });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(messagesOf(t, 'acme', answer.body.transferId).map((m) => m.destAddr).sort(), ['436991234567', '436991234568']);
});

test('every authentication failure is 401 with statusCode 4001 and a message, and stores nothing', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const body = { recipientAddressList: ['436991234567'], messageContent: 'nope' };
  const cases: Array<[string, string | undefined]> = [
    ['no Authorization header', undefined],
    ['an unsupported scheme', 'Digest username="acme"'],
    ['malformed Basic (no colon)', `Basic ${Buffer.from('acme-without-colon').toString('base64')}`],
    ['malformed Basic (empty user)', `Basic ${Buffer.from(':pw-secret').toString('base64')}`],
    ['Basic without credentials', 'Basic'],
    ['an unknown user', basic('nobody', 'pw-secret')],
    ['a wrong password', basic('acme', 'wrong-password')],
    ['a bad token', bearer('smscd_not-a-token')],
    ['an empty Bearer token', 'Bearer'],
    ['the password as a Bearer token', bearer(acme.password)],
  ];
  for (const [name, auth] of cases) {
    const answer = await request<WebsmsAnswer>(t, '/rest/smsmessaging/text', { json: body, ...(auth === undefined ? {} : { auth }) });
    assert.equal(answer.status, 401, `${name}: wanted 401, had ${answer.status} ${answer.text}`);
    assert.equal(answer.body?.statusCode, 4001, `${name}: wanted statusCode 4001, had ${answer.text}`);
    assert.ok(typeof answer.body.statusMessage === 'string' && answer.body.statusMessage.length > 0, `${name}: a statusMessage, had ${answer.text}`);
    assert.ok(answer.headers.get('www-authenticate'), `${name}: a WWW-Authenticate header`);
  }
  assert.equal(t.app.store.messages.count(), 0, 'nothing stored');
  const ok = await sendSms(t, acme.basic, body);
  assert.equal(ok.status, 200, `the server still serves: ${ok.text}`);
});

test('a password change through the CLI invalidates a remembered Basic credential within a second', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const body = { recipientAddressList: ['436991234567'], messageContent: 'remembered' };
  assert.equal((await sendSms(t, acme.basic, body)).status, 200, 'first Basic send (verified, then remembered)');
  assert.equal((await sendSms(t, acme.basic, body)).status, 200, 'second Basic send (remembered)');
  const changed = await cli(['account', 'set', 'acme', '--password', 'new-secret', '--db', t.dbPath]);
  assert.equal(changed.code, 0, changed.stderr);
  const changedAt = Date.now();
  const refused = await eventually(
    async () => {
      const answer = await sendSms(t, acme.basic, body);
      if (answer.status !== 401) throw new Error(`the old password still answered ${answer.status}`);
      return answer;
    },
    1500,
    'the old password refused',
  );
  assert.equal(refused.body.statusCode, 4001);
  assert.ok(Date.now() - changedAt <= 1500, `refused ${Date.now() - changedAt} ms after the change`);
  const fresh = await sendSms(t, basic('acme', 'new-secret'), body);
  assert.equal(fresh.status, 200, `the new password works: ${fresh.text}`);
  assert.equal((await sendSms(t, acme.bearer, body)).status, 200, 'the API token is unaffected');
});

test('a new API token (account set --new-token) refuses the remembered old one at once', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const body = { recipientAddressList: ['436991234567'], messageContent: 'token' };
  assert.equal((await sendSms(t, acme.bearer, body)).status, 200, 'first Bearer send (looked up, then remembered)');
  assert.equal((await sendSms(t, acme.bearer, body)).status, 200, 'second Bearer send (remembered)');
  const changed = await cli(['account', 'set', 'acme', '--new-token', '--json', '--db', t.dbPath]);
  assert.equal(changed.code, 0, changed.stderr);
  const token = (JSON.parse(changed.stdout) as { apiToken?: string }).apiToken;
  assert.ok(token, `the new token is shown once: ${changed.stdout}`);
  // No wait for the reload: the remembered token counts only while the account still has it.
  const old = await sendSms(t, acme.bearer, body);
  assert.equal(old.status, 401, `the old token: ${old.text}`);
  assert.equal(old.body.statusCode, 4001);
  assert.equal((await sendSms(t, bearer(token), body)).status, 200, 'the new token works');
});

test('each validation error has its websms statusCode and a message naming the field; the server keeps serving', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const valid = { recipientAddressList: ['436991234567'], messageContent: 'valid' };
  const cases: Array<[string, Record<string, unknown>, number, RegExp]> = [
    ['missing recipientAddressList', { messageContent: 'x' }, 4019, /recipientAddressList/],
    ['recipientAddressList not a list', { ...valid, recipientAddressList: '436991234567' }, 4002, /recipientAddressList/],
    ['empty recipientAddressList', { ...valid, recipientAddressList: [] }, 4002, /recipientAddressList/],
    ['letters in an MSISDN (index 1)', { ...valid, recipientAddressList: ['436991234567', '43699abc'] }, 4002, /recipientAddressList\[1\]/],
    ['a too short MSISDN (index 0)', { ...valid, recipientAddressList: ['12345'] }, 4002, /recipientAddressList\[0\]/],
    ['a leading zero (index 2)', { ...valid, recipientAddressList: ['436991234567', '436991234568', '06991234567'] }, 4002, /recipientAddressList\[2\]/],
    ['missing messageContent', { recipientAddressList: ['436991234567'] }, 4019, /messageContent/],
    ['empty messageContent', { ...valid, messageContent: '' }, 4009, /messageContent/],
    ['messageContent not a string', { ...valid, messageContent: 42 }, 4009, /messageContent/],
    ['messageContent too long', { ...valid, messageContent: 'a'.repeat(5000) }, 4009, /messageContent/],
    ['senderAddress too long', { ...valid, senderAddress: 'A sender far too long' }, 4003, /senderAddress/],
    ['senderAddress with symbols', { ...valid, senderAddress: 'Acme<>!' }, 4003, /senderAddress/],
    ['senderAddress not a string', { ...valid, senderAddress: 436601234567 }, 4003, /senderAddress/],
    ['clientMessageId too long', { ...valid, clientMessageId: 'c'.repeat(65) }, 4008, /clientMessageId/],
    ['clientMessageId empty', { ...valid, clientMessageId: '' }, 4008, /clientMessageId/],
    ['clientMessageId not a string', { ...valid, clientMessageId: { id: 1 } }, 4008, /clientMessageId/],
    ['notificationCallbackUrl not a URL', { ...valid, notificationCallbackUrl: 'not a url' }, 4016, /notificationCallbackUrl/],
    ['notificationCallbackUrl ftp', { ...valid, notificationCallbackUrl: 'ftp://example.com/dlr' }, 4016, /notificationCallbackUrl/],
    ['validityPeriode below 60 s', { ...valid, validityPeriode: 59 }, 4022, /validityPeriode/],
    ['validityPeriode over 3 days', { ...valid, validityPeriode: 259_201 }, 4022, /validityPeriode/],
    ['validityPeriode not a number', { ...valid, validityPeriode: '3600' }, 4022, /validityPeriode/],
    ['validityPeriode fractional', { ...valid, validityPeriode: 60.5 }, 4022, /validityPeriode/],
  ];
  for (const [name, body, code, field] of cases) {
    const answer = await sendSms(t, acme.bearer, body);
    assert.equal(answer.status, 400, `${name}: wanted HTTP 400, had ${answer.status} ${answer.text}`);
    assert.equal(answer.body?.statusCode, code, `${name}: wanted statusCode ${code}, had ${answer.text}`);
    assert.match(String(answer.body.statusMessage), field, `${name}: the message names the field`);
  }
  for (const value of ['yes', 1, 'true']) {
    const answer = await sendSms(t, acme.bearer, { ...valid, test: value });
    assert.equal(answer.status, 400, `test: ${JSON.stringify(value)}: wanted 400, had ${answer.status} ${answer.text}`);
    assert.ok(answer.body.statusCode >= 4000 && answer.body.statusCode < 5000, `test: ${JSON.stringify(value)}: a 4xxx statusCode, had ${answer.text}`);
    assert.match(String(answer.body.statusMessage), /\btest\b/, `test: ${JSON.stringify(value)}: the message names the field`);
  }
  const notAnObject = await sendSms(t, acme.bearer, [valid]);
  assert.equal(notAnObject.status, 400, `a JSON array body: ${notAnObject.text}`);
  assert.equal(t.app.store.messages.count(), 0, 'nothing stored for refused requests');
  const ok = await sendSms(t, acme.bearer, valid);
  assert.equal(ok.status, 200, `a valid request after the refusals: ${ok.text}`);
  assert.equal(ok.body.statusCode, 2000);
});

test('malformed JSON is 400, a body over http.bodyLimit 413 and a wrong content type 415, all with websms bodies; the server keeps serving', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const path = '/rest/smsmessaging/text';
  const websmsBody = (name: string, answer: { text: string; body: WebsmsAnswer }): void => {
    assert.ok(answer.body !== null && typeof answer.body.statusCode === 'number' && answer.body.statusCode >= 4000 && answer.body.statusCode < 5000, `${name}: a websms body with a 4xxx statusCode, had ${answer.text}`);
    assert.ok(typeof answer.body.statusMessage === 'string' && answer.body.statusMessage.length > 0, `${name}: a statusMessage, had ${answer.text}`);
  };

  const malformed = await request<WebsmsAnswer>(t, path, { auth: acme.bearer, raw: '{"recipientAddressList": ["436991234567"], "messageContent": ' });
  assert.equal(malformed.status, 400, `malformed JSON: ${malformed.text}`);
  websmsBody('malformed JSON', malformed);

  const empty = await request<WebsmsAnswer>(t, path, { auth: acme.bearer, raw: '' });
  assert.equal(empty.status, 400, `an empty JSON body: ${empty.text}`);
  websmsBody('empty body', empty);

  const limit = t.config.http.bodyLimit;
  const huge = JSON.stringify({ recipientAddressList: ['436991234567'], messageContent: 'x'.repeat(limit + 1024) });
  const tooLarge = await request<WebsmsAnswer>(t, path, { auth: acme.bearer, raw: huge });
  assert.equal(tooLarge.status, 413, `a ${huge.length}-byte body over the ${limit}-byte limit: ${tooLarge.status} ${tooLarge.text.slice(0, 200)}`);
  websmsBody('too large', tooLarge);

  for (const contentType of ['application/x-www-form-urlencoded', 'application/xml']) {
    const wrong = await request<WebsmsAnswer>(t, path, { auth: acme.bearer, raw: 'recipientAddressList=436991234567&messageContent=hi', contentType });
    assert.equal(wrong.status, 415, `${contentType}: ${wrong.status} ${wrong.text}`);
    websmsBody(contentType, wrong);
  }

  assert.equal(t.app.store.messages.count(), 0, 'nothing stored');
  const ok = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'still here' });
  assert.equal(ok.status, 200, `a valid request afterwards: ${ok.text}`);
  const health = await request(t, '/healthz');
  assert.equal(health.status, 200);
});

test('a recipient nested 30,000 arrays deep is 400 4002, not a 500 (found by the fuzzer: JSON.stringify overflowed)', async (ctx) => {
  const { t, acme } = await setup(ctx);
  // Valid JSON just under http.bodyLimit (65536): {"recipientAddressList":[[[…]]],"messageContent":"x"}
  const body = `{"recipientAddressList":${'['.repeat(30_000)}${']'.repeat(30_000)},"messageContent":"x"}`;
  assert.ok(body.length < t.config.http.bodyLimit);
  const answer = await request<WebsmsAnswer>(t, '/rest/smsmessaging/text', { auth: acme.bearer, raw: body });
  assert.equal(answer.status, 400, `wanted 400, had ${answer.status} ${answer.text.slice(0, 200)}`);
  assert.equal(answer.body.statusCode, 4002);
  assert.match(answer.body.statusMessage, /recipientAddressList\[0\] is not an MSISDN in international format: an array/);
  assert.equal(t.app.store.messages.count(), 0);
});

test('a JSON body sent as text/plain is 415, not a misleading "must be a JSON object"', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const body = JSON.stringify({ recipientAddressList: ['436991234567'], messageContent: 'labelled as text' });
  const answer = await request<WebsmsAnswer>(t, '/rest/smsmessaging/text', { auth: acme.bearer, raw: body, contentType: 'text/plain' });
  assert.equal(answer.status, 415, `text/plain: wanted 415, had ${answer.status} ${answer.text}`);
  assert.equal(t.app.store.messages.count(), 0);
});

test('test: true answers 2000 and stores and forwards nothing', async (ctx) => {
  const { t, receiver, acme } = await setup(ctx);
  const before = t.app.store.messages.count();
  const answer = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567', '436991234568'], messageContent: 'dry run', clientMessageId: 'dry-1', notificationCallbackUrl: receiver.url, test: true });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.statusCode, 2000);
  assert.equal(answer.body.clientMessageId, 'dry-1');
  assert.equal(answer.body.smsCount, 1);
  assert.equal(t.app.store.messages.count(), before, 'no message stored');
  const invalid = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'dry run', senderAddress: '!!!', test: true });
  assert.equal(invalid.status, 400, `test: true still validates: ${invalid.text}`);
  assert.equal(invalid.body.statusCode, 4003);
  // A real send afterwards: its report is the only thing the receiver ever sees.
  const real = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'real', notificationCallbackUrl: receiver.url });
  assert.equal(real.status, 200, real.text);
  await eventually(() => receiver.received.length >= 1, 5000, 'the real send\'s report');
  await sleep(200);
  assert.deepEqual(reports(receiver).map((r) => r.transferId), [real.body.transferId], 'only the real send was reported');
  assert.equal(t.app.store.messages.count(), before + 1);
});

test('a multi-recipient send: one transferId, one stored message and one report per recipient', async (ctx) => {
  const { t, receiver, acme } = await setup(ctx);
  const recipients = ['436991000001', '436991000002', '+436991000003'];
  const answer = await sendSms(t, acme.bearer, { recipientAddressList: recipients, messageContent: 'to three', clientMessageId: 'multi', notificationCallbackUrl: receiver.url });
  assert.equal(answer.status, 200, answer.text);
  const transferId = answer.body.transferId!;
  const stored = messagesOf(t, 'acme', transferId);
  assert.deepEqual(stored.map((m) => m.destAddr).sort(), ['436991000001', '436991000002', '436991000003'], 'one message per recipient');
  assert.equal(messagesOf(t, 'acme').length, 3, 'and no others');
  assert.ok(stored.every((m) => m.clientRef === 'multi' && m.channel === 'api' && m.messageType === 'sms'));
  assert.equal(new Set(stored.map((m) => m.id)).size, 3, 'distinct message ids');

  await eventually(() => receiver.received.length === 3, 5000, 'three reports');
  const docs = reports(receiver);
  assert.ok(docs.every((d) => d.transferId === transferId), `every report carries the one transferId ${transferId}: ${docs.map((d) => d.transferId).join(', ')}`);
  assert.deepEqual(docs.map((d) => d.recipientAddress).sort(), ['436991000001', '436991000002', '436991000003']);
  assert.equal(new Set(docs.map((d) => d.notificationId)).size, 3, 'a notificationId per event');
});

test('smsCount counts GSM septets (160 / 153 per part) and UCS2 characters (70 / 67 per part)', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const cases: Array<[string, string, number]> = [
    ['160 GSM characters', 'a'.repeat(160), 1],
    ['161 GSM characters', 'a'.repeat(161), 2],
    ['306 GSM characters', 'a'.repeat(306), 2],
    ['307 GSM characters', 'a'.repeat(307), 3],
    ['158 GSM + € (2 septets) = 160 septets', `${'a'.repeat(158)}€`, 1],
    ['159 GSM + € (2 septets) = 161 septets', `${'a'.repeat(159)}€`, 2],
    ['70 UCS2 characters', 'Ж'.repeat(70), 1],
    ['71 UCS2 characters', 'Ж'.repeat(71), 2],
    ['134 UCS2 characters', 'Ж'.repeat(134), 2],
    ['135 UCS2 characters', 'Ж'.repeat(135), 3],
    ['one UCS2 character makes the whole text UCS2', `${'a'.repeat(70)}Ж`, 2],
  ];
  for (const [name, text, parts] of cases) {
    const answer = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: text });
    assert.equal(answer.status, 200, `${name}: ${answer.text}`);
    assert.equal(answer.body.smsCount, parts, `${name}: wanted smsCount ${parts}, had ${answer.body.smsCount}`);
  }
});

test('over the account rate: HTTP 429 with statusCode 4013, and none of the recipients is stored', async (ctx) => {
  const { t, acme } = await setup(ctx, { rate: 2 });
  const recipients = ['436991000001', '436991000002', '436991000003', '436991000004', '436991000005'];
  const answer = await sendSms(t, acme.bearer, { recipientAddressList: recipients, messageContent: 'too many at once' });
  assert.equal(answer.status, 429, `5 recipients at rate 2: ${answer.status} ${answer.text}`);
  assert.equal(answer.body.statusCode, 4013);
  assert.ok(answer.body.statusMessage.length > 0);
  assert.equal(t.app.store.messages.count(), 0, 'all or nothing');
  const within = await sendSms(t, acme.bearer, { recipientAddressList: recipients.slice(0, 2), messageContent: 'within the rate' });
  assert.equal(within.status, 200, `2 recipients at rate 2: ${within.text}`);
});

test('the account api format: xml (CLI) makes the callback XML, none sends nothing', async (ctx) => {
  const { t, receiver, acme } = await setup(ctx);
  const set = await cli(['account', 'set', 'acme', '--api-format', 'xml', '--db', t.dbPath]);
  assert.equal(set.code, 0, set.stderr);
  // SPEC §8: a CLI change reaches the running server within a second.
  await sleep(1000);
  const xmlSend = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'as xml', clientMessageId: 'xml-1', notificationCallbackUrl: receiver.url });
  assert.equal(xmlSend.status, 200, xmlSend.text);
  await eventually(() => receiver.received.length === 1, 5000, 'the XML report');
  const req = receiver.received[0]!;
  assert.match(String(req.headers['content-type']), /^application\/xml/);
  assert.match(req.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  const parsed = convert(req.body, { format: 'object' }) as { deliveryReport?: Record<string, string> };
  assert.ok(parsed.deliveryReport, `root element deliveryReport: ${req.body.slice(0, 200)}`);
  assert.equal(parsed.deliveryReport.transferId, xmlSend.body.transferId);
  assert.equal(parsed.deliveryReport.clientMessageId, 'xml-1');
  assert.equal(parsed.deliveryReport.deliveryReportMessageStatus, 'delivered');
  assert.equal(parsed.deliveryReport.deliveredAs, 'sms');

  t.app.store.accounts.update('acme', { apiFormat: 'none' });
  reloadForwarding(t);
  const silent = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'no report', notificationCallbackUrl: receiver.url });
  assert.equal(silent.status, 200, silent.text);
  const [message] = messagesOf(t, 'acme', silent.body.transferId);
  await eventually(() => t.app.store.events.forMessage(message!.id).some((e) => e.final), 5000, 'the final status recorded');
  await sleep(300);
  assert.equal(receiver.received.length, 1, 'nothing more arrived at the callback');
  assert.deepEqual(t.app.store.outbox.list({ messageId: message!.id, limit: 10 }), [], 'no outbox row');
});
