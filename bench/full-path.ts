// The full-path benchmark (`npm run bench:full-path`): submit → simulated delivery → SMPP receipt
// back on the bind AND an HTTP forward of the same event to a loopback receiver (bench/peer-http.ts,
// its own process). smscd runs as `smscd serve` (synchronous=FULL) with a zero delivery delay and
// one rule forwarding the account's SMPP SMS to the receiver. The figure is events per second:
// messages whose receipt reached the client and whose forward reached the receiver, from the first
// submit to the later of the two last arrivals. Goal: >= 5,000 events/s.
//
//   node dist/bench/full-path.js [--count 50000] [--binds 2] [--window 100]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { runLoadtest } from '../src/loadtest/run-loadtest.js';
import { startPeer } from './lib/peer.js';
import { reportResult } from './lib/result.js';
import { ROOT, startSmscd } from './lib/smscd.js';

const GOAL_EVENTS_PER_SEC = 5_000;
const SYSTEM_ID = 'bench';
const PASSWORD = 'bench1';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    binds: { type: 'string', default: '2' },
    window: { type: 'string', default: '100' },
  },
});
const count = Number(values.count);

async function main(): Promise<void> {
  console.log(`full path: ${count} submit_sm (registered_delivery 1) over ${values.binds} binds, window ${values.window}; each event → SMPP receipt + HTTP forward`);
  const peer = await startPeer('http', [count]);
  const smscd = await startSmscd({
    systemId: SYSTEM_ID,
    password: PASSWORD,
    config: { simulator: { delayMs: [0, 0] }, forwarding: { allowPrivateTargets: true }, log: { level: 'warn' } },
  });
  try {
    const cli = (...args: string[]): void => {
      execFileSync(process.execPath, [join(ROOT, 'bin/smscd'), ...args, '--db', smscd.db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    };
    cli('target', 'add', 'hook', '--type', 'http', '--url', String(peer.ready.url));
    cli('rule', 'add', '--account', SYSTEM_ID, '--channel', 'smpp', '--target', 'hook');
    // The running server notices CLI changes within a second (cli.reloadIntervalMs).
    await sleep(1_500);
    const started = performance.now();
    const forwarded = peer.reach(count);
    const report = await runLoadtest({ port: smscd.port, systemId: SYSTEM_ID, password: PASSWORD, binds: Number(values.binds), window: Number(values.window), count, registeredDelivery: 1, receiptTimeoutSec: 120 });
    const receiptsDone = started + report.totalMs;
    // Unref'd: once the forwards are in, this timer must not keep the process alive for two minutes.
    const forwardsDone = await Promise.race([forwarded, sleep(120_000, undefined, { ref: false }).then(() => Infinity)]);
    const end = Math.max(receiptsDone, forwardsDone);
    const receipts = Object.values(report.receipts).reduce((a, b) => a + b, 0);
    const seconds = (end - started) / 1000;
    const rate = Number.isFinite(end) ? count / seconds : 0;
    console.log(`  accepted ${report.accepted}, receipts ${receipts} (missing ${report.receiptsMissing ?? '?'}, unmatched ${report.unmatchedReceipts}), forwards ${peer.count}`);
    console.log(`  receipts done after ${((receiptsDone - started) / 1000).toFixed(2)} s, forwards done after ${Number.isFinite(forwardsDone) ? ((forwardsDone - started) / 1000).toFixed(2) : 'never'} s`);
    const complete = report.accepted === count && receipts === count && peer.count >= count;
    console.log(`full path: ${Math.round(rate).toLocaleString('en-US')} events/s${complete ? '' : ' (INCOMPLETE)'}`);
    console.log(`goal: >= ${GOAL_EVENTS_PER_SEC.toLocaleString('en-US')} events/s → ${complete && rate >= GOAL_EVENTS_PER_SEC ? 'met' : 'not met'}`);
    reportResult({ bench: 'full path', figure: 'events/s (submit → delivery → SMPP receipt + HTTP forward)', value: Math.round(rate), unit: 'events/s', goal: `>= ${GOAL_EVENTS_PER_SEC}`, met: complete && rate >= GOAL_EVENTS_PER_SEC });
    if (!complete) process.exitCode = 1;
  } finally {
    await smscd.stop();
    await peer.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`full-path benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
