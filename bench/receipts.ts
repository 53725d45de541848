// The receipt benchmark (`npm run bench:receipts`), in two parts.
//
// 1. Throughput: submit-to-receipt rate (messages whose receipt arrived per second, from the first
//    submit_sm to the last receipt) of smscd against a bare smpp-package server that answers each
//    submit_sm and sends its receipt right after on the same session. Same client, same run,
//    alternating rounds, median. smscd runs with a zero simulator delay and every message
//    delivered. Goal (issue 7): smscd >= 0.80 x bare.
// 2. Backlog: receipts owed to an unbound account. Submit on transmitter binds only, wait until
//    smscd has stored every receipt as pending (read from its database, read-only), then bind one
//    receiver and time how long until every receipt has arrived, each once. smscd's peak RSS over
//    the whole part is sampled from /proc. Goal: peak RSS <= 300 MB.
//
// Options: --count N (per throughput run, default 100000) --binds N (2) --window N (100)
//          --rounds N (3) --warmup N (5000, on separate binds before each measured run)
//          --backlog N (receipts owed in part 2, default 100000) --part all|throughput|backlog
//          --stall-sec N (give up waiting for receipts after N s without one, default 60)
// Exit code: 0 when every run completed with every receipt once (goals are reported, not
// asserted); 1 if a run failed, a submit was rejected, or a receipt was missing, duplicated,
// unmatched or not the DELIVRD receipt asked for.
import Database from 'better-sqlite3';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.js';
import { receiptLoad, type ReceiptLoadOptions, type ReceiptRun } from './lib/receipt-load.js';
import { ReceiptTracker, type WaitResult } from './lib/receipt-tracker.js';
import { reportResult } from './lib/result.js';
import { sampleRss } from './lib/rss.js';
import { bind, closeSession, openSession, runLoad } from './lib/smpp-load.js';
import { ROOT, startSmscd, type SmscdProcess } from './lib/smscd.js';

const GOAL_RATIO = 0.8;
const GOAL_RSS_BYTES = 300e6;
const READY_TIMEOUT_MS = 30_000;
/** How long to keep the binds after the last receipt, to catch any sent twice. */
const LINGER_MS = 1_000;
const BACKLOG_LINGER_MS = 2_000;
/** How long smscd may take to store the owed receipts after the last submit_sm_resp. */
const PENDING_TIMEOUT_MS = 120_000;
const HOST = '127.0.0.1';
const SYSTEM_ID = 'bench';
const PASSWORD = 'bench1';

/**
 * smscd's configuration for both parts. Every outcome is listed: a --config file is deep-merged
 * over config/default.json, so `{ "delivered": 1 }` alone would keep the default weights of the
 * other outcomes.
 */
const SMSCD_CONFIG = {
  simulator: {
    delayMs: [0, 0],
    outcomes: { delivered: 1, undelivered: 0, expired: 0, rejected: 0 },
    enroute: false,
  },
};

interface Settings {
  count: number;
  binds: number;
  window: number;
  rounds: number;
  warmup: number;
  backlog: number;
  part: 'all' | 'throughput' | 'backlog';
  stallMs: number;
}

/** A server started for one run. */
interface Target {
  port: number;
  stop(): Promise<void>;
}

interface Side {
  name: string;
  start(): Promise<Target>;
}

const bare: Side = {
  name: 'bare',
  async start() {
    const child = startChild('bare-receipt-server', process.execPath, [join(ROOT, 'dist/bench/bare-receipt-server.js')], { cwd: ROOT });
    try {
      const line = await child.waitForLine((l) => portFromBareLine(l) !== undefined, READY_TIMEOUT_MS);
      return { port: portFromBareLine(line)!, stop: () => child.stop() };
    } catch (err) {
      await child.stop();
      throw err;
    }
  },
};

const smscd: Side = {
  name: 'smscd',
  start: () => startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config: SMSCD_CONFIG }),
};

function portFromBareLine(line: string): number | undefined {
  try {
    const value = (JSON.parse(line) as Record<string, unknown> | null)?.['port'];
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '100000' },
      binds: { type: 'string', default: '2' },
      window: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '5000' },
      backlog: { type: 'string', default: '100000' },
      part: { type: 'string', default: 'all' },
      'stall-sec': { type: 'string', default: '60' },
    },
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  const part = values.part;
  if (part !== 'all' && part !== 'throughput' && part !== 'backlog') throw new Error(`--part must be all, throughput or backlog, got "${part}"`);
  return {
    count: int('count', values.count, 1),
    binds: int('binds', values.binds, 1),
    window: int('window', values.window, 1),
    rounds: int('rounds', values.rounds, 1),
    warmup: int('warmup', values.warmup, 0),
    backlog: int('backlog', values.backlog, 1),
    part,
    stallMs: int('stall-sec', values['stall-sec'], 1) * 1000,
  };
}

/** The receipt load against `port` with these settings. */
function loadOptions(port: number, settings: Settings): ReceiptLoadOptions {
  return { host: HOST, port, systemId: SYSTEM_ID, password: PASSWORD, binds: settings.binds, window: settings.window, stallMs: settings.stallMs, lingerMs: LINGER_MS };
}


/** One measured run against a freshly started server. */
async function measure(side: Side, settings: Settings): Promise<ReceiptRun> {
  const target = await side.start();
  try {
    // The warm-up lets V8 optimise both processes' hot paths before the clock runs; its receipts
    // are all taken (and acknowledged) before the measured binds open.
    if (settings.warmup > 0) {
      const warm = await receiptLoad(loadOptions(target.port, settings), settings.warmup);
      const problem = receiptProblems(warm);
      if (problem) throw new Error(`${side.name} warm-up: ${problem}`);
    }
    return await receiptLoad(loadOptions(target.port, settings), settings.count);
  } finally {
    await target.stop();
  }
}

/** Everything wrong with a run, or '' when every accepted message got exactly one DELIVRD receipt. */
function receiptProblems(run: Pick<ReceiptRun, 'load' | 'counts' | 'wait'>): string {
  const { load, counts, wait } = run;
  const problems: string[] = [];
  const rejected = Object.entries(load.failed)
    .map(([status, n]) => `0x${Number(status).toString(16).padStart(8, '0')}×${n}`)
    .join(', ');
  if (rejected) problems.push(`REJECTED submits: ${rejected}`);
  if (counts.matched < counts.expected) problems.push(`MISSING ${counts.expected - counts.matched} receipts (${wait.reason ?? 'incomplete'})`);
  if (counts.duplicates > 0) problems.push(`DUPLICATE receipts: ${counts.duplicates}`);
  if (counts.unmatched > 0) problems.push(`UNMATCHED receipts: ${counts.unmatched}`);
  if (counts.withoutId > 0) problems.push(`receipts WITHOUT an id: ${counts.withoutId}`);
  if (counts.notDelivered > 0) problems.push(`receipts NOT a final DELIVRD: ${counts.notDelivered}`);
  return problems.join('; ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function printTable(sides: Side[], rates: Map<string, number[]>, rounds: number): void {
  const header = ['server', 'median receipts/s', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)];
  const rows = sides.map((side) => {
    const values = rates.get(side.name) ?? [];
    return [side.name, rate(median(values)), ...values.map(rate)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
}

/** Part 1. Returns false if any run had a problem. */
async function throughput(settings: Settings): Promise<boolean> {
  console.log();
  console.log(
    `throughput: ${settings.count} submit_sm with registered_delivery 1 per run over ${settings.binds} transceiver binds, ` +
      `window ${settings.window}, warm-up ${settings.warmup}, ${settings.rounds} rounds alternating bare/smscd ` +
      `(smscd: simulator delay 0, all delivered, synchronous=FULL)`,
  );
  const sides = [bare, smscd];
  const rates = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  let clean = true;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const side of sides) {
      const run = await measure(side, settings);
      rates.get(side.name)!.push(run.ratePerSec);
      const problems = receiptProblems(run);
      if (problems) clean = false;
      console.log(
        `round ${round}/${settings.rounds} ${side.name.padEnd(5)} ${rate(run.ratePerSec).padStart(8)} receipts/s ` +
          `(${run.counts.matched}/${run.counts.expected} receipts in ${seconds(run.elapsedMs)}; ` +
          `submits answered in ${seconds(run.load.elapsedMs)}, ${rate(run.load.ratePerSec)} submit/s; ` +
          `duplicates ${run.counts.duplicates}, unmatched ${run.counts.unmatched})${problems ? ` — ${problems}` : ''}`,
      );
    }
  }
  printTable(sides, rates, settings.rounds);
  const bareRate = median(rates.get('bare')!);
  const smscdRate = median(rates.get('smscd')!);
  const ratio = bareRate > 0 ? smscdRate / bareRate : 0;
  console.log(`ratio smscd/bare: ${ratio.toFixed(3)}`);
  console.log(`goal: ratio >= ${GOAL_RATIO.toFixed(2)} → ${ratio >= GOAL_RATIO ? 'met' : 'not met'}`);
  reportResult({ bench: 'receipts', figure: `smscd/bare submit-to-receipt/s (${Math.round(smscdRate)} vs ${Math.round(bareRate)})`, value: ratio, unit: 'ratio', goal: `>= ${GOAL_RATIO}`, met: ratio >= GOAL_RATIO });
  return clean;
}

/** Polls smscd's database (read-only) until `expected` receipts are pending. Returns the wait in ms. */
async function waitForPending(server: SmscdProcess, expected: number): Promise<number> {
  const start = performance.now();
  const db = new Database(server.db, { readonly: true, fileMustExist: true });
  try {
    const count = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM smpp_receipts WHERE state = 'pending'`);
    let pending = 0;
    for (;;) {
      pending = count.get()!.n;
      if (pending >= expected) return performance.now() - start;
      if (server.child.process.exitCode !== null || server.child.process.signalCode !== null) {
        throw new Error(`smscd exited (code ${server.child.process.exitCode}, signal ${server.child.process.signalCode}) with ${pending}/${expected} receipts pending`);
      }
      if (performance.now() - start > PENDING_TIMEOUT_MS) {
        throw new Error(`only ${pending}/${expected} receipts pending after ${PENDING_TIMEOUT_MS / 1000} s`);
      }
      await sleep(200);
    }
  } finally {
    db.close();
  }
}

/** Receipt rows by state, read-only. */
function receiptStates(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM smpp_receipts GROUP BY state').all();
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

/** Part 2. Returns false on a problem. */
async function backlog(settings: Settings): Promise<boolean> {
  console.log();
  console.log(
    `backlog: ${settings.backlog} receipts owed to an unbound account: submitted on ${settings.binds} transmitter binds ` +
      `(window ${settings.window}), then one bind_receiver takes them all`,
  );
  const server = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config: SMSCD_CONFIG });
  const rss = sampleRss(server.pid, 100);
  const baseline = rss.lastBytes;
  let clean = true;
  try {
    const tracker = new ReceiptTracker();
    const load = await runLoad({
      host: HOST,
      port: server.port,
      systemId: SYSTEM_ID,
      password: PASSWORD,
      binds: settings.binds,
      window: settings.window,
      count: settings.backlog,
      bindAs: 'transmitter',
      registeredDelivery: 1,
      onSubmitResponse: (pdu) => tracker.accepted(pdu),
      onDeliverSm: (pdu) => tracker.receipt(pdu),
    });
    const expected = tracker.snapshot().expected;
    console.log(`  submits: ${load.ok}/${load.submitted} accepted in ${seconds(load.elapsedMs)} (${rate(load.ratePerSec)}/s)`);
    if (tracker.snapshot().matched + tracker.snapshot().unmatched > 0) {
      console.log('  NOTE: receipts arrived on transmitter binds');
      clean = false;
    }
    const pendingMs = await waitForPending(server, expected);
    console.log(`  all ${expected} receipts pending in the database ${seconds(pendingMs)} after the last submit_sm_resp; RSS then ${megabytes(rss.lastBytes)}`);

    const session = openSession({ host: HOST, port: server.port }, (pdu) => tracker.receipt(pdu));
    let wait: WaitResult;
    let states: Record<string, number>;
    const bindAt = performance.now();
    try {
      await bind(session, { host: HOST, port: server.port, systemId: SYSTEM_ID, password: PASSWORD }, 0, 'receiver');
      wait = await tracker.waitFor(expected, settings.stallMs);
      await sleep(BACKLOG_LINGER_MS);
      states = receiptStates(server.db);
    } finally {
      await closeSession(session);
    }
    const counts = tracker.snapshot();
    const drainMs = counts.lastAt === null ? 0 : counts.lastAt - bindAt;
    const firstMs = counts.firstAt === null ? NaN : counts.firstAt - bindAt;
    const problems = receiptProblems({ load, counts, wait });
    if (problems) clean = false;
    console.log(
      `  bind_receiver → last receipt: ${seconds(drainMs)} (${rate(drainMs > 0 ? (counts.matched * 1000) / drainMs : 0)} receipts/s), ` +
        `first receipt after ${Math.round(firstMs)} ms`,
    );
    console.log(
      `  all arrived: ${counts.matched === expected ? 'yes' : 'NO'} (${counts.matched}/${expected}), none twice: ${counts.duplicates === 0 ? 'yes' : 'NO'} ` +
        `(duplicates ${counts.duplicates}), unmatched ${counts.unmatched}, not DELIVRD ${counts.notDelivered}`,
    );
    console.log(`  database after: ${Object.entries(states).map(([s, n]) => `${s} ${n}`).join(', ') || 'no receipt rows'}`);
    if (problems) console.log(`  PROBLEMS: ${problems}`);
  } finally {
    const peak = rss.stop();
    await server.stop();
    console.log(`  smscd RSS: at start ${megabytes(baseline)}, peak ${megabytes(peak)} (${rss.samples} samples every 100 ms)`);
    console.log(`goal: peak RSS <= ${megabytes(GOAL_RSS_BYTES)} → ${peak > 0 && peak <= GOAL_RSS_BYTES ? 'met' : 'not met'}`);
    reportResult({ bench: 'receipts backlog', figure: 'peak RSS, 100k owed receipts pushed', value: Math.round(peak / 1e6), unit: 'MB', goal: `<= ${GOAL_RSS_BYTES / 1e6}`, met: peak > 0 && peak <= GOAL_RSS_BYTES });
  }
  return clean;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.arch()}`);
  let clean = true;
  if (settings.part !== 'backlog') clean = (await throughput(settings)) && clean;
  if (settings.part !== 'throughput') clean = (await backlog(settings)) && clean;
  if (!clean) {
    console.error('some runs had problems (see above): receipts missing, duplicated, unmatched or rejected submits');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`receipt benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
