// API authentication (src/api/auth.ts): parallel Basic requests with the same credentials share
// one password check, and each still counts as its own attempt. The check is the real scrypt
// verifyPassword, wrapped only to count its runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiAuth } from '../../src/api/auth.js';
import type { HttpError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { BruteForceLimiter } from '../../src/security/brute-force-limiter.js';
import { LoginGuard } from '../../src/security/login-guard.js';
import { hashPassword, verifyPassword } from '../../src/store/secrets.js';
import { addAccount, openTempStore } from '../helpers/store-fixtures.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function setup(t: Parameters<typeof openTempStore>[0], maxFailuresPerSystemId = 5) {
  const { store } = openTempStore(t);
  addAccount(store, 'alice', { passwordHash: hashPassword('right-pass') });
  const limiter = new BruteForceLimiter({ maxFailuresPerAddress: 100, maxFailuresPerSystemId, windowSec: 300, lockoutSec: 300, delayMs: 0 });
  const runs: string[] = [];
  const verify = (password: string, stored: string): Promise<boolean> => {
    runs.push(password);
    return verifyPassword(password, stored);
  };
  const auth = new ApiAuth(store, new LoginGuard(limiter, 'api', new Metrics(), createLogger('silent')), verify);
  return { auth, runs };
}

test('50 parallel requests with the same right credentials run scrypt once, and all are let in', async (t) => {
  const { auth, runs } = setup(t);
  const accounts = await Promise.all(Array.from({ length: 50 }, () => auth.authenticate(basic('alice', 'right-pass'), '127.0.0.1')));
  assert.equal(runs.length, 1);
  assert.ok(accounts.every((a) => a.systemId === 'alice'));
  // Remembered afterwards: no check at all.
  await auth.authenticate(basic('alice', 'right-pass'), '127.0.0.1');
  assert.equal(runs.length, 1);
});

test('different passwords in parallel are checked apart; a shared wrong check fails every waiter as its own attempt', async (t) => {
  const { auth, runs } = setup(t, 3);
  const results = await Promise.allSettled([
    ...Array.from({ length: 3 }, () => auth.authenticate(basic('alice', 'wrong-pass'), '127.0.0.1')),
    auth.authenticate(basic('alice', 'right-pass'), '127.0.0.2'),
  ]);
  assert.deepEqual(runs.sort(), ['right-pass', 'wrong-pass']);
  assert.deepEqual(
    results.slice(0, 3).map((r) => (r.status === 'rejected' ? (r.reason as HttpError).status : 'let in')),
    [401, 401, 401],
  );
  // One check, three failures counted: the systemId (3 allowed) is locked, and the next attempt is
  // refused before any check runs. (The right password's own outcome depends on whether the lock
  // came first, so it is not asserted.)
  await assert.rejects(auth.authenticate(basic('alice', 'wrong-pass'), '127.0.0.3'), (err: HttpError) => err.status === 429);
  assert.equal(runs.length, 2);
});
