/**
 * Browser tests of the web console: Debian's Chromium (headless) driven by playwright-core, against
 * a whole smscd started with `startApp`. No Playwright browser is downloaded; scripts/test-deps.sh
 * installs the `chromium` package when it is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApp, type TestApp } from './app.js';
import { cleanup } from './cleanup.js';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where each test's last page is saved as a PNG (a test artifact, not committed). */
export const ARTIFACTS = join('test-artifacts', 'console');

/** Passwords the console tests sign in with. */
export const PASSWORD = 'secret-pw1';
export const OPERATOR_PASSWORD = 'operator-pw1';

// Flags for a quiet, headless Chromium in CI: no sandbox (containers run as root), no GPU, no
// network of its own (updates, sync, QUIC), no first-run UI.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Debian's Chromium headless; fails with what to do when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "sh scripts/test-deps.sh" as root (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

let shared: Promise<Browser> | null = null;

/**
 * One Chromium per test file (starting it is most of a short test's time); each test gets its
 * own browser context, so no cookies or storage cross from one test to the next. A file that
 * uses consoleTest calls `after(closeSharedBrowser)`, or its process would not exit.
 */
function sharedBrowser(): Promise<Browser> {
  shared ??= launchChromium();
  return shared;
}

/** Closes the file's shared Chromium (for a top-level `after`). */
export async function closeSharedBrowser(): Promise<void> {
  const browser = shared;
  shared = null;
  if (browser) await (await browser).close();
}

/** A console test: the app, the browser page, and where the console is. */
export interface ConsoleTest {
  t: TestApp;
  page: Page;
  browser: Browser;
  /** http://127.0.0.1:<port> */
  origin: string;
  defer: (fn: () => unknown) => void;
  /** Opens a console path (e.g. `/console/sent`). */
  goto(path: string): Promise<void>;
  /** Signs in through the form and waits for the page after it. */
  signIn(user: string, password: string): Promise<void>;
}

/** A file name from a test's name. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 80).replace(/^-+|-+$/g, '');
}

/**
 * Starts smscd (short simulator delays, 200 ms live updates, private targets allowed, a known
 * operator password, `overrides` on top) and a fresh browser context with one page. After the
 * test the last page is saved to test-artifacts/console/<test name>.png (also when the test
 * failed), then the context closes and the app stops.
 */
export async function consoleTest(ctx: TestContext, overrides: Record<string, unknown> = {}): Promise<ConsoleTest> {
  const defer = cleanup(ctx);
  const t = await startApp({
    'console.pollMs': 200,
    'console.operatorPassword': OPERATOR_PASSWORD,
    'forwarding.allowPrivateTargets': true,
    // Only what a test asks for is held back: a wrong password must not slow the next test.
    'security.bruteForce': { delayMs: 0 },
    ...overrides,
  });
  defer(() => t.stop());
  const browser = await sharedBrowser();
  // A laptop-sized window; the phone-width test makes its own.
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  defer(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  defer(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${slug(ctx.name)}.png`), fullPage: true }).catch(() => {});
  });
  const origin = `http://127.0.0.1:${t.app.ports.http}`;
  const goto = async (path: string): Promise<void> => {
    await page.goto(origin + path);
  };
  return {
    t,
    page,
    browser,
    origin,
    defer,
    goto,
    async signIn(user, password) {
      await goto('/console/sign-in');
      await page.getByLabel('System ID').fill(user);
      await page.getByLabel('Password').fill(password);
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    },
  };
}

/** Every outcome of the simulator is "delivered" (tests that wait for a receipt). */
export const ALWAYS_DELIVERED = { 'simulator.outcomes': { delivered: 1 } };
