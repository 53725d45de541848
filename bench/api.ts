// `npm run bench:api`: sustained requests/s of the websms send endpoint
// `POST /rest/smsmessaging/text` (one recipient per request) with keep-alive connections, against
// (a) a bare fastify route that answers the same JSON and stores nothing (bench/bare-api-server.ts)
// and (b) smscd (`smscd serve` as a child, fresh database, one account with rate 0 created with
// the CLI), authenticated with its Bearer API token and, in a separate run, with Basic
// credentials. Same client (autocannon, in this process), alternating rounds; each run gets a
// freshly started server and a short warm-up before the measured time.
//
// smscd runs with simulator.delayMs [60000, 60000] (every delivery lies beyond the run, so only the
// API path is measured) and log.level warn. After each smscd run the database is read read-only:
// every 2xx answer must be a stored message (durable before acknowledged). The client stops by
// closing its connections, so requests still in flight at that moment may be stored without their
// answer having been counted; the check is exact: stored = 2xx + (in flight at the stop) at most.
//
//   node dist/bench/api.js [--duration S] [--connections N] [--rounds N] [--warmup S]
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.js';
import { readFileSync } from 'node:fs';
import { processCpuSeconds } from './lib/proc-cpu.js';
import { reportResult } from './lib/result.js';
import { ROOT } from './lib/smscd.js';
import { startSmscdApi } from './lib/smscd-api.js';

const GOAL_RATIO = 0.4;
const READY_TIMEOUT_MS = 30_000;
const HOST = '127.0.0.1';
const PATH = '/rest/smsmessaging/text';
const SYSTEM_ID = 'benchapi';
const PASSWORD = 'bench1';
const BODY = JSON.stringify({ recipientAddressList: ['436991234567'], messageContent: 'Hello from the API benchmark', clientMessageId: 'b1' });
/** How long to wait for smscd to store requests that were in flight when the client stopped. */
const SETTLE_TIMEOUT_MS = 5_000;
/** Other processes using more than this (% of one core) during a run make its figures unreliable. */
const BUSY_OTHER_PCT = 25;

const SMSCD_CONFIG = {
  simulator: { delayMs: [60_000, 60_000] },
  log: { level: 'warn' },
};

// ---- autocannon (CommonJS, no type declarations): the parts used here ----

interface AutocannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
}

interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  total: number;
  sent?: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: Histogram;
  requests: Histogram & { sent: number };
}

type Autocannon = (options: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => unknown;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function load(options: AutocannonOptions): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * CPU seconds of the whole machine from /proc/stat: process time (user, nice, system, irq) and
 * softirq apart — on loopback, softirq is mostly the benchmark's own TCP traffic, not another
 * process. Null without /proc/stat.
 */
function machineCpu(): { process: number; softirq: number; steal: number } | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { process: (user! + nice! + system! + irq!) / 100, softirq: softirq! / 100, steal: (steal ?? 0) / 100 };
  } catch {
    return null;
  }
}

// ---- the sides ----

interface Settings {
  duration: number;
  connections: number;
  rounds: number;
  warmup: number;
}

/** A server started for one run. */
interface Target {
  port: number;
  pid: number;
  headers: Record<string, string>;
  /** Stored messages so far (smscd only). */
  storedCount?: () => number;
  stop(): Promise<void>;
}

interface Side {
  name: string;
  start(): Promise<Target>;
}

const bare: Side = {
  name: 'bare',
  async start() {
    const child = startChild('bare-api-server', process.execPath, [join(ROOT, 'dist/bench/bare-api-server.js')], { cwd: ROOT });
    try {
      const line = await child.waitForLine((l) => portFromBareLine(l) !== undefined, READY_TIMEOUT_MS);
      return { port: portFromBareLine(line)!, pid: child.process.pid!, headers: {}, stop: () => child.stop() };
    } catch (err) {
      await child.stop();
      throw err;
    }
  },
};

function smscdSide(name: string, auth: 'bearer' | 'basic'): Side {
  return {
    name,
    async start() {
      const server = await startSmscdApi({ systemId: SYSTEM_ID, password: PASSWORD, accountArgs: ['--rate', '0'], config: SMSCD_CONFIG });
      try {
        if (server.account.rate !== 0) throw new Error(`the account has rate ${server.account.rate}, not 0 (unlimited)`);
        const authorization =
          auth === 'bearer' ? `Bearer ${server.account.apiToken}` : `Basic ${Buffer.from(`${SYSTEM_ID}:${PASSWORD}`).toString('base64')}`;
        const db = new Database(server.db, { readonly: true, fileMustExist: true });
        const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages');
        return {
          port: server.httpPort,
          pid: server.pid,
          headers: { authorization },
          storedCount: () => count.get()!.n,
          async stop() {
            db.close();
            await server.stop();
          },
        };
      } catch (err) {
        await server.stop();
        throw err;
      }
    },
  };
}

function portFromBareLine(line: string): number | undefined {
  try {
    const value = (JSON.parse(line) as Record<string, unknown> | null)?.['port'];
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

// ---- runs ----

interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  statusCodes: string;
  errors: number;
  timeouts: number;
  /** Requests written and not answered when the client stopped. */
  inFlight: number;
  /** CPU use of the server and of this (client) process during the measured time, in % of one core. */
  serverCpu: number | null;
  clientCpu: number;
  /** CPU used by everything else on the machine during the measured time (% of one core), and steal. */
  otherCpu: number | null;
  stealCpu: number | null;
  durability?: Durability;
}

interface Durability {
  stored: number;
  ok: number;
  inFlight: number;
  /** Every 2xx answer is stored, and nothing beyond what was in flight at the stop. */
  passed: boolean;
}

function options(target: Target, duration: number, connections: number): AutocannonOptions {
  return {
    url: `http://${HOST}:${target.port}${PATH}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: BODY,
    connections,
    duration,
    timeout: 10,
  };
}

/** Waits until the stored count stops changing (the answers of the last in-flight requests were discarded). */
async function settledCount(storedCount: () => number, atLeast: number): Promise<number> {
  const start = performance.now();
  let last = storedCount();
  for (;;) {
    await sleep(200);
    const now = storedCount();
    if (now === last && now >= atLeast) return now;
    if (performance.now() - start > SETTLE_TIMEOUT_MS) return now;
    last = now;
  }
}

async function measure(side: Side, settings: Settings): Promise<Run> {
  const target = await side.start();
  try {
    let before = 0;
    if (settings.warmup > 0) {
      const warm = await load(options(target, settings.warmup, settings.connections));
      if (warm['2xx'] === 0) throw new Error(`${side.name} warm-up: no 2xx answer (${describeCodes(warm)}, errors ${warm.errors})`);
      if (target.storedCount) before = await settledCount(target.storedCount, warm['2xx']);
    }
    const serverCpu0 = processCpuSeconds(target.pid);
    const clientCpu0 = process.cpuUsage();
    const machine0 = machineCpu();
    const t0 = performance.now();
    const result = await load(options(target, settings.duration, settings.connections));
    const elapsedSec = (performance.now() - t0) / 1000;
    const serverCpu1 = processCpuSeconds(target.pid);
    const clientCpu = process.cpuUsage(clientCpu0);
    const machine1 = machineCpu();
    const ok = result['2xx'];
    const serverCpu = serverCpu0 !== null && serverCpu1 !== null ? ((serverCpu1 - serverCpu0) * 100) / elapsedSec : null;
    const clientCpuPct = ((clientCpu.user + clientCpu.system) / 1e6 / elapsedSec) * 100;
    const machineBusy = machine0 && machine1 ? ((machine1.process - machine0.process) * 100) / elapsedSec : null;
    const answered = ok + result.non2xx;
    const run: Run = {
      reqPerSec: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok,
      non2xx: result.non2xx,
      statusCodes: describeCodes(result),
      errors: result.errors,
      timeouts: result.timeouts,
      inFlight: Math.max(0, result.requests.sent - answered - result.errors),
      serverCpu,
      clientCpu: clientCpuPct,
      otherCpu: machineBusy !== null && serverCpu !== null ? Math.max(0, machineBusy - serverCpu - clientCpuPct) : null,
      stealCpu: machine0 && machine1 ? ((machine1.steal - machine0.steal) * 100) / elapsedSec : null,
    };
    if (target.storedCount) {
      const stored = (await settledCount(target.storedCount, before + ok)) - before;
      run.durability = { stored, ok, inFlight: run.inFlight, passed: stored >= ok && stored <= ok + run.inFlight };
    }
    return run;
  } finally {
    await target.stop();
  }
}

function describeCodes(result: AutocannonResult): string {
  return Object.entries(result.statusCodeStats)
    .map(([code, { count }]) => `${code}×${count}`)
    .join(', ');
}

// ---- output ----

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const pct = (n: number | null): string => (n === null ? '?' : `${Math.round(n)} %`);

function durabilityText(d: Durability): string {
  const extra = d.stored - d.ok;
  const detail = extra === 0 ? 'stored = 2xx' : `stored = 2xx + ${extra} stored whose answers the client dropped when it stopped; ${d.inFlight} requests were in flight then`;
  return `durability: ${d.stored} stored, ${d.ok} 2xx → ${d.passed ? 'ok' : 'FAILED'} (${detail})`;
}

function printTable(sides: Side[], runs: Map<string, Run[]>, rounds: number): void {
  const header = ['server', 'median req/s', 'p50', 'p99', 'non-2xx', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)];
  const rows = sides.map((side) => {
    const list = runs.get(side.name) ?? [];
    return [
      side.name,
      rate(median(list.map((r) => r.reqPerSec))),
      ms(median(list.map((r) => r.p50))),
      ms(median(list.map((r) => r.p99))),
      String(list.reduce((sum, r) => sum + r.non2xx, 0)),
      ...list.map((r) => rate(r.reqPerSec)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  console.log('(p50/p99: median over the rounds; non-2xx: sum over the rounds)');
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '2' },
    },
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  return {
    duration: int('duration', values.duration, 1),
    connections: int('connections', values.connections, 1),
    rounds: int('rounds', values.rounds, 1),
    warmup: int('warmup', values.warmup, 0),
  };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.arch()}`);
  console.log(
    `POST ${PATH} (1 recipient) with ${settings.connections} keep-alive connections for ${settings.duration} s per run ` +
      `(after a ${settings.warmup} s warm-up), ${settings.rounds} rounds alternating bare / smscd Bearer / smscd Basic; ` +
      `smscd: simulator.delayMs [60000, 60000], log.level warn, account rate 0, synchronous=FULL`,
  );
  console.log('CPU: % of one core during the measured time — the server, this client, and every other process on the machine (other; softirq, mostly this loopback traffic, not counted)');
  const smscdBearer = smscdSide('smscd bearer', 'bearer');
  const smscdBasic = smscdSide('smscd basic', 'basic');
  const sides = [bare, smscdBearer, smscdBasic];
  const runs = new Map<string, Run[]>(sides.map((s) => [s.name, []]));
  let clean = true;
  let busyRuns = 0;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const side of sides) {
      const run = await measure(side, settings);
      runs.get(side.name)!.push(run);
      const problems: string[] = [];
      if (run.non2xx > 0) problems.push(`non-2xx ${run.non2xx} (${run.statusCodes})`);
      if (run.errors > 0) problems.push(`errors ${run.errors} (timeouts ${run.timeouts})`);
      if (run.durability && !run.durability.passed) problems.push('DURABILITY CHECK FAILED');
      if (problems.length > 0) clean = false;
      const busy = run.otherCpu !== null && run.otherCpu > BUSY_OTHER_PCT;
      if (busy) busyRuns += 1;
      console.log(
        `round ${round}/${settings.rounds} ${side.name.padEnd(12)} ${rate(run.reqPerSec).padStart(7)} req/s  ` +
          `p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  2xx ${run.ok}  non-2xx ${run.non2xx}  errors ${run.errors}  ` +
          `CPU server ${pct(run.serverCpu)} client ${pct(run.clientCpu)} other ${pct(run.otherCpu)}${run.stealCpu ? ` steal ${pct(run.stealCpu)}` : ''}` +
          (run.durability ? `\n    ${durabilityText(run.durability)}` : '') +
          (busy ? `\n    NOTE: other processes used ${pct(run.otherCpu)} of a core during this run (${cpus.length} CPUs): its figures are unreliable` : '') +
          (problems.length > 0 ? `\n    PROBLEMS: ${problems.join('; ')}` : ''),
      );
    }
  }
  printTable(sides, runs, settings.rounds);
  const bareRate = median(runs.get(bare.name)!.map((r) => r.reqPerSec));
  for (const side of [smscdBearer, smscdBasic]) {
    const ratio = bareRate > 0 ? median(runs.get(side.name)!.map((r) => r.reqPerSec)) / bareRate : 0;
    console.log(`ratio ${side.name}/bare: ${ratio.toFixed(3)}`);
  }
  const ratio = bareRate > 0 ? median(runs.get(smscdBearer.name)!.map((r) => r.reqPerSec)) / bareRate : 0;
  console.log(`goal: ratio >= ${GOAL_RATIO.toFixed(2)} → ${ratio >= GOAL_RATIO ? 'met' : 'not met'} (smscd with Bearer)`);
  const smscdRate = median(runs.get(smscdBearer.name)!.map((r) => r.reqPerSec));
  reportResult({ bench: 'api', figure: `smscd (Bearer)/bare req/s (${Math.round(smscdRate)} vs ${Math.round(bareRate)})`, value: ratio, unit: 'ratio', goal: `>= ${GOAL_RATIO}`, met: ratio >= GOAL_RATIO });
  if (busyRuns > 0) console.log(`NOTE: ${busyRuns} of ${settings.rounds * sides.length} runs shared the machine with other busy processes; run again on a quiet machine for figures to rely on`);
  if (!clean) {
    console.error('some runs had problems (see above): non-2xx answers, client errors or a failed durability check');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`API benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
