// The relay benchmark (`npm run bench:relay`): submit-to-receipt throughput through a front
// smscd relaying every message to an upstream smscd (front → upstream, receipts back through the
// front to the client), against the same load sent directly to an upstream smscd alone. Same
// client, same run, alternating rounds, median; the figure is the ratio relay/direct.
//
// Both upstreams run with a zero simulator delay and every message delivered; every smscd runs
// with its defaults otherwise (synchronous=FULL). Fresh servers (and databases) per run.
//
// Options: --count N (per run, default 20000) --binds N (client binds, 2) --window N (client
//          window, 100) --relay-binds N (front → upstream binds, 2) --relay-window N (100)
//          --rounds N (3) --warmup N (2000) --stall-sec N (60)
// Exit code: 0 when every run completed with every receipt once; 1 otherwise.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { receiptLoad, type ReceiptLoadOptions, type ReceiptRun } from './lib/receipt-load.js';
import { reportResult } from './lib/result.js';
import { startSmscd, type SmscdProcess } from './lib/smscd.js';

const HOST = '127.0.0.1';
const SYSTEM_ID = 'bench';
const PASSWORD = 'bench1';
const RELAY_SYSTEM_ID = 'relay';
const RELAY_PASSWORD = 'relay1';
/** How long to keep the binds after the last receipt, to catch any sent twice. */
const LINGER_MS = 1_000;

/** Every outcome listed: a --config file is deep-merged over config/default.json. */
const SIMULATOR = {
  delayMs: [0, 0],
  outcomes: { delivered: 1, undelivered: 0, expired: 0, rejected: 0 },
  enroute: false,
};

interface Settings {
  count: number;
  binds: number;
  window: number;
  relayBinds: number;
  relayWindow: number;
  rounds: number;
  warmup: number;
  stallMs: number;
}

interface Target {
  port: number;
  stop(): Promise<void>;
}

interface Side {
  name: string;
  start(settings: Settings): Promise<Target>;
}

const direct: Side = {
  name: 'direct',
  async start() {
    const up = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD, config: { simulator: SIMULATOR } });
    return { port: up.port, stop: () => up.stop() };
  },
};

const relay: Side = {
  name: 'relay',
  async start(settings) {
    const up = await startSmscd({ systemId: RELAY_SYSTEM_ID, password: RELAY_PASSWORD, config: { simulator: SIMULATOR } });
    let front: SmscdProcess;
    try {
      front = await startSmscd({
        systemId: SYSTEM_ID,
        password: PASSWORD,
        config: {
          // The front's simulator never sees these messages: the default route sends all upstream.
          simulator: SIMULATOR,
          relay: {
            upstreams: [{ name: 'up', host: HOST, port: up.port, systemId: RELAY_SYSTEM_ID, password: RELAY_PASSWORD, binds: settings.relayBinds, window: settings.relayWindow }],
            routes: [{ upstream: 'up' }],
          },
        },
      });
    } catch (err) {
      await up.stop();
      throw err;
    }
    return {
      port: front.port,
      async stop() {
        await front.stop();
        await up.stop();
      },
    };
  },
};

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '20000' },
      binds: { type: 'string', default: '2' },
      window: { type: 'string', default: '100' },
      'relay-binds': { type: 'string', default: '2' },
      'relay-window': { type: 'string', default: '100' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2000' },
      'stall-sec': { type: 'string', default: '60' },
    },
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  return {
    count: int('count', values.count, 1),
    binds: int('binds', values.binds, 1),
    window: int('window', values.window, 1),
    relayBinds: int('relay-binds', values['relay-binds'], 1),
    relayWindow: int('relay-window', values['relay-window'], 1),
    rounds: int('rounds', values.rounds, 1),
    warmup: int('warmup', values.warmup, 0),
    stallMs: int('stall-sec', values['stall-sec'], 1) * 1000,
  };
}

/** The receipt load against `port` with these settings. */
function loadOptions(port: number, settings: Settings): ReceiptLoadOptions {
  return { host: HOST, port, systemId: SYSTEM_ID, password: PASSWORD, binds: settings.binds, window: settings.window, stallMs: settings.stallMs, lingerMs: LINGER_MS };
}


function problemsOf(run: ReceiptRun): string {
  const { load, counts, wait } = run;
  const problems: string[] = [];
  const rejected = Object.entries(load.failed).map(([status, n]) => `0x${Number(status).toString(16).padStart(8, '0')}×${n}`).join(', ');
  if (rejected) problems.push(`REJECTED submits: ${rejected}`);
  if (counts.matched < counts.expected) problems.push(`MISSING ${counts.expected - counts.matched} receipts (${wait.reason ?? 'incomplete'})`);
  if (counts.duplicates > 0) problems.push(`DUPLICATE receipts: ${counts.duplicates}`);
  if (counts.unmatched > 0) problems.push(`UNMATCHED receipts: ${counts.unmatched}`);
  if (counts.withoutId > 0) problems.push(`receipts WITHOUT an id: ${counts.withoutId}`);
  if (counts.notDelivered > 0) problems.push(`receipts NOT a final DELIVRD: ${counts.notDelivered}`);
  return problems.join('; ');
}

async function measure(side: Side, settings: Settings): Promise<ReceiptRun> {
  const target = await side.start(settings);
  try {
    if (settings.warmup > 0) {
      const warm = await receiptLoad(loadOptions(target.port, settings), settings.warmup);
      const problem = problemsOf(warm);
      if (problem) throw new Error(`${side.name} warm-up: ${problem}`);
    }
    return await receiptLoad(loadOptions(target.port, settings), settings.count);
  } finally {
    await target.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.arch()}`);
  console.log(
    `relay: ${settings.count} submit_sm with registered_delivery 1 per run over ${settings.binds} transceiver binds, window ${settings.window}, ` +
      `warm-up ${settings.warmup}, ${settings.rounds} rounds alternating direct/relay; relay: front → upstream over ${settings.relayBinds} binds, ` +
      `window ${settings.relayWindow} (simulator delay 0, all delivered, synchronous=FULL)`,
  );
  const sides = [direct, relay];
  const rates = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  let clean = true;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const side of sides) {
      const run = await measure(side, settings);
      rates.get(side.name)!.push(run.ratePerSec);
      const problems = problemsOf(run);
      if (problems) clean = false;
      console.log(
        `round ${round}/${settings.rounds} ${side.name.padEnd(6)} ${rate(run.ratePerSec).padStart(8)} receipts/s ` +
          `(${run.counts.matched}/${run.counts.expected} receipts in ${seconds(run.elapsedMs)}; submits answered in ${seconds(run.load.elapsedMs)}, ` +
          `${rate(run.load.ratePerSec)} submit/s; duplicates ${run.counts.duplicates}, unmatched ${run.counts.unmatched})${problems ? ` — ${problems}` : ''}`,
      );
    }
  }
  const header = ['path', 'median receipts/s', ...Array.from({ length: settings.rounds }, (_, i) => `round ${i + 1}`)];
  const rows = sides.map((s) => [s.name, rate(median(rates.get(s.name)!)), ...rates.get(s.name)!.map(rate)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  const ratio = median(rates.get('direct')!) > 0 ? median(rates.get('relay')!) / median(rates.get('direct')!) : 0;
  console.log(`ratio relay/direct: ${ratio.toFixed(3)}`);
  reportResult({ bench: 'relay', figure: 'relay/direct receipts/s', value: Number(ratio.toFixed(3)), unit: 'ratio', goal: 'reported', met: clean });
  if (!clean) {
    console.error('some runs had problems (see above): receipts missing, duplicated, unmatched or rejected submits');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`relay benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
