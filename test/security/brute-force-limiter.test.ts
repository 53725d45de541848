/**
 * The brute-force limiter as pure policy, with a hand-moved clock: sliding window, lockout and its
 * end, per-address and per-systemId limits apart, success clearing only the systemId, 0 disabling
 * a limit, and the bound on remembered keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BruteForceLimiter, type BruteForceSettings, type LoginAttempt } from '../../src/security/brute-force-limiter.js';

const SETTINGS: BruteForceSettings = { maxFailuresPerAddress: 4, maxFailuresPerSystemId: 2, windowSec: 10, lockoutSec: 30, delayMs: 500 };

/** A limiter whose clock the test moves (ms). */
function limiter(settings: Partial<BruteForceSettings> = {}, maxKeys?: number): { l: BruteForceLimiter; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { l: new BruteForceLimiter({ ...SETTINGS, ...settings }, () => clock.now, maxKeys), clock };
}

type Step =
  | { at: number; fail: LoginAttempt; locks?: Array<'address' | 'systemId'> }
  | { at: number; succeed: LoginAttempt }
  | { at: number; check: LoginAttempt; locked: null | { kind: 'address' | 'systemId'; retryAfterSec: number } };

const A = { address: '10.0.0.1', systemId: 'acme' };
const B = { address: '10.0.0.1', systemId: 'globex' };
const C = { address: '10.0.0.2', systemId: 'acme' };
const TOKEN = { address: '10.0.0.1' };

const cases: Array<[string, Partial<BruteForceSettings>, Step[]]> = [
  ['below the limit nothing is locked', {}, [{ at: 0, fail: A }, { at: 0, check: A, locked: null }]],
  [
    'the 2nd failure for a systemId locks it for lockoutSec; other systemIds from the address are not locked',
    {},
    [
      { at: 0, fail: A },
      { at: 1000, fail: A, locks: ['systemId'] },
      { at: 1000, check: A, locked: { kind: 'systemId', retryAfterSec: 30 } },
      { at: 1000, check: C, locked: { kind: 'systemId', retryAfterSec: 30 } },
      { at: 1000, check: B, locked: null },
      { at: 30_999, check: A, locked: { kind: 'systemId', retryAfterSec: 1 } },
      { at: 31_000, check: A, locked: null },
    ],
  ],
  [
    'failures older than windowSec no longer count (sliding window)',
    {},
    [
      { at: 0, fail: A },
      { at: 10_000, fail: A },
      { at: 10_000, check: A, locked: null },
      { at: 10_001, fail: A, locks: ['systemId'] },
    ],
  ],
  [
    'the address is locked after its own limit, whichever systemIds (or tokens) were tried',
    { maxFailuresPerSystemId: 100 },
    [
      { at: 0, fail: A },
      { at: 0, fail: B },
      { at: 0, fail: TOKEN },
      { at: 0, fail: { address: '10.0.0.1', systemId: 'x' }, locks: ['address'] },
      { at: 0, check: B, locked: { kind: 'address', retryAfterSec: 30 } },
      { at: 0, check: TOKEN, locked: { kind: 'address', retryAfterSec: 30 } },
      { at: 0, check: C, locked: null },
    ],
  ],
  [
    'one failure can start both locks',
    { maxFailuresPerAddress: 2 },
    [
      { at: 0, fail: A },
      { at: 0, fail: A, locks: ['address', 'systemId'] },
      { at: 0, check: A, locked: { kind: 'address', retryAfterSec: 30 } },
    ],
  ],
  [
    'a success clears the systemId failures, not the address failures',
    { maxFailuresPerAddress: 3 },
    [
      { at: 0, fail: A },
      { at: 0, succeed: A },
      { at: 0, fail: A },
      { at: 0, check: A, locked: null },
      { at: 0, fail: B, locks: ['address'] },
    ],
  ],
  [
    'a success does not lift a lock in force, and failures while locked do not extend it',
    {},
    [
      { at: 0, fail: A },
      { at: 0, fail: A, locks: ['systemId'] },
      { at: 5000, succeed: A },
      { at: 5000, fail: A },
      { at: 5000, check: A, locked: { kind: 'systemId', retryAfterSec: 25 } },
      { at: 30_000, check: A, locked: null },
      { at: 30_000, fail: A },
      { at: 30_000, check: A, locked: null },
    ],
  ],
  [
    'maxFailuresPerSystemId 0 turns the systemId limit off; the address limit stays',
    { maxFailuresPerSystemId: 0, maxFailuresPerAddress: 3 },
    [
      { at: 0, fail: A },
      { at: 0, fail: A },
      { at: 0, check: A, locked: null },
      { at: 0, fail: A, locks: ['address'] },
    ],
  ],
  [
    'maxFailuresPerAddress 0 turns the address limit off',
    { maxFailuresPerAddress: 0, maxFailuresPerSystemId: 100 },
    [...Array.from({ length: 50 }, (_, i) => ({ at: 0, fail: { address: '10.0.0.1', systemId: `u${i}` } })), { at: 0, check: A, locked: null }],
  ],
];

describe('BruteForceLimiter', () => {
  for (const [name, settings, steps] of cases) {
    test(name, () => {
      const { l, clock } = limiter(settings);
      const start = clock.now;
      steps.forEach((step, i) => {
        clock.now = start + step.at;
        const where = `step ${i} (at ${step.at} ms)`;
        if ('fail' in step) {
          const outcome = l.failed(step.fail);
          assert.deepEqual(outcome.lockouts.map((x) => x.kind), step.locks ?? [], `${where}: locks started by failing ${JSON.stringify(step.fail)}`);
          assert.equal(outcome.delayMs, l.enabled ? 500 : 0, `${where}: delay`);
        } else if ('succeed' in step) {
          l.succeeded(step.succeed);
        } else {
          const lock = l.check(step.check);
          assert.deepEqual(lock && { kind: lock.kind, retryAfterSec: lock.retryAfterSec }, step.locked, `${where}: lock of ${JSON.stringify(step.check)}`);
        }
      });
    });
  }

  test('both limits 0: nothing is counted, locked or delayed', () => {
    const { l } = limiter({ maxFailuresPerAddress: 0, maxFailuresPerSystemId: 0 });
    assert.equal(l.enabled, false);
    for (let i = 0; i < 100; i++) assert.deepEqual(l.failed(A), { lockouts: [], delayMs: 0 });
    assert.equal(l.check(A), null);
    assert.deepEqual(l.size, { addresses: 0, systemIds: 0 });
  });

  test('remembered keys are bounded: expired entries are swept first, then the oldest unlocked ones; a lock in force survives', () => {
    const { l, clock } = limiter({ maxFailuresPerAddress: 2, maxFailuresPerSystemId: 100 }, 10);
    // A locked address first.
    l.failed({ address: 'locked' });
    l.failed({ address: 'locked' });
    // Eight single failures, then the window passes for them (not for the lock, 30 s).
    for (let i = 0; i < 8; i++) l.failed({ address: `old-${i}` });
    assert.equal(l.size.addresses, 9);
    clock.now += 11_000;
    for (let i = 0; i < 5; i++) l.failed({ address: `new-${i}` });
    assert.ok(l.size.addresses <= 10, `at most 10 addresses, had ${l.size.addresses}`);
    assert.ok(l.check({ address: 'locked' }), 'the lock in force was not swept');
    // A flood of fresh keys: the table stays at its bound.
    for (let i = 0; i < 1000; i++) l.failed({ address: `flood-${i}` });
    assert.ok(l.size.addresses <= 10, `at most 10 addresses after a flood, had ${l.size.addresses}`);
    assert.ok(l.check({ address: 'locked' }), 'the lock in force survived the flood');
    assert.ok(l.check({ address: 'flood-999' }) === null && l.failed({ address: 'flood-999' }).lockouts.length === 1, 'the newest key was kept (its 2nd failure locks)');
  });
});
