/**
 * The console's forwarding settings in a real browser (issue 10, SPEC §5): the console tool's
 * receipts go to a local HTTP receiver in XML once set so, and nowhere once set to "no
 * forwarding"; bad input gets an error at its field.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { StoredMessage } from '../../src/store/messages.js';
import { ALWAYS_DELIVERED, closeSharedBrowser, consoleTest, PASSWORD, type ConsoleTest } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';
import { startReceiver } from '../helpers/http-receiver.js';

after(closeSharedBrowser);

/** Sends one SMS with a receipt request through the compose form; resolves with the stored message. */
async function composeSms(c: ConsoleTest, accountId: number, to: string, text: string): Promise<StoredMessage> {
  const before = c.t.app.store.messages.list({ accountId, limit: 1 })[0]?.id;
  await c.goto('/console/compose');
  await c.page.getByLabel('Recipients').fill(to);
  await c.page.getByLabel('Text').fill(text);
  await c.page.getByLabel('Request a delivery receipt').check();
  await Promise.all([c.page.waitForURL(/\/console\/sent\?sent=1$/), c.page.getByRole('button', { name: 'Send' }).click()]);
  const m = c.t.app.store.messages.list({ accountId, limit: 1 })[0];
  assert.ok(m && m.id !== before, 'wanted the composed message stored before the answer');
  return m;
}

/** Waits until the Sent view (live) shows the message delivered. */
async function waitDelivered(page: Page, id: string): Promise<void> {
  await page.locator(`tr[data-id="${id}"][data-status="delivered"]`).waitFor({ timeout: 10_000 });
}

/** The value of one element of an XML document (the documents are flat: one level of fields). */
/** Picks a URL as the tool's destination and types its address (not saved yet). */
async function chooseUrl(tool: Locator, url: string): Promise<void> {
  await tool.getByLabel('URL (HTTP or HTTPS)').check();
  await tool.getByLabel('Address', { exact: true }).fill(url);
}

function xmlField(xml: string, name: string): string | null {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;
}

test('console forwarding to a local URL in XML delivers the next receipt as XML; "no forwarding" sends nothing', async (ctx) => {
  const c = await consoleTest(ctx, ALWAYS_DELIVERED);
  const receiver = await startReceiver();
  c.defer(() => receiver.close());
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);

  await c.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forwarding' }).click();
  const tool = c.page.locator('#tool-console');
  await chooseUrl(tool, receiver.url);
  await tool.getByLabel('XML').check();
  await Promise.all([c.page.waitForURL(/\/console\/forwarding\?saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);
  assert.equal(await c.page.getByRole('status').first().textContent(), 'Console forwarding saved.');
  // The page shows what was saved.
  assert.equal(await tool.getByLabel('URL (HTTP or HTTPS)').isChecked(), true);
  assert.equal(await tool.getByLabel('Address', { exact: true }).inputValue(), receiver.url);
  assert.equal(await tool.getByLabel('XML').isChecked(), true);

  const first = await composeSms(c, acme.id, '+436991230001', 'Receipt as XML please');
  await waitDelivered(c.page, first.id);
  const got = await eventually(() => receiver.received[0] ?? false, 10_000, 'the receipt at the HTTP receiver');
  assert.match(got.headers['content-type'] ?? '', /^application\/xml(;|$)/, 'wanted the receipt posted as application/xml');
  assert.match(got.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>/, `wanted an XML declaration, had ${got.body.slice(0, 60)}`);
  assert.match(got.body, /<deliveryReport>[\s\S]*<\/deliveryReport>\s*$/, 'wanted the root element deliveryReport');
  assert.equal(xmlField(got.body, 'messageType'), 'deliveryReport');
  assert.equal(xmlField(got.body, 'deliveryReportMessageStatus'), 'delivered');
  assert.equal(xmlField(got.body, 'recipientAddress'), '436991230001');
  assert.equal(xmlField(got.body, 'channel'), 'console');
  assert.equal(xmlField(got.body, 'account'), 'acme');
  assert.ok(xmlField(got.body, 'notificationId'), 'wanted a notificationId');
  assert.ok(xmlField(got.body, 'deliveredOn'), 'wanted deliveredOn');

  await c.goto('/console/forwarding');
  await tool.getByLabel('No forwarding').check();
  assert.equal(await tool.getByLabel('Address', { exact: true }).isVisible(), false, 'wanted the address hidden for "no forwarding"');
  await Promise.all([c.page.waitForURL(/\/console\/forwarding\?saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);
  assert.equal(await tool.getByLabel('No forwarding').isChecked(), true);

  const had = receiver.received.length;
  const second = await composeSms(c, acme.id, '+436991230002', 'No receipt forwarded');
  await waitDelivered(c.page, second.id);
  // The outbox rows of an event are written with it: a delivered message without one was not forwarded.
  assert.deepEqual(c.t.app.store.outbox.list({ messageId: second.id, limit: 10 }), [], 'wanted no forward queued under "no forwarding"');
  assert.equal(receiver.received.length, had, `wanted nothing more at the receiver, had ${receiver.received.slice(had).map((r) => r.body).join('\n')}`);
  await c.page.locator(`tr[data-id="${second.id}"]`).getByRole('link').click();
  await c.page.getByText('Nothing was forwarded for this message.').waitFor();
});

test('forwarding settings refuse bad input with an error at the field', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/forwarding');
  const tool = c.page.locator('#tool-console');
  await chooseUrl(tool, 'ftp://example.com/x');
  await tool.getByRole('button', { name: 'Save' }).click();
  await c.page.getByRole('alert').waitFor();
  assert.match((await c.page.getByRole('alert').textContent()) ?? '', /Console: "ftp:\/\/example.com\/x" is not an http:\/\/ or https:\/\/ URL/);
  const address = tool.getByLabel('Address', { exact: true });
  assert.equal(await address.getAttribute('aria-invalid'), 'true');
  assert.equal(await address.inputValue(), 'ftp://example.com/x', 'wanted the input kept');
  assert.match((await tool.locator('.field-error').textContent()) ?? '', /is not an http/);

  await tool.getByLabel('E-mail address', { exact: true }).check();
  await tool.getByLabel('Address', { exact: true }).fill('not-an-address');
  await tool.getByRole('button', { name: 'Save' }).click();
  await tool.locator('.field-error', { hasText: 'is not an e-mail address' }).waitFor();

  const whatsapp = c.page.locator('#tool-whatsapp');
  await chooseUrl(whatsapp, 'http://127.0.0.1:9/hook');
  for (const s of ['delivered', 'read']) await whatsapp.getByLabel(s, { exact: true }).uncheck();
  await whatsapp.getByRole('button', { name: 'Save' }).click();
  await whatsapp.locator('.field-error', { hasText: 'Tick at least one status change' }).waitFor();
  assert.equal(await whatsapp.getByRole('group', { name: 'Status changes to forward' }).getAttribute('aria-describedby'), 'whatsapp-statuses-error', 'wanted the error tied to the check boxes');
  // Nothing was saved by the refused forms.
  assert.deepEqual(c.t.app.store.rules.list(), []);
});

test('"Send test" posts a sample receipt to what the form describes, shows the outcome and saves nothing', async (ctx) => {
  const c = await consoleTest(ctx);
  const receiver = await startReceiver();
  c.defer(() => receiver.close());
  c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/forwarding');
  const tool = c.page.locator('#tool-console');
  await chooseUrl(tool, receiver.url);
  await tool.getByLabel('XML').check();
  await tool.getByRole('button', { name: 'Send test' }).click();
  await c.page.getByRole('status').filter({ hasText: `Test receipt delivered to ${receiver.url} (200` }).waitFor();
  assert.equal(receiver.received.length, 1);
  assert.match(receiver.received[0]!.headers['content-type'] ?? '', /^application\/xml/);
  // The form still shows what was typed, and nothing was saved.
  assert.equal(await tool.getByLabel('Address', { exact: true }).inputValue(), receiver.url);
  assert.equal(await tool.getByLabel('XML').isChecked(), true);
  assert.deepEqual(c.t.app.store.rules.list(), []);

  assert.equal(xmlField(receiver.received[0]!.body, 'messageType'), 'deliveryReport');
  assert.equal(xmlField(receiver.received[0]!.body, 'channel'), 'console');

  // WhatsApp's test is a WhatsApp status change, as its real forwards will be.
  const whatsapp = c.page.locator('#tool-whatsapp');
  await chooseUrl(whatsapp, receiver.url);
  await whatsapp.getByRole('button', { name: 'Send test' }).click();
  await c.page.getByRole('status').filter({ hasText: 'Test receipt delivered' }).waitFor();
  const sample = JSON.parse(receiver.received[1]!.body) as Record<string, unknown>;
  assert.equal(sample.messageType, 'statusChange');
  assert.equal(sample.deliveredAs, 'whatsapp');

  receiver.script.push({ status: 500 });
  await whatsapp.getByRole('button', { name: 'Send test' }).click();
  await c.page.getByRole('alert').filter({ hasText: `Test receipt not delivered to ${receiver.url}` }).waitFor();
});

test('WhatsApp forwarding set in the console sends exactly the status changes ticked', async (ctx) => {
  const c = await consoleTest(ctx, { 'whatsapp.delayMs': [20, 60], 'whatsapp.failureRate': 0 });
  const receiver = await startReceiver();
  c.defer(() => receiver.close());
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/forwarding');
  const whatsapp = c.page.locator('#tool-whatsapp');
  await chooseUrl(whatsapp, receiver.url);
  // Default: delivered and read. Here: sent and read.
  assert.equal(await whatsapp.getByLabel('delivered', { exact: true }).isChecked(), true);
  await whatsapp.getByLabel('delivered', { exact: true }).uncheck();
  await whatsapp.getByLabel('sent', { exact: true }).check();
  await Promise.all([c.page.waitForURL(/saved=whatsapp/), whatsapp.getByRole('button', { name: 'Save' }).click()]);
  assert.equal(await whatsapp.getByLabel('sent', { exact: true }).isChecked(), true);
  assert.equal(await whatsapp.getByLabel('delivered', { exact: true }).isChecked(), false);

  await c.goto('/console/compose');
  await c.page.getByLabel('WhatsApp').check();
  await c.page.getByLabel('Recipients').fill('+436991260001');
  await c.page.getByLabel('Text').fill('Status changes');
  await Promise.all([c.page.waitForURL(/sent=1/), c.page.getByRole('button', { name: 'Send' }).click()]);
  const m = c.t.app.store.messages.list({ accountId: acme.id, limit: 1 })[0]!;
  await c.page.locator(`tr[data-id="${m.id}"][data-status="read"]`).waitFor({ timeout: 10_000 });
  await eventually(() => receiver.received.length >= 2, 10_000, 'two status changes at the receiver');
  const statuses = receiver.received.map((r) => (JSON.parse(r.body) as { status: string }).status);
  assert.deepEqual(statuses, ['sent', 'read'], `wanted sent and read forwarded, in order, had ${statuses.join(', ')}`);
  assert.equal(c.t.app.store.outbox.list({ messageId: m.id, limit: 10 }).length, 2, 'wanted no forward queued for delivered');
});

test('a destination that answered 410 Gone is shown as stopped, and saving it again resumes forwarding', async (ctx) => {
  const c = await consoleTest(ctx, ALWAYS_DELIVERED);
  const receiver = await startReceiver();
  receiver.script.push({ status: 410 });
  c.defer(() => receiver.close());
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/forwarding');
  const tool = c.page.locator('#tool-console');
  await chooseUrl(tool, receiver.url);
  await Promise.all([c.page.waitForURL(/saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);
  assert.equal(await tool.locator('[data-disabled]').count(), 0);

  const m = await composeSms(c, acme.id, '+436991270001', 'Gone?');
  await eventually(() => c.t.app.store.targets.list().some((t) => t.name.startsWith('console-') && !t.enabled), 10_000, 'the target disabled by the 410');
  await c.goto('/console/forwarding');
  const stopped = tool.locator('[data-disabled]');
  assert.match((await stopped.textContent()) ?? '', /^Forwarding to this destination is stopped: 410: .*Save to start it again\.$/);

  // The receiver is back (fallback 200): saving enables the target and the waiting forward goes out.
  await Promise.all([c.page.waitForURL(/saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);
  assert.equal(await tool.locator('[data-disabled]').count(), 0, 'wanted the notice gone after saving');
  await eventually(() => c.t.app.store.outbox.list({ messageId: m.id, limit: 1 })[0]?.state === 'delivered', 10_000, 'the waiting forward delivered');
  assert.deepEqual(receiver.received.map((r) => r.status), [410, 200]);
});
