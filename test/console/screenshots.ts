/**
 * Takes the README's screenshots of the web console (not a test: the runner only picks up
 * *.test.js). Starts a throw-away smscd, sends a few messages through the console in Chromium,
 * sets some forwarding, and saves:
 *   docs/images/console-sent.png        the Sent view with statuses and their times
 *   docs/images/console-forwarding.png  the forwarding settings per tool
 *   docs/images/console-phone.png       the Sent view at phone width
 *
 *   npm run build && node dist/test/console/screenshots.js
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../helpers/app.js';
import { launchChromium, PASSWORD } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';

const OUT = join('docs', 'images');

async function main(): Promise<void> {
  const t = await startApp({
    'console.pollMs': 200,
    'simulator.delayMs': [200, 800],
    // A mix of outcomes to show: one prefix is refused by the network, one cannot be reached.
    'simulator.outcomes': { delivered: 1 },
    'simulator.rules': [
      { prefix: '4367', status: 'undelivered' },
      { prefix: '4368', status: 'rejected' },
    ],
    'whatsapp.delayMs': [200, 600],
    'whatsapp.failureRate': 0,
  });
  const browser = await launchChromium();
  try {
    const acme = t.addAccount('acme', PASSWORD);
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const origin = `http://127.0.0.1:${t.app.ports.http}`;
    await page.goto(`${origin}/console/sign-in`);
    await page.getByLabel('System ID').fill('acme');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(/\/console\/sent$/), page.getByRole('button', { name: 'Sign in' }).click()]);

    const compose = async (type: 'SMS' | 'WhatsApp', to: string, text: string): Promise<void> => {
      await page.goto(`${origin}/console/compose`);
      await page.getByLabel(type, { exact: true }).check();
      await page.getByLabel('Recipients').fill(to);
      await page.getByLabel('Text').fill(text);
      await Promise.all([page.waitForURL(/sent=/), page.getByRole('button', { name: 'Send' }).click()]);
    };
    await compose('SMS', '+436641234567', 'Your parcel arrives today between 10:00 and 12:00.');
    await compose('SMS', '+436781234567', 'Reminder: dentist appointment tomorrow at 9:30.');
    await compose('WhatsApp', '+436991234567', 'Your order #1042 has shipped.');
    await compose('SMS', '+436801234567', 'Code 482913 is your sign-in code.');
    await compose('SMS', '+436761234567, +436501234567', 'Team meeting moved to 14:00.');
    await eventually(() => t.app.store.messages.list({ accountId: acme.id, limit: 20 }).every((m) => ['delivered', 'undelivered', 'rejected', 'read'].includes(m.status)), 15_000, 'every message final');
    await page.goto(`${origin}/console/sent`);
    await page.locator('tr[data-status="read"]').waitFor();
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'console-sent.png'), fullPage: true });

    await page.goto(`${origin}/console/forwarding`);
    const tool = page.locator('#tool-console');
    await tool.getByLabel('URL (HTTP or HTTPS)').check();
    await tool.getByLabel('Address', { exact: true }).fill('https://hooks.example.com/smscd/receipts');
    await tool.getByLabel('XML').check();
    await Promise.all([page.waitForURL(/saved=console/), tool.getByRole('button', { name: 'Save' }).click()]);
    const whatsapp = page.locator('#tool-whatsapp');
    await whatsapp.getByLabel('E-mail address', { exact: true }).check();
    await whatsapp.getByLabel('Address', { exact: true }).fill('receipts@example.com');
    await whatsapp.getByLabel('sent', { exact: true }).check();
    await Promise.all([page.waitForURL(/saved=whatsapp/), whatsapp.getByRole('button', { name: 'Save' }).click()]);
    await page.locator('#tool-api').getByLabel('XML').check();
    await Promise.all([page.waitForURL(/saved=api/), page.locator('#tool-api').getByRole('button', { name: 'Save' }).click()]);
    await page.screenshot({ path: join(OUT, 'console-forwarding.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}/console/sent`);
    await page.screenshot({ path: join(OUT, 'console-phone.png') });
    console.log(`screenshots written to ${OUT}/`);
  } finally {
    await browser.close();
    await t.stop();
  }
}

await main();
