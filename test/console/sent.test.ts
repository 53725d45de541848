/**
 * The console's Sent view in a real browser (issue 10, SPEC §2): an SMS composed with "request a
 * receipt" turns delivered with its delivery time, and a WhatsApp message shows its sent,
 * delivered and read times — both by the live updates, without a reload.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { StoredMessage } from '../../src/store/messages.js';
import { ALWAYS_DELIVERED, closeSharedBrowser, consoleTest, PASSWORD, type ConsoleTest } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';

after(closeSharedBrowser);

/** Marks the loaded document, so a later check can tell that it was never reloaded. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__sameDocument = true');
}

async function assertSameDocument(page: Page): Promise<void> {
  assert.equal(await page.evaluate('window.__sameDocument === true'), true, 'wanted the Sent page updated in place, had a reload or a navigation');
}

/** The newest message of the account, once there is one. */
async function newestMessage(c: ConsoleTest, accountId: number): Promise<StoredMessage> {
  return eventually(() => {
    const m = c.t.app.store.messages.list({ accountId, limit: 1 })[0];
    if (!m) throw new Error('no message stored');
    return m;
  }, 5000, 'the composed message in the store');
}

/** The ISO time the row of `id` shows for `status`. */
async function shownTime(page: Page, id: string, status: string): Promise<string | null> {
  return page.locator(`tr[data-id="${id}"] li[data-time-of="${status}"] time`).getAttribute('datetime');
}

test('an SMS with a receipt request turns delivered in the Sent view, with its time, without a reload', async (ctx) => {
  // A second or so of delivery, so the first render of Sent still shows the message on its way.
  const c = await consoleTest(ctx, { ...ALWAYS_DELIVERED, 'simulator.delayMs': [1200, 1500] });
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  assert.match(c.page.url(), /\/console\/sent$/, `wanted the Sent view after sign-in, had ${c.page.url()}`);

  await c.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compose' }).click();
  await c.page.getByLabel('SMS', { exact: true }).check();
  await c.page.getByLabel('Recipients').fill('+436991234567');
  await c.page.getByLabel('Text').fill('Hello from the console');
  const receipt = c.page.getByLabel('Request a delivery receipt');
  assert.equal(await receipt.isChecked(), true, 'wanted "Request a delivery receipt" ticked by default');
  await Promise.all([c.page.waitForURL(/\/console\/sent\?sent=1$/), c.page.getByRole('button', { name: 'Send' }).click()]);
  await markDocument(c.page);

  const m = await newestMessage(c, acme.id);
  assert.equal(m.channel, 'console');
  assert.equal(m.messageType, 'sms');
  assert.notEqual(m.registeredDelivery, 0, 'wanted the receipt request stored with the message');
  assert.equal(await c.page.getByRole('status').textContent(), 'Message sent.');
  const row = c.page.locator(`tr[data-id="${m.id}"]`);
  await row.waitFor();
  const first = await row.getAttribute('data-status');
  assert.notEqual(first, 'delivered', 'wanted the message still on its way when Sent was first shown (the test relies on the live update)');
  assert.equal(await row.locator('td').nth(1).textContent(), 'console');
  assert.match((await row.getByRole('link').textContent()) ?? '', /\+436991234567/);
  // A keyboard user on the row keeps their place when the row is updated.
  await row.getByRole('link').focus();

  await c.page.locator(`tr[data-id="${m.id}"][data-status="delivered"]`).waitFor({ timeout: 10_000 });
  await assertSameDocument(c.page);
  assert.equal(await c.page.evaluate(`document.activeElement?.getAttribute('href') ?? null`), `/console/messages/${m.id}`, 'wanted the focus kept on the row link across the live update');
  const delivered = c.t.app.store.events.forMessage(m.id).find((e) => e.status === 'delivered');
  assert.ok(delivered, 'wanted a delivered event in the store');
  assert.equal(await shownTime(c.page, m.id, 'delivered'), new Date(delivered.occurredAt).toISOString(), 'wanted the delivery time of the event in the row');
  assert.match((await row.locator('li[data-time-of="delivered"]').textContent()) ?? '', /delivered \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
});

test('a WhatsApp message shows its sent, delivered and read times in the Sent view and its timeline', async (ctx) => {
  const c = await consoleTest(ctx, { 'whatsapp.delayMs': [150, 250], 'whatsapp.failureRate': 0 });
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/compose');
  await c.page.getByLabel('WhatsApp').check();
  // SMS-only fields go away for WhatsApp.
  assert.equal(await c.page.getByLabel('Request a delivery receipt').isVisible(), false, 'wanted the receipt box hidden for WhatsApp');
  await c.page.getByLabel('Recipients').fill('436991234568');
  await c.page.getByLabel('Text').fill('Hello on WhatsApp');
  assert.equal(await c.page.locator('#counter').textContent(), '17 characters');
  await Promise.all([c.page.waitForURL(/\/console\/sent\?sent=1$/), c.page.getByRole('button', { name: 'Send' }).click()]);
  await markDocument(c.page);

  const m = await newestMessage(c, acme.id);
  assert.equal(m.messageType, 'whatsapp');
  await c.page.locator(`tr[data-id="${m.id}"][data-status="read"]`).waitFor({ timeout: 10_000 });
  await assertSameDocument(c.page);
  const events = c.t.app.store.events.forMessage(m.id);
  const times: string[] = [];
  for (const status of ['sent', 'delivered', 'read']) {
    const event = events.find((e) => e.status === status);
    assert.ok(event, `wanted a ${status} event, had ${events.map((e) => e.status).join(', ')}`);
    const shown = await shownTime(c.page, m.id, status);
    assert.equal(shown, new Date(event.occurredAt).toISOString(), `wanted the ${status} time in the row`);
    times.push(shown!);
  }
  assert.deepEqual([...times].sort(), times, 'wanted sent ≤ delivered ≤ read');

  await c.page.locator(`tr[data-id="${m.id}"]`).getByRole('link').click();
  await c.page.waitForURL(new RegExp(`/console/messages/${m.id}$`));
  const timeline = c.page.locator('ol.timeline');
  for (const status of ['accepted', 'sent', 'delivered', 'read']) {
    assert.equal(await timeline.locator(`.badge`, { hasText: status }).count(), 1, `wanted ${status} once in the timeline`);
  }
});

test('the Sent filters find a message by recipient and type, and a bad recipient is named at its field', async (ctx) => {
  const c = await consoleTest(ctx);
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  // Two recipients (one line each, and a duplicate that is sent once) make two messages.
  await c.goto('/console/compose');
  await c.page.getByLabel('Recipients').fill('+436991110001\n+436991110002\n00436991110002');
  await c.page.getByLabel('Text').fill('To both');
  await Promise.all([c.page.waitForURL(/sent=2/), c.page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(await c.page.getByRole('status').textContent(), '2 messages sent.');
  const stored = c.t.app.store.messages.list({ accountId: acme.id, limit: 5 });
  assert.deepEqual(stored.map((m) => m.destAddr).sort(), ['436991110001', '436991110002']);
  const first = stored.find((m) => m.destAddr === '436991110001')!;
  await c.page.locator('tbody tr[data-id]').nth(1).waitFor();

  await c.page.getByLabel('Recipient', { exact: true }).fill('+436991110001');
  await c.page.getByLabel('Type').selectOption('sms');
  await Promise.all([c.page.waitForURL(/to=%2B436991110001/), c.page.getByRole('button', { name: 'Filter' }).click()]);
  assert.deepEqual(await c.page.locator('tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))), [first.id]);
  assert.equal(await c.page.getByLabel('Recipient', { exact: true }).inputValue(), '+436991110001', 'wanted the filter shown as typed');

  await c.page.getByLabel('Recipient', { exact: true }).fill('12ab');
  const [answer] = await Promise.all([c.page.waitForResponse(/\/console\/sent\?/), c.page.getByRole('button', { name: 'Filter' }).click()]);
  assert.equal(answer.status(), 400);
  await c.page.getByRole('alert').filter({ hasText: 'The filter was not applied' }).waitFor();
  const recipient = c.page.getByLabel('Recipient', { exact: true });
  assert.equal(await recipient.inputValue(), '12ab');
  assert.equal(await recipient.getAttribute('aria-invalid'), 'true');
  assert.match((await c.page.locator('#f-to-error').textContent()) ?? '', /"12ab" is not a phone number/);
});

test('when the session ends, the Sent view says that live updates stopped and links to sign-in', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await markDocument(c.page);
  // The session ends elsewhere (another tab signed out, or it expired).
  c.t.app.store.db.prepare('DELETE FROM console_sessions').run();
  const note = c.page.locator('[data-live-stopped]');
  await note.waitFor();
  assert.equal(await note.getAttribute('role'), 'alert');
  assert.match((await note.textContent()) ?? '', /^Live updates stopped: you are signed out \(or the session ended\)\. Sign in again$/);
  await assertSameDocument(c.page);
  await Promise.all([c.page.waitForURL(/\/console\/sign-in\?next=%2Fconsole%2Fsent$/), note.getByRole('link', { name: 'Sign in again' }).click()]);
  await c.page.getByLabel('System ID').fill('acme');
  await c.page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([c.page.waitForURL(/\/console\/sent$/), c.page.getByRole('button', { name: 'Sign in' }).click()]);
});
