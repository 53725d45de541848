/**
 * Message status for API clients (SPEC §6): `GET /api/v1/messages/:id` (the status timeline with
 * times and the forwards) and `GET /api/v1/messages` (filters, cursor paging); an account sees
 * only its own messages.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount, request, sendSms, sendWhatsApp, type ApiAccount } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { bind, closeSession, submit } from '../helpers/smpp-client.js';

interface TimelineEntry {
  status: string;
  at: string;
  errorCode: number;
}

interface ForwardView {
  eventId: number;
  target: string;
  state: string;
  attempts: number;
  lastCode: string | null;
  doneAt: string | null;
}

interface MessageSummary {
  id: string;
  transferId: string | null;
  clientMessageId: string | null;
  channel: string;
  type: string;
  from: string;
  to: string;
  text: string | null;
  status: string;
  errorCode: number;
  smsCount: number;
  submittedAt: string;
  doneAt: string | null;
}

interface MessageView extends MessageSummary {
  timeline: TimelineEntry[];
  forwards: ForwardView[];
}

interface MessageList {
  items: MessageSummary[];
  nextCursor: string | null;
}

interface ErrorBody {
  error: { code: string | number; message: string };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

interface Setup {
  t: TestApp;
  acme: ApiAccount;
  defer: (fn: () => unknown) => void;
}

async function setup(ctx: TestContext): Promise<Setup> {
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

async function receiver(defer: (fn: () => unknown) => void): Promise<HttpReceiver> {
  const r = await startReceiver();
  defer(() => r.close());
  return r;
}

function waitForStatus(t: TestApp, id: string, status: string): Promise<unknown> {
  return eventually(() => {
    const now = t.app.store.messages.byId(id)?.status;
    if (now !== status) throw new Error(`message ${id} is ${now}, waiting for ${status}`);
    return true;
  }, 5000, `message ${id} ${status}`);
}

function waitForwarded(t: TestApp, id: string, count: number): Promise<unknown> {
  return eventually(() => {
    const rows = t.app.store.outbox.list({ messageId: id, limit: 100 });
    if (rows.length !== count || rows.some((r) => r.state !== 'delivered')) throw new Error(`outbox of ${id}: ${rows.map((r) => r.state).join(', ') || 'empty'}`);
    return true;
  }, 5000, `${count} forwards of ${id} delivered`);
}

function list(t: TestApp, account: ApiAccount, query = ''): Promise<{ status: number; text: string; body: MessageList }> {
  return request<MessageList>(t, `/api/v1/messages${query ? `?${query}` : ''}`, { auth: account.bearer });
}

async function ids(t: TestApp, account: ApiAccount, query: string): Promise<string[]> {
  const answer = await list(t, account, query);
  assert.equal(answer.status, 200, `GET /api/v1/messages?${query}: ${answer.text}`);
  assert.equal(answer.body.nextCursor, null, `${query}: one page`);
  return answer.body.items.map((m) => m.id).sort();
}

function assertInTimeOrder(timeline: TimelineEntry[]): void {
  for (const entry of timeline) assert.match(entry.at, ISO, `${entry.status} at ${entry.at}`);
  for (let i = 1; i < timeline.length; i++) {
    assert.ok(Date.parse(timeline[i - 1]!.at) <= Date.parse(timeline[i]!.at), `${timeline[i - 1]!.status} (${timeline[i - 1]!.at}) before ${timeline[i]!.status} (${timeline[i]!.at})`);
  }
}

test('an SMS: the timeline is submitted then delivered with times, and the forward to its callback is shown', async (ctx) => {
  const { t, acme, defer } = await setup(ctx);
  const callback = await receiver(defer);
  const sent = await sendSms(t, acme.bearer, { recipientAddressList: ['436991234567'], messageContent: 'timeline', senderAddress: 'Acme', clientMessageId: 'tl-1', notificationCallbackUrl: callback.url });
  assert.equal(sent.status, 200, sent.text);
  // The websms answer carries the transferId; the list shows which message id belongs to it.
  const listed = await list(t, acme);
  const item = listed.body.items.find((m) => m.transferId === sent.body.transferId);
  assert.ok(item, `the list shows the message of transferId ${sent.body.transferId}: ${listed.text}`);
  await waitForStatus(t, item.id, 'delivered');
  await waitForwarded(t, item.id, 1);

  const answer = await request<MessageView>(t, `/api/v1/messages/${item.id}`, { auth: acme.basic });
  assert.equal(answer.status, 200, answer.text);
  const view = answer.body;
  assert.equal(view.id, item.id);
  assert.equal(view.transferId, sent.body.transferId);
  assert.equal(view.clientMessageId, 'tl-1');
  assert.equal(view.type, 'sms');
  assert.equal(view.channel, 'api');
  assert.equal(view.from, 'Acme');
  assert.equal(view.to, '436991234567');
  assert.equal(view.text, 'timeline');
  assert.equal(view.status, 'delivered');
  assert.equal(view.smsCount, 1);
  assert.match(view.submittedAt, ISO);
  assert.match(String(view.doneAt), ISO, 'doneAt once final');
  assert.deepEqual(view.timeline.map((e) => e.status), ['submitted', 'delivered']);
  assertInTimeOrder(view.timeline);
  assert.equal(view.timeline[0]!.at, view.submittedAt, 'submitted at the submit time');
  assert.equal(view.forwards.length, 1, `one forward: ${JSON.stringify(view.forwards)}`);
  assert.equal(view.forwards[0]!.state, 'delivered');
  assert.equal(view.forwards[0]!.attempts, 1);
  assert.match(String(view.forwards[0]!.doneAt), ISO);
});

test('a WhatsApp message: accepted, sent, delivered, read in time order, and its two forwards', async (ctx) => {
  const { t, acme, defer } = await setup(ctx);
  const callback = await receiver(defer);
  const sent = await sendWhatsApp(t, acme.bearer, { recipient: '436991234567', text: 'wa timeline', clientMessageId: 'wa-tl', callbackUrl: callback.url });
  assert.equal(sent.status, 202, sent.text);
  const id = sent.body.messageId!;
  await waitForStatus(t, id, 'read');
  await waitForwarded(t, id, 2);

  const answer = await request<MessageView>(t, `/api/v1/messages/${id}`, { auth: acme.bearer });
  assert.equal(answer.status, 200, answer.text);
  const view = answer.body;
  assert.equal(view.type, 'whatsapp');
  assert.equal(view.status, 'read');
  assert.equal(view.clientMessageId, 'wa-tl');
  assert.deepEqual(view.timeline.map((e) => e.status), ['accepted', 'sent', 'delivered', 'read']);
  assertInTimeOrder(view.timeline);
  assert.ok(view.timeline.every((e) => e.errorCode === 0));
  assert.deepEqual(view.forwards.map((f) => f.state), ['delivered', 'delivered'], `the delivered and read forwards: ${JSON.stringify(view.forwards)}`);
  assert.equal(new Set(view.forwards.map((f) => f.eventId)).size, 2, 'one forward per event');
});

test('another account\'s message id is 404 like an unknown one; unauthenticated is 401', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const globex = addApiAccount(t, 'globex', 'other-pw');
  const sent = await sendWhatsApp(t, acme.bearer, { recipient: '436991234567', text: 'mine' });
  assert.equal(sent.status, 202, sent.text);
  const id = sent.body.messageId!;
  assert.equal((await request(t, `/api/v1/messages/${id}`, { auth: acme.bearer })).status, 200, 'the owner sees it');

  const foreign = await request<ErrorBody>(t, `/api/v1/messages/${id}`, { auth: globex.bearer });
  assert.equal(foreign.status, 404, `another account: ${foreign.status} ${foreign.text}`);
  assert.ok(foreign.body?.error?.message, foreign.text);
  const unknown = await request<ErrorBody>(t, `/api/v1/messages/${Number(id) + 1000}`, { auth: acme.bearer });
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal(unknown.body.error.code, foreign.body.error.code, 'the same answer, so ids of others cannot be probed');
  for (const junk of ['abc', '0', '-1', '1e3', `${'9'.repeat(40)}`]) {
    const answer = await request<ErrorBody>(t, `/api/v1/messages/${encodeURIComponent(junk)}`, { auth: acme.bearer });
    assert.equal(answer.status, 404, `id ${junk}: ${answer.status} ${answer.text}`);
  }
  const globexList = await list(t, globex);
  assert.deepEqual(globexList.body.items, [], 'another account\'s list is empty');
  const anonymous = await request<ErrorBody>(t, `/api/v1/messages/${id}`);
  assert.equal(anonymous.status, 401, anonymous.text);
  assert.equal((await request(t, '/api/v1/messages')).status, 401);
});

test('the list filters by type, status, channel and time range', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const globex = addApiAccount(t, 'globex', 'other-pw');

  // Before the boundary: one SMS over SMPP.
  const { session, response } = await bind(t.port, 'acme', acme.password);
  assert.equal(response.command_status, 0);
  const smppResp = await submit(session, { registered_delivery: 0 });
  assert.equal(smppResp.command_status, 0);
  const smppId = String(smppResp.message_id);
  await closeSession(session);
  await sleep(20);
  const boundary = new Date().toISOString();
  await sleep(20);

  // After it: two API SMS (one to the test number that ends undelivered) and one WhatsApp message.
  const sms = await sendSms(t, acme.bearer, { recipientAddressList: ['436991000001', '999000011'], messageContent: 'filters' });
  assert.equal(sms.status, 200, sms.text);
  const wa = await sendWhatsApp(t, acme.bearer, { recipient: '436991000002', text: 'filters' });
  assert.equal(wa.status, 202, wa.text);
  const other = await sendSms(t, globex.bearer, { recipientAddressList: ['436991000003'], messageContent: 'not acme' });
  assert.equal(other.status, 200, other.text);

  const acmeId = acme.account.id;
  const byDest = (dest: string): string => t.app.store.messages.list({ accountId: acmeId, limit: 100 }).find((m) => m.destAddr === dest)!.id;
  const delivered = byDest('436991000001');
  const undelivered = byDest('999000011');
  const whatsapp = wa.body.messageId!;
  await waitForStatus(t, smppId, 'delivered');
  await waitForStatus(t, delivered, 'delivered');
  await waitForStatus(t, undelivered, 'undelivered');
  await waitForStatus(t, whatsapp, 'read');

  const sorted = (...xs: string[]): string[] => xs.sort();
  const cases: Array<[string, string[]]> = [
    ['', sorted(smppId, delivered, undelivered, whatsapp)],
    ['type=sms', sorted(smppId, delivered, undelivered)],
    ['type=whatsapp', [whatsapp]],
    ['channel=smpp', [smppId]],
    ['channel=api', sorted(delivered, undelivered, whatsapp)],
    ['channel=email', []],
    ['status=delivered', sorted(smppId, delivered)],
    ['status=undelivered', [undelivered]],
    ['status=read', [whatsapp]],
    [`from=${encodeURIComponent(boundary)}`, sorted(delivered, undelivered, whatsapp)],
    [`to=${encodeURIComponent(boundary)}`, [smppId]],
    [`from=${encodeURIComponent(boundary)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, sorted(delivered, undelivered, whatsapp)],
    [`to=${encodeURIComponent(new Date(Date.parse(boundary) - 3_600_000).toISOString())}`, []],
    ['type=sms&channel=api&status=delivered', [delivered]],
    [`type=sms&from=${encodeURIComponent(boundary)}`, sorted(delivered, undelivered)],
  ];
  for (const [query, want] of cases) {
    assert.deepEqual(await ids(t, acme, query), want, `?${query}`);
  }
  const page = await list(t, acme, 'type=whatsapp');
  const [item] = page.body.items;
  assert.equal(item!.type, 'whatsapp');
  assert.equal(item!.status, 'read');
  assert.equal(item!.to, '436991000002');
  assert.match(item!.submittedAt, ISO);
});

test('cursor paging returns every message exactly once, newest first', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const recipients = Array.from({ length: 7 }, (_, i) => `43699100000${i}`);
  assert.equal((await sendSms(t, acme.bearer, { recipientAddressList: recipients, messageContent: 'page me' })).status, 200);
  for (const recipient of ['436992000001', '436992000002']) {
    assert.equal((await sendWhatsApp(t, acme.bearer, { recipient, text: 'page me too' })).status, 202);
  }
  const all = t.app.store.messages.list({ accountId: acme.account.id, limit: 100 }).map((m) => m.id);
  assert.equal(all.length, 9);

  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number[] }> {
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    for (let round = 0; round < 20; round++) {
      const answer = await list(t, acme, `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(answer.status, 200, answer.text);
      assert.ok(answer.body.items.length <= limit, `at most ${limit} per page, had ${answer.body.items.length}`);
      pages.push(answer.body.items.length);
      seen.push(...answer.body.items.map((m) => m.id));
      cursor = answer.body.nextCursor;
      if (cursor === null) return { ids: seen, pages };
    }
    assert.fail(`paging did not end: ${seen.join(', ')}`);
  }

  const everything = await walk('', 4);
  assert.deepEqual(everything.pages, [4, 4, 1]);
  assert.equal(new Set(everything.ids).size, everything.ids.length, `no message twice: ${everything.ids.join(', ')}`);
  assert.deepEqual([...everything.ids].sort(), [...all].sort(), 'every message once');
  assert.deepEqual(everything.ids, [...everything.ids].sort((a, b) => Number(b) - Number(a)), 'newest first');

  const exact = await walk('', 3);
  assert.deepEqual(exact.pages.filter((n) => n > 0), [3, 3, 3], 'a last full page');
  assert.deepEqual([...exact.ids].sort(), [...all].sort());

  const smsOnly = await walk('type=sms', 2);
  assert.equal(new Set(smsOnly.ids).size, 7, `filtered paging: 7 SMS once each, had ${smsOnly.ids.join(', ')}`);
  assert.equal(smsOnly.ids.length, 7);
});

test('bad query values are 400 naming the parameter', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const cases: Array<[string, RegExp]> = [
    ['channel=fax', /channel/],
    ['type=mms', /type/],
    ['limit=0', /limit/],
    ['limit=501', /limit/],
    ['limit=ten', /limit/],
    ['limit=1.5', /limit/],
    ['cursor=abc', /cursor/],
    ['cursor=-1', /cursor/],
    ['from=yesterday', /from/],
    ['to=soon', /\bto\b/],
    ['type=sms&type=whatsapp', /type/],
    ['channel=api&channel=smpp', /channel/],
    ['limit=1&limit=2', /limit/],
    ['from=2024-01-01T00:00:00Z&from=2024-01-02T00:00:00Z', /from/],
  ];
  for (const [query, name] of cases) {
    const answer = await request<ErrorBody>(t, `/api/v1/messages?${query}`, { auth: acme.bearer });
    assert.equal(answer.status, 400, `?${query}: wanted 400, had ${answer.status} ${answer.text}`);
    assert.ok(answer.body?.error?.code, `?${query}: an error code, had ${answer.text}`);
    assert.match(answer.body.error.message, name, `?${query}: the message names the parameter`);
  }
  assert.equal((await list(t, acme)).status, 200, 'the server keeps serving');
});

test('an unknown status filter is 400 naming status', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const answer = await request<ErrorBody>(t, '/api/v1/messages?status=bogus', { auth: acme.bearer });
  assert.equal(answer.status, 400, `?status=bogus: wanted 400, had ${answer.status} ${answer.text}`);
  assert.match(String(answer.body?.error?.message), /status/, 'the message names status');
});

test('a repeated status filter is 400 naming status, not a 500', async (ctx) => {
  const { t, acme } = await setup(ctx);
  const answer = await request<ErrorBody>(t, '/api/v1/messages?status=delivered&status=read', { auth: acme.bearer });
  assert.equal(answer.status, 400, `?status=delivered&status=read: wanted 400, had ${answer.status} ${answer.text}`);
  assert.match(String(answer.body?.error?.message), /status/, 'the message names status');
  assert.equal((await list(t, acme)).status, 200, 'the server keeps serving');
});
