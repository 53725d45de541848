// The ingest benchmark (`npm run bench:ingest`): how fast smscd accepts submit_sm compared with
// a bare smpp-package server that only answers. Both are driven by the same load client in the
// same run, alternating, so machine noise hits both sides alike. Goal (issue 7): smscd >= 0.9 x bare.
//
// Two smscd sides: `smscd` measures the submit path alone (simulator.delayMs puts every delivery
// a minute after the run, as bench:api does), which is what the goal is about; `smscd+dlv` runs
// with the default delivery delays (1–5 s), so the simulator records the status of the first
// messages while the later ones arrive — submit path and delivery sharing one event loop and one
// database, reported beside it.
//
// Options: --count N (per run, default 100000) --binds N (2) --window N (100) --rounds N (3)
//          --warmup N (5000, sent on separate binds before each measured run)
// Exit code: 0 whenever all runs completed (the goal is reported, not asserted), 1 if a run
// failed or any submit_sm was rejected.
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.js';
import { reportResult } from './lib/result.js';
import { runLoad, type LoadResult } from './lib/smpp-load.js';
import { startSmscd } from './lib/smscd.js';

const GOAL_RATIO = 0.9;
const READY_TIMEOUT_MS = 30_000;
const HOST = '127.0.0.1';
/** Repository root: this file runs as dist/bench/ingest.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Settings {
  count: number;
  binds: number;
  window: number;
  rounds: number;
  warmup: number;
}

/** A server started for one run. */
interface Target {
  port: number;
  stop(): Promise<void>;
}

interface Side {
  name: string;
  systemId: string;
  password: string;
  start(): Promise<Target>;
}

const bare: Side = {
  name: 'bare',
  systemId: 'bench',
  password: 'bench1',
  async start() {
    const child = startChild('bare-server', process.execPath, [join(ROOT, 'dist/bench/bare-server.js')], { cwd: ROOT });
    try {
      const line = await child.waitForLine((l) => portFromBareLine(l) !== undefined, READY_TIMEOUT_MS);
      return { port: portFromBareLine(line)!, stop: () => child.stop() };
    } catch (err) {
      await child.stop();
      throw err;
    }
  },
};

/** smscd as `smscd serve` runs it (bench/lib/smscd.ts: fresh database per run); `env` adds configuration (SMSCD_*). */
function smscdSide(name: string, env: Record<string, string>): Side {
  return {
    name,
    systemId: 'bench',
    password: 'bench1',
    async start() {
      const server = await startSmscd({ systemId: 'bench', password: 'bench1', env });
      return { port: server.port, stop: () => server.stop() };
    },
  };
}

const smscd = smscdSide('smscd', { SMSCD_SIMULATOR_DELAY_MS: '[60000,60000]' });
const smscdDelivering = smscdSide('smscd+dlv', {});

function portFromBareLine(line: string): number | undefined {
  const value = parseJsonObject(line)?.['port'];
  return typeof value === 'number' ? value : undefined;
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
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
    rounds: int('rounds', values.rounds, 1),
    warmup: int('warmup', values.warmup, 0),
  };
}

/** One measured run against a freshly started server. */
async function measure(side: Side, settings: Settings): Promise<LoadResult> {
  const target = await side.start();
  try {
    const load = {
      host: HOST,
      port: target.port,
      systemId: side.systemId,
      password: side.password,
      binds: settings.binds,
      window: settings.window,
    };
    // The warm-up lets V8 optimise both processes' hot paths before the clock runs.
    if (settings.warmup > 0) await runLoad({ ...load, count: settings.warmup });
    return await runLoad({ ...load, count: settings.count });
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

function printTable(sides: Side[], rates: Map<string, number[]>, settings: Settings): void {
  const header = ['server', 'median msg/s', ...Array.from({ length: settings.rounds }, (_, i) => `round ${i + 1}`)];
  const rows = sides.map((side) => {
    const values = rates.get(side.name) ?? [];
    return [side.name, rate(median(values)), ...values.map(rate)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // First column left-aligned (names), numbers right-aligned.
  const format = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.arch()}`);
  console.log(
    `workload: ${settings.count} submit_sm per run over ${settings.binds} binds, window ${settings.window}, ` +
      `warm-up ${settings.warmup}, ${settings.rounds} rounds alternating bare/smscd/smscd+dlv (synchronous=FULL; smscd: deliveries after the run, smscd+dlv: during it)`,
  );

  const sides = [bare, smscd, smscdDelivering];
  const rates = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  let rejected = false;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const side of sides) {
      const result = await measure(side, settings);
      rates.get(side.name)!.push(result.ratePerSec);
      const failures = Object.entries(result.failed)
        .map(([status, n]) => `0x${Number(status).toString(16).padStart(8, '0')}×${n}`)
        .join(', ');
      if (failures) rejected = true;
      console.log(
        `round ${round}/${settings.rounds} ${side.name.padEnd(9)} ${rate(result.ratePerSec).padStart(8)} msg/s ` +
          `(${result.ok} ok in ${(result.elapsedMs / 1000).toFixed(2)} s${failures ? `, REJECTED: ${failures}` : ''})`,
      );
    }
  }

  printTable(sides, rates, settings);
  const ratio = median(rates.get('smscd')!) / median(rates.get('bare')!);
  console.log(`ratio smscd/bare: ${ratio.toFixed(2)}`);
  console.log(`ratio smscd+dlv/bare: ${(median(rates.get('smscd+dlv')!) / median(rates.get('bare')!)).toFixed(2)} (delivering meanwhile; not the goal's figure)`);
  console.log(`goal: ratio >= ${GOAL_RATIO.toFixed(2)} → ${ratio >= GOAL_RATIO ? 'met' : 'not met'}`);
  reportResult({ bench: 'ingest', figure: `smscd/bare submit_sm/s (${rate(median(rates.get('smscd')!))} vs ${rate(median(rates.get('bare')!))})`, value: ratio, unit: 'ratio', goal: `>= ${GOAL_RATIO}`, met: ratio >= GOAL_RATIO });
  if (rejected) {
    console.error('some submit_sm were rejected (see REJECTED above): rates count accepted messages only');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`ingest benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
