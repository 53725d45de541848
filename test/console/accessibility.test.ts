/**
 * Accessibility basics of the console in a real browser (issue 10): every form control has a
 * label, the pages fit a phone's width, sign-in works from the keyboard alone, and the compose
 * form names each problem at its field. Also the live character and part counter.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { smsText } from '../../src/intake/sms-text.js';
import { closeSharedBrowser, consoleTest, OPERATOR_PASSWORD, PASSWORD } from '../helpers/browser.js';

after(closeSharedBrowser);

// Evaluated in the page (the test's TypeScript has no DOM types, so these are strings).
/** Names of visible form controls without a label (label element, aria-label or aria-labelledby). */
const UNLABELLED = `[...document.querySelectorAll('input, select, textarea')]
  .filter((e) => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map((e) => e.name || e.id || e.outerHTML)`;
/** How far the document is wider than the window (px); 0 = no sideways scrolling. */
const OVERFLOW = `document.documentElement.scrollWidth - window.innerWidth`;
const FOCUSED = `document.activeElement?.id || document.activeElement?.className || document.activeElement?.tagName`;

async function checkPage(page: Page, what: string): Promise<void> {
  assert.deepEqual(await page.evaluate(UNLABELLED), [], `wanted every control of ${what} labelled`);
  assert.equal(await page.evaluate(OVERFLOW), 0, `wanted ${what} to fit the phone's width without sideways scrolling`);
}

test('at phone width every page fits, every control is labelled, and sign-in works from the keyboard', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.page.setViewportSize({ width: 360, height: 740 });

  await c.goto('/console/sign-in');
  await checkPage(c.page, 'sign-in');
  // Keyboard only: the skip link first, then the home link, the fields in order; Enter submits.
  await c.page.keyboard.press('Tab');
  assert.equal(await c.page.evaluate(FOCUSED), 'skip', 'wanted the skip link first in the tab order');
  await c.page.keyboard.press('Tab');
  assert.equal(await c.page.evaluate(FOCUSED), 'brand');
  await c.page.keyboard.press('Tab');
  assert.equal(await c.page.evaluate(FOCUSED), 'user');
  await c.page.keyboard.type('acme');
  await c.page.keyboard.press('Tab');
  assert.equal(await c.page.evaluate(FOCUSED), 'password');
  await c.page.keyboard.type(PASSWORD);
  await Promise.all([c.page.waitForURL(/\/console\/sent$/), c.page.keyboard.press('Enter')]);

  for (const path of ['/console/sent', '/console/compose', '/console/forwarding']) {
    await c.goto(path);
    await checkPage(c.page, path);
  }
  // The forwarding forms with their destination fields shown.
  for (const tool of ['console', 'whatsapp']) await c.page.locator(`#tool-${tool}`).getByLabel('URL (HTTP or HTTPS)').check();
  await checkPage(c.page, 'forwarding with destinations');

  await c.goto('/console/compose');
  await c.page.getByLabel('Recipients').fill('+436991234567');
  await c.page.getByLabel('Text').fill('Small screen');
  await Promise.all([c.page.waitForURL(/\/console\/sent\?sent=1$/), c.page.getByRole('button', { name: 'Send' }).click()]);
  await checkPage(c.page, 'sent with a message');
  await c.page.locator('tbody tr').first().getByRole('link').click();
  await c.page.getByRole('heading', { name: 'Timeline' }).waitFor();
  await checkPage(c.page, 'message detail');

  await c.page.getByRole('button', { name: 'Sign out' }).click();
  await c.signIn('operator', OPERATOR_PASSWORD);
  for (const path of ['/console/operator', '/console/compose', '/console/sent', '/console/forwarding?account=acme']) {
    await c.goto(path);
    await checkPage(c.page, `${path} (operator)`);
  }
});

test('the compose form names every problem at its field and keeps what was typed', async (ctx) => {
  const c = await consoleTest(ctx);
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/compose');

  // Nothing entered.
  const [empty] = await Promise.all([c.page.waitForResponse((r) => r.request().method() === 'POST'), c.page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(empty.status(), 400);
  await c.page.getByRole('alert').filter({ hasText: 'The message was not sent: see the marked fields.' }).waitFor();
  assert.equal(await c.page.locator('#recipients-error').textContent(), 'Enter at least one recipient.');
  assert.equal(await c.page.locator('#text-error').textContent(), 'Enter the text of the message.');
  for (const id of ['recipients', 'text']) {
    const input = c.page.locator(`#${id}`);
    assert.equal(await input.getAttribute('aria-invalid'), 'true', `wanted #${id} marked invalid`);
    assert.match((await input.getAttribute('aria-describedby')) ?? '', new RegExp(`${id}-error`), `wanted #${id} described by its error`);
  }

  // A bad recipient among good ones is named; a sender that is too long is refused; the text is kept.
  await c.page.getByLabel('Recipients').fill('+436991234567, 12ab');
  await c.page.getByLabel('Sender (optional)').fill('ThisSenderIsTooLong');
  await c.page.getByLabel('Text').fill('Keep me');
  await c.page.getByRole('button', { name: 'Send' }).click();
  await c.page.locator('#recipients-error').filter({ hasText: '"12ab" is not a phone number in international format' }).waitFor();
  assert.match((await c.page.locator('#sender-error').textContent()) ?? '', /up to 11 letters and digits/);
  assert.equal(await c.page.getByLabel('Text').inputValue(), 'Keep me');
  assert.equal(await c.page.getByLabel('Recipients').inputValue(), '+436991234567, 12ab');
  assert.deepEqual(c.t.app.store.messages.list({ accountId: acme.id, limit: 5 }), [], 'wanted nothing sent by a refused form');

  // The counter follows the text as the server counts it (src/intake/sms-text.ts).
  const counter = c.page.locator('#counter');
  const samples = ['x'.repeat(160), 'x'.repeat(161), 'Привет', '€'.repeat(80), '€'.repeat(81), 'Grüße aus Wien', 'ça', '[x]{y}~', 'a😀b', 'line\nbreak'];
  for (const text of samples) {
    await c.page.getByLabel('Text').fill(text);
    const server = smsText(text);
    const wanted = `${text.length} characters · ${server.dataCoding === 0 ? 'GSM 7-bit' : 'UCS-2'} · ${server.parts} SMS`;
    assert.equal(await counter.textContent(), wanted, `counter for ${JSON.stringify(text.slice(0, 20))}`);
  }
  assert.equal(await counter.getAttribute('aria-live'), 'polite', 'wanted the counter read out by screen readers');

  // Too long a text is refused with its length.
  await c.page.getByLabel('Recipients').fill('+436991234567');
  await c.page.getByLabel('Sender (optional)').fill('');
  await c.page.getByLabel('Text').fill('y'.repeat(1531));
  await c.page.getByRole('button', { name: 'Send' }).click();
  await c.page.locator('#text-error').filter({ hasText: 'The text is 1531 characters long; at most 1530.' }).waitFor();
});

test('over the account rate, compose says so and keeps the message as typed', async (ctx) => {
  const c = await consoleTest(ctx);
  const acme = c.t.addAccount('acme', PASSWORD, { rate: 1 });
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/compose');
  await c.page.getByLabel('Recipients').fill('+436991234561, +436991234562, +436991234563');
  await c.page.getByLabel('Text').fill('Three at once');
  const [answer] = await Promise.all([c.page.waitForResponse((r) => r.request().method() === 'POST'), c.page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(answer.status(), 429);
  assert.match((await c.page.getByRole('alert').textContent()) ?? '', /over the account's rate of 1 messages per second \(3 recipients count as 3 messages\)/);
  assert.equal(await c.page.getByLabel('Text').inputValue(), 'Three at once');
  assert.equal(await c.page.getByLabel('Recipients').inputValue(), '+436991234561, +436991234562, +436991234563');
  assert.deepEqual(c.t.app.store.messages.list({ accountId: acme.id, limit: 5 }), []);
});
