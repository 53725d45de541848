/**
 * The operator in a real browser (issue 10, SPEC §1 "global forwarding switch"): with a
 * confirmation, the operator switches forwarding off, and from then on nothing is forwarded and
 * no SMPP receipts are owed, while events are still recorded.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { StoredMessage } from '../../src/store/messages.js';
import { ALWAYS_DELIVERED, closeSharedBrowser, consoleTest, OPERATOR_PASSWORD, PASSWORD, type ConsoleTest } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { DeliverCollector } from '../helpers/receipts.js';
import { bind, call, submitFields } from '../helpers/smpp-client.js';

after(closeSharedBrowser);

/** The operator composes an SMS with a receipt request for `systemId`; resolves with the stored message. */
async function composeFor(c: ConsoleTest, systemId: string, accountId: number, to: string): Promise<StoredMessage> {
  await c.goto('/console/compose');
  await c.page.getByLabel('Account', { exact: true }).selectOption(systemId);
  await c.page.getByLabel('Recipients').fill(to);
  await c.page.getByLabel('Text').fill(`To ${to}`);
  await c.page.getByLabel('Request a delivery receipt').check();
  await Promise.all([c.page.waitForURL(/\/console\/sent\?sent=1&account=acme$/), c.page.getByRole('button', { name: 'Send' }).click()]);
  const m = c.t.app.store.messages.list({ accountId, destAddr: to.replace(/^\+/, ''), limit: 1 })[0];
  assert.ok(m, `wanted the message to ${to} stored`);
  return m;
}

/** Waits until the message has its final status in the store. */
async function delivered(c: ConsoleTest, id: string): Promise<void> {
  await eventually(() => c.t.app.store.messages.byId(id)?.status === 'delivered', 10_000, `message ${id} delivered`);
}

test('the operator switches forwarding off (with a confirmation) and receipts stop: no forwards, no SMPP receipts', async (ctx) => {
  const c = await consoleTest(ctx, ALWAYS_DELIVERED);
  const receiver = await startReceiver();
  c.defer(() => receiver.close());
  const acme = c.t.addAccount('acme', PASSWORD);
  const { session, response } = await bind(c.t.port, 'acme', PASSWORD);
  c.defer(() => session.close());
  assert.equal(response.command_status, 0, 'wanted the SMPP bind accepted');
  const deliverSm = new DeliverCollector(session);
  const submitSmpp = async (to: string): Promise<string> => {
    const answer = await call(session, 'submit_sm', submitFields({ destination_addr: to, registered_delivery: 1 }));
    assert.equal(answer.command_status, 0, `wanted submit_sm accepted, had ${answer.command_status}`);
    return String(answer.message_id);
  };

  await c.signIn('operator', OPERATOR_PASSWORD);
  const nav = c.page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Operator' }).count(), 1, 'wanted the Operator page in the navigation');

  // The operator sets acme's console forwarding to the receiver.
  await c.goto('/console/forwarding');
  await c.page.getByLabel('Account', { exact: true }).selectOption('acme');
  await Promise.all([c.page.waitForURL(/account=acme/), c.page.getByRole('button', { name: 'Show' }).click()]);
  const tool = c.page.locator('#tool-console');
  await tool.getByLabel('URL (HTTP or HTTPS)').check();
  await tool.getByLabel('Address', { exact: true }).fill(receiver.url);
  await Promise.all([c.page.waitForURL(/saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);

  // With forwarding on: the console's receipt reaches the receiver, the SMPP client gets its receipt.
  const before = await composeFor(c, 'acme', acme.id, '+436991240001');
  const smppBefore = await submitSmpp('436991240002');
  await eventually(() => receiver.received.length === 1, 10_000, 'the first receipt at the receiver');
  await deliverSm.waitForMessage(smppBefore, 10_000);
  await delivered(c, before.id);
  // The operator sees the SMPP message's receipt on its page.
  await c.goto(`/console/messages/${smppBefore}`);
  await c.page.getByRole('row').filter({ hasText: 'SMPP receipt over the bind' }).filter({ hasText: 'delivered' }).waitFor();

  await nav.getByRole('link', { name: 'Operator' }).click();
  assert.equal(await c.page.locator('[data-switch-state]').textContent(), 'on');
  // Without the confirmation nothing changes.
  await c.page.getByRole('button', { name: 'Switch forwarding off' }).click();
  await c.page.getByRole('alert').filter({ hasText: 'Tick the box to confirm' }).waitFor();
  assert.equal(c.t.app.forwarding.policy.forwardingOn, true, 'wanted forwarding still on without the confirmation');
  await c.page.getByLabel('Yes, stop all forwarding and SMPP receipts for every account').check();
  await Promise.all([c.page.waitForURL(/done=off$/), c.page.getByRole('button', { name: 'Switch forwarding off' }).click()]);
  assert.equal(await c.page.getByRole('status').first().textContent(), 'Forwarding switched off.');
  assert.equal(await c.page.locator('[data-switch-state]').textContent(), 'off');
  assert.equal(c.t.app.forwarding.policy.forwardingOn, false, 'wanted the running server to have the switch off');

  // With forwarding off: events are recorded, nothing is owed or sent.
  const received = receiver.received.length;
  const seen = deliverSm.count;
  const after = await composeFor(c, 'acme', acme.id, '+436991240003');
  const smppAfter = await submitSmpp('436991240004');
  await delivered(c, after.id);
  await delivered(c, smppAfter);
  assert.ok(c.t.app.store.events.forMessage(after.id).some((e) => e.status === 'delivered'), 'wanted the event recorded while off');
  assert.deepEqual(c.t.app.store.outbox.list({ messageId: after.id, limit: 10 }), [], 'wanted no forward queued while off');
  assert.deepEqual(c.t.app.store.receipts.forMessage(smppAfter), [], 'wanted no SMPP receipt owed while off');
  assert.equal(receiver.received.length, received, 'wanted nothing more at the receiver');
  assert.equal(deliverSm.count, seen, 'wanted no deliver_sm while off');

  // The account sees the switch on its forwarding page.
  await c.goto('/console/forwarding?account=acme');
  await c.page.getByText('Forwarding is switched off for everyone by the operator').waitFor();
  await nav.getByRole('link', { name: 'Operator' }).click();
});

test('only the operator reaches the operator page and the switch', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  assert.equal(await c.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator' }).count(), 0);
  const [answer] = await Promise.all([c.page.waitForResponse(/\/console\/operator$/), c.goto('/console/operator')]);
  assert.equal(answer.status(), 403);
  await c.page.getByRole('alert').filter({ hasText: 'Only the operator may do this.' }).waitFor();
  const token = await c.page.locator('input[name="_csrf"]').first().inputValue();
  const post = await c.page.request.post(`${c.origin}/console/operator/switch`, { form: { _csrf: token, state: 'off', confirm: 'yes' }, maxRedirects: 0 });
  assert.equal(post.status(), 403);
  assert.notEqual(c.t.app.store.settings.get('forwarding.enabled'), 'off', 'wanted the switch untouched');
});

test('the operator sees a failed delivery with its error and retries it', async (ctx) => {
  const c = await consoleTest(ctx, ALWAYS_DELIVERED);
  // The first answer is a 400: failed without retry (SPEC §5); the retry then gets the fallback 200.
  const receiver = await startReceiver();
  receiver.script.push({ status: 400 });
  c.defer(() => receiver.close());
  const acme = c.t.addAccount('acme', PASSWORD);
  const target = c.t.app.store.targets.add({ name: 'acme-hook', type: 'http', url: receiver.url, to: null, queueUrl: null, format: 'json', secret: null });
  c.t.app.store.rules.add({ accountId: acme.id, channel: 'console', messageType: 'sms', targetId: target.id, statuses: null, format: null });
  c.t.app.forwarding.policy.reload();
  c.t.app.forwarding.worker.reloadTargets();

  await c.signIn('operator', OPERATOR_PASSWORD);
  const m = await composeFor(c, 'acme', acme.id, '+436991250001');
  const failed = await eventually(() => c.t.app.store.outbox.list({ messageId: m.id, state: 'failed', limit: 1 })[0] ?? false, 10_000, 'the forward failed');

  await c.goto('/console/operator');
  const row = c.page.locator(`tr[data-outbox="${failed.id}"]`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /acme-hook/);
  assert.match((await row.textContent()) ?? '', /400/, 'wanted the last error shown');
  await Promise.all([c.page.waitForURL(/done=1$/), row.getByRole('button', { name: `Retry delivery ${failed.id}` }).click()]);
  assert.equal(await c.page.getByRole('status').first().textContent(), '1 delivery queued again.');
  await eventually(() => c.t.app.store.outbox.list({ messageId: m.id, limit: 1 })[0]?.state === 'delivered', 10_000, 'the retried forward delivered');
  assert.equal(receiver.received.length, 2);
  assert.equal(receiver.received[1]!.status, 200);

  // The message's page shows both attempts of that forward.
  await c.goto(`/console/messages/${m.id}`);
  const forward = c.page.locator(`tr[data-outbox="${failed.id}"]`);
  await forward.locator('.state.delivered').waitFor();
  assert.equal(await forward.locator('ul.times li').count(), 2, 'wanted the failed and the retried attempt listed');
});

test('the operator must choose the account a message is composed for', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.signIn('operator', OPERATOR_PASSWORD);
  await c.goto('/console/compose');
  await c.page.getByLabel('Recipients').fill('+436991280001');
  await c.page.getByLabel('Text').fill('For whom?');
  await c.page.getByRole('button', { name: 'Send' }).click();
  await c.page.locator('#account-error').filter({ hasText: 'Choose the account the message is sent for.' }).waitFor();
  assert.equal(await c.page.getByLabel('Account', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await c.page.getByLabel('Text').inputValue(), 'For whom?');
  assert.equal(c.t.app.store.messages.count(), 0);
});
