/** The simulator's decisions: outcome mix, prefix rules, test numbers, delays, validity, seed. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { Simulator, type SubmitDecision } from '../../src/delivery/simulator.js';
import { testConfig } from '../helpers/app.js';

function simulator(overrides: Record<string, unknown>): Simulator {
  return new Simulator(testConfig(mkdtempSync(`${tmpdir()}/smscd-sim-`), overrides).simulator);
}

const accept = (d: SubmitDecision) => {
  assert.equal(d.kind, 'accept', `wanted an accepted message, had ${JSON.stringify(d)}`);
  return d as Extract<SubmitDecision, { kind: 'accept' }>;
};
const msg = (destAddr: string, extra: Partial<{ scheduleAt: number; expiresAt: number }> = {}) => ({ destAddr, scheduleAt: extra.scheduleAt ?? null, expiresAt: extra.expiresAt ?? null });
const NOW = 1_800_000_000_000;

test('the outcome mix follows the weights (10,000 draws within 2 points)', () => {
  const sim = simulator({ 'simulator.outcomes': { delivered: 90, undelivered: 6, expired: 2, rejected: 2 }, 'simulator.seed': 42 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) {
    const { plan } = accept(sim.decide(msg('436991234567'), NOW));
    counts[plan.finalStatus] = (counts[plan.finalStatus] ?? 0) + 1;
  }
  for (const [status, weight] of Object.entries({ delivered: 90, undelivered: 6, expired: 2, rejected: 2 })) {
    const share = ((counts[status] ?? 0) / 10_000) * 100;
    assert.ok(Math.abs(share - weight) < 2, `${status}: wanted about ${weight}%, had ${share.toFixed(1)}%`);
  }
});

test('the same seed gives the same decisions', () => {
  const run = () => {
    const sim = simulator({ 'simulator.outcomes': { delivered: 50, undelivered: 50 }, 'simulator.seed': 7, 'simulator.delayMs': [0, 10_000] });
    return Array.from({ length: 50 }, () => {
      const { plan } = accept(sim.decide(msg('436991234567'), NOW));
      return `${plan.finalStatus}@${plan.finalDueAt}`;
    });
  };
  assert.deepEqual(run(), run());
});

test('prefix rules: the longest matching prefix wins; a leading + is ignored', () => {
  const sim = simulator({
    'simulator.outcomes': { delivered: 1 },
    'simulator.rules': [
      { prefix: '4366', status: 'rejected' },
      { prefix: '436601', status: 'expired' },
    ],
  });
  const table: Array<[string, string]> = [
    ['436612345', 'rejected'],
    ['+436612345', 'rejected'],
    ['436601999', 'expired'],
    ['436991234', 'delivered'],
  ];
  for (const [dest, want] of table) assert.equal(accept(sim.decide(msg(dest), NOW)).plan.finalStatus, want, dest);
});

test('test numbers force a submit error, a late response or a final status', () => {
  const sim = simulator({ 'simulator.outcomes': { delivered: 1 }, 'simulator.delayMs': [100, 100] });
  assert.deepEqual(sim.decide(msg('999000001'), NOW), { kind: 'refuse', submitError: 'ESME_RTHROTTLED' });
  assert.deepEqual(sim.decide(msg('+999000002'), NOW), { kind: 'refuse', submitError: 'ESME_RMSGQFUL' });
  assert.deepEqual(sim.decide(msg('999000003'), NOW), { kind: 'refuse', submitError: 'ESME_RSUBMITFAIL' });
  const late = accept(sim.decide(msg('999000004'), NOW));
  assert.equal(late.responseDelayMs, 5000);
  assert.ok(late.plan.finalDueAt >= NOW + 5000, 'the final status never comes before the late response');
  assert.equal(accept(sim.decide(msg('999000011'), NOW)).plan.finalStatus, 'undelivered');
  assert.equal(accept(sim.decide(msg('999000011'), NOW)).plan.errorCode, 1);
});

test('delays, ENROUTE halfway, scheduled start, validity ending first', () => {
  const sim = simulator({ 'simulator.outcomes': { delivered: 1 }, 'simulator.delayMs': [1000, 1000], 'simulator.enroute': true });
  const plain = accept(sim.decide(msg('436991234567'), NOW)).plan;
  assert.deepEqual(
    { next: plain.nextStatus, due: plain.dueAt - NOW, final: plain.finalStatus, finalDue: plain.finalDueAt - NOW },
    { next: 'enroute', due: 500, final: 'delivered', finalDue: 1000 },
  );
  const scheduled = accept(sim.decide(msg('436991234567', { scheduleAt: NOW + 60_000 }), NOW)).plan;
  assert.equal(scheduled.finalDueAt, NOW + 61_000, 'delivery starts at the scheduled time');
  const expiring = accept(sim.decide(msg('436991234567', { expiresAt: NOW + 400 }), NOW)).plan;
  assert.deepEqual([expiring.finalStatus, expiring.finalDueAt, expiring.errorCode], ['expired', NOW + 400, 27]);
});
