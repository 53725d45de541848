// The memory benchmark (`npm run bench:memory`), two parts against `smscd serve` (synchronous=FULL):
// 1. Stored: submit --stored messages (default 1,000,000) as fast as 2 binds with window 100 allow,
//    deliveries planned an hour later (so they stay pending rows), then read smscd's RSS from /proc.
//    Goal: <= 250 MB.
// 2. Soak: find the maximum rate with receipts (a 20 s run at full speed, default delivery delays,
//    registered_delivery 1), then, on a fresh server, a minute's warm-up and --soak-minutes
//    (default 10) at half of it, sampling RSS every 10 s. Goal: every sample after the first
//    minute within ±10 % of the first minute's median.
//
//   node dist/bench/memory.js [--stored 1000000] [--soak-minutes 10] [--part all|stored|soak]
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLoadtest } from '../src/loadtest/run-loadtest.js';
import { reportResult } from './lib/result.js';
import { readRss, readRssParts } from './lib/rss.js';
import { startSmscd } from './lib/smscd.js';

const GOAL_STORED_MB = 250;
const GOAL_FLAT = 0.1;
const SAMPLE_MS = 10_000;
/** Seconds at the soak rate before the measured run (not sampled). */
const WARMUP_SEC = 60;
const SYSTEM_ID = 'bench';
const PASSWORD = 'bench1';

const { values } = parseArgs({
  options: {
    stored: { type: 'string', default: '1000000' },
    'soak-minutes': { type: 'string', default: '10' },
    part: { type: 'string', default: 'all' },
  },
});
const mb = (bytes: number | null): number => Math.round((bytes ?? 0) / 1e5) / 10;

async function stored(count: number): Promise<void> {
  const smscd = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config: { simulator: { delayMs: [3_600_000, 3_600_000] }, log: { level: 'warn' } } });
  try {
    const before = readRss(smscd.pid);
    const report = await runLoadtest({ port: smscd.port, systemId: SYSTEM_ID, password: PASSWORD, binds: 2, window: 100, count, registeredDelivery: 0 });
    const after = readRss(smscd.pid);
    console.log(`stored: ${report.accepted} messages in ${(report.submitMs / 1000).toFixed(1)} s (${Math.round(report.submitRate).toLocaleString('en-US')}/s); RSS ${mb(before)} MB at start, ${mb(after)} MB after`);
    const met = report.accepted === count && mb(after) <= GOAL_STORED_MB;
    console.log(`goal: RSS <= ${GOAL_STORED_MB} MB with ${count} messages stored → ${met ? 'met' : 'not met'}`);
    reportResult({ bench: 'memory stored', figure: `RSS with ${count.toLocaleString('en-US')} messages stored`, value: mb(after), unit: 'MB', goal: `<= ${GOAL_STORED_MB}`, met });
  } finally {
    await smscd.stop();
  }
}

async function soak(minutes: number): Promise<void> {
  const common = { systemId: SYSTEM_ID, password: PASSWORD, binds: 2, window: 100, registeredDelivery: 1, receiptTimeoutSec: 60 };
  const config = { log: { level: 'warn' } };
  // The maximum is found on a server of its own: the heap a full-speed run leaves behind shrinks
  // back over the next minute or two, and that would read as a change of level in the soak.
  const probe = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config });
  let rate: number;
  try {
    const max = await runLoadtest({ ...common, port: probe.port, durationSec: 20 });
    rate = Math.max(1, Math.floor(max.submitRate / 2));
    console.log(`soak: maximum with receipts ${Math.round(max.submitRate).toLocaleString('en-US')}/s; ${WARMUP_SEC} s warm-up, then ${minutes} min at ${rate.toLocaleString('en-US')}/s on a fresh server`);
  } finally {
    await probe.stop();
  }
  const smscd = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config });
  try {
    // Warm-up at the soak rate: the heap, the page cache and the tables reach their working size.
    await runLoadtest({ ...common, port: smscd.port, rate, durationSec: WARMUP_SEC });
    const samples: Array<{ atSec: number; rss: number }> = [];
    const startedAt = Date.now();
    const timer = setInterval(() => {
      const rss = mb(readRss(smscd.pid));
      const atSec = Math.round((Date.now() - startedAt) / 1000);
      samples.push({ atSec, rss });
      // Where a change comes from: anonymous memory (V8 heap, malloc: SQLite's cache) or file
      // pages (the WAL index is a shared mapping), and how large the WAL is at that moment.
      const parts = readRssParts(smscd.pid);
      const split = parts ? `  (anon ${mb(parts.anon)}, file ${mb(parts.file)}, shmem ${mb(parts.shmem)})` : '';
      console.log(`  ${String(atSec).padStart(4)} s  RSS ${rss} MB${split}  WAL ${mb(fileSize(`${smscd.db}-wal`))} MB`);
    }, SAMPLE_MS);
    let report;
    try {
      report = await runLoadtest({ ...common, port: smscd.port, rate, durationSec: minutes * 60 });
    } finally {
      clearInterval(timer);
    }
    // The level is the median of the first minute's samples (a single GC peak does not set it);
    // every later sample must stay within ±GOAL_FLAT of it.
    const firstMinute = samples.filter((s) => s.atSec <= 60).map((s) => s.rss);
    const level = median(firstMinute.length > 0 ? firstMinute : samples.slice(0, 1).map((s) => s.rss));
    const later = samples.filter((s) => s.atSec > 60).map((s) => s.rss);
    const worst = later.reduce((w, rss) => Math.max(w, Math.abs(rss - level) / level), 0);
    const receipts = Object.values(report.receipts).reduce((a, b) => a + b, 0);
    console.log(`soak: ${report.accepted} accepted, ${receipts} receipts (missing ${report.receiptsMissing ?? '?'}); RSS first minute ${level.toFixed(1)} MB (median), after it ${Math.min(...later)}–${Math.max(...later)} MB (largest deviation ${(worst * 100).toFixed(1)} %)`);
    const met = later.length > 0 && worst <= GOAL_FLAT;
    console.log(`goal: RSS flat within ±${GOAL_FLAT * 100} % → ${met ? 'met' : 'not met'}`);
    reportResult({ bench: 'memory soak', figure: `largest RSS deviation over ${minutes} min at ${rate}/s (first minute ${level.toFixed(1)} MB)`, value: Math.round(worst * 1000) / 10, unit: '%', goal: `<= ${GOAL_FLAT * 100}`, met });
  } finally {
    await smscd.stop();
  }
}

/** Size of a file in bytes, 0 when it is not there (the WAL between checkpoints). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (values.part === 'all' || values.part === 'stored') await stored(Number(values.stored));
  if (values.part === 'all' || values.part === 'soak') await soak(Number(values['soak-minutes']));
}

main().catch((err: unknown) => {
  console.error(`memory benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
