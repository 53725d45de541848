/**
 * Sign-in and CSRF in a real browser (issue 10): a wrong password is refused and the browser stays
 * on the sign-in page with an error; a POST without (or with a wrong) CSRF token, or from another
 * origin, is refused with 403 even with a valid session; sign-out ends the session.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeSharedBrowser, consoleTest, PASSWORD } from '../helpers/browser.js';

after(closeSharedBrowser);

test('a wrong password is refused: the browser stays on sign-in with an error and no session', async (ctx) => {
  const c = await consoleTest(ctx);
  c.t.addAccount('acme', PASSWORD);
  await c.goto('/console/sent');
  // Signed out: Sent sends the browser to sign-in, and back after it.
  assert.match(c.page.url(), /\/console\/sign-in\?next=%2Fconsole%2Fsent$/);

  await c.page.getByLabel('System ID').fill('acme');
  await c.page.getByLabel('Password').fill('not-the-password');
  const [answer] = await Promise.all([c.page.waitForResponse((r) => r.request().method() === 'POST'), c.page.getByRole('button', { name: 'Sign in' }).click()]);
  assert.equal(answer.status(), 401);
  await c.page.waitForLoadState();
  assert.match(c.page.url(), /\/console\/sign-in$/, `wanted to stay on sign-in, had ${c.page.url()}`);
  assert.equal(await c.page.getByRole('alert').textContent(), 'Wrong system ID or password.');
  assert.equal(await c.page.getByLabel('System ID').inputValue(), 'acme', 'wanted the system ID kept');
  assert.equal(await c.page.getByLabel('Password').inputValue(), '', 'wanted the password not echoed back');
  assert.equal(await c.page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  const cookies = await c.page.context().cookies();
  assert.equal(cookies.find((k) => k.name === 'smscd_session'), undefined, 'wanted no session cookie after a wrong password');
  assert.equal((c.t.app.store.db.prepare('SELECT count(*) AS n FROM console_sessions').get() as { n: number }).n, 0, 'wanted no session stored');

  // Empty fields are named, not sent to the password check.
  await c.page.getByLabel('System ID').fill('');
  await c.page.getByRole('button', { name: 'Sign in' }).click();
  await c.page.getByRole('alert').filter({ hasText: 'Enter your system ID and password.' }).waitFor();

  // The right password still works after the wrong one, and goes where the first visit wanted.
  await c.page.getByLabel('System ID').fill('acme');
  await c.page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([c.page.waitForURL(/\/console\/sent$/), c.page.getByRole('button', { name: 'Sign in' }).click()]);
});

test('a POST without its CSRF token (or with a wrong one, or from another origin) is refused with 403', async (ctx) => {
  const c = await consoleTest(ctx);
  const acme = c.t.addAccount('acme', PASSWORD);
  await c.signIn('acme', PASSWORD);
  await c.goto('/console/compose');
  const token = await c.page.locator('form.compose input[name="_csrf"]').inputValue();
  // The browser itself, posting the form without its token, gets the refusal page.
  await c.page.evaluate(`document.querySelector('form.compose input[name="_csrf"]').remove()`);
  await c.page.getByLabel('Recipients').fill('+436991234567');
  await c.page.getByLabel('Text').fill('No token');
  const [refused] = await Promise.all([c.page.waitForResponse((r) => r.request().method() === 'POST'), c.page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(refused.status(), 403);
  await c.page.getByRole('alert').filter({ hasText: 'missing its security token' }).waitFor();
  await c.goto('/console/compose');
  assert.ok(token.length > 20, 'wanted a CSRF token in the form');
  // page.request shares the browser's cookies: the session is valid, only the token differs.
  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    c.page.request.post(`${c.origin}/console/compose`, { form, headers, maxRedirects: 0 });
  const message = { type: 'sms', recipients: '+436991234567', text: 'CSRF?', receipt: 'yes' };

  const missing = await post(message);
  assert.equal(missing.status(), 403, `wanted 403 without _csrf, had ${missing.status()}`);
  assert.match(await missing.text(), /missing its security token/);
  const wrong = await post({ ...message, _csrf: `${token.slice(0, -2)}xx` });
  assert.equal(wrong.status(), 403, `wanted 403 with a wrong _csrf, had ${wrong.status()}`);
  const foreign = await post({ ...message, _csrf: token }, { origin: 'http://evil.example' });
  assert.equal(foreign.status(), 403, `wanted 403 from another origin, had ${foreign.status()}`);
  assert.deepEqual(c.t.app.store.messages.list({ accountId: acme.id, limit: 5 }), [], 'wanted nothing sent by a refused POST');

  // The same POST with the token goes through: the 403s were the token, not the session.
  const ok = await post({ ...message, _csrf: token });
  assert.equal(ok.status(), 303, `wanted 303 with the token, had ${ok.status()} ${await ok.text()}`);
  assert.equal(c.t.app.store.messages.list({ accountId: acme.id, limit: 5 }).length, 1);

  // Sign-out without the token is refused too; with it, the session ends for good.
  const signOut = await c.page.request.post(`${c.origin}/console/sign-out`, { form: {}, maxRedirects: 0 });
  assert.equal(signOut.status(), 403);
  await c.goto('/console/sent');
  await Promise.all([c.page.waitForURL(/\/console\/sign-in$/), c.page.getByRole('button', { name: 'Sign out' }).click()]);
  const after = await c.page.request.get(`${c.origin}/console/sent/rows`);
  assert.equal(after.status(), 401, 'wanted the live rows refused after sign-out');
});

test('failed sign-ins count toward the brute-force limit: the account is then refused with 429 and a clear message', async (ctx) => {
  const c = await consoleTest(ctx, { 'security.bruteForce': { delayMs: 0, maxFailuresPerSystemId: 2, lockoutSec: 60 } });
  c.t.addAccount('acme', PASSWORD);
  await c.goto('/console/sign-in');
  const attempt = async (password: string): Promise<number> => {
    await c.page.getByLabel('System ID').fill('acme');
    await c.page.getByLabel('Password').fill(password);
    const [answer] = await Promise.all([c.page.waitForResponse((r) => r.request().method() === 'POST'), c.page.getByRole('button', { name: 'Sign in' }).click()]);
    await c.page.waitForLoadState();
    return answer.status();
  };
  assert.equal(await attempt('wrong-1'), 401);
  assert.equal(await attempt('wrong-2'), 401);
  // Locked: even the right password is refused, and the page says why and for how long.
  assert.equal(await attempt(PASSWORD), 429);
  assert.match((await c.page.getByRole('alert').textContent()) ?? '', /^Too many failed sign-ins: try again in \d+ s\.$/);
  assert.match(c.page.url(), /\/console\/sign-in$/);
});
