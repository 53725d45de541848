// The forwarding benchmark (`npm run bench:forward`): how many status events per second the
// forwarding worker delivers to each kind of target (http, smtp, sqs) on loopback.
//
// smscd runs in THIS process, started with `run(config)` on a temporary database exactly as
// `smscd serve` builds it; each peer (an HTTP server answering 200, an smtp-server sink, fauxqs)
// runs as its own child process, so the two sides do not share a CPU. Per run:
//   1. a fresh peer and a fresh smscd (temporary database, synchronous=FULL by default);
//   2. one account and one target; a warm-up of --warmup events is delivered first, so V8 has
//      optimised the hot paths and the pools are connected before the clock runs;
//   3. --count messages, their status events and outbox rows are inserted in one transaction
//      (not timed: it stands in for the producers), then the worker is poked;
//   4. the clock stops when the peer has received every event AND every outbox row is
//      `delivered` (outcomes are committed after the answers, so the later of the two is the end).
// The peer counts: http requests answered, mails accepted after DATA, messages in the queues
// (fauxqs's own depth, read every 10 ms). Also measured over the timed window: smscd's CPU
// (process.cpuUsage) and event-loop utilisation, and the peer's CPU (/proc), which tell which
// side bounds the rate.
//
// Options: --count N (20000) --warmup N (2000) --targets http,smtp,sqs
//          --concurrency 16,64 (forwarding.concurrency, each value a run; the first is the default)
//          --smtp-connections 16,5 (forwarding.smtp.maxConnections, crossed with --concurrency; the first is the default)
//          --rounds N (1: each setting measured N times, fresh each time; the table shows the median)
//          --format json|xml (json) --signed (http: Standard Webhooks signatures)
//          --fifo (sqs: also runs against a FIFO queue) --synchronous FULL|NORMAL|OFF (FULL)
//          --profile DIR (CPU-profile smscd over each timed window: DIR/<run>.cpuprofile, and
//          print its top self-time functions) --profile-top N (25) --stall-sec N (30)
//          --quiet-wait-sec N (120) --quiet-below PCT (25): before each run, wait up to N s until the
//          rest of the machine uses less than PCT % of a core (a shared machine lowers the rates)
// Exit code: 0 when every run delivered every event exactly once with no failed attempt (goals
// are reported, not asserted); 1 otherwise.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { run, type App } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { targetFactory } from '../src/forwarding/targets/factory.js';
import type { Format, TargetType } from '../src/forwarding/targets/target.js';
import { createLogger } from '../src/log.js';
import type { NewMessage } from '../src/store/messages.js';
import { startPeer, type Peer } from './lib/peer.js';
import { formatSummary, summarize, type CpuProfile } from './lib/cpu-profile.js';
import { machineCpuSeconds, processCpuSeconds } from './lib/proc-cpu.js';
import { reportResult } from './lib/result.js';

/** events/s goals on this machine. */
const GOALS: Record<TargetType, number> = { http: 5_000, smtp: 1_000, sqs: 5_000 };
/** How long after the end the peer is watched for events delivered twice. */
const LINGER_MS = 300;

interface Settings {
  count: number;
  warmup: number;
  targets: TargetType[];
  concurrency: number[];
  smtpConnections: number[];
  rounds: number;
  format: Format;
  signed: boolean;
  fifo: boolean;
  synchronous: 'FULL' | 'NORMAL' | 'OFF';
  profileDir: string | null;
  profileTop: number;
  stallMs: number;
  /** Wait up to this long before each run for the rest of the machine to fall below `quietPct`. */
  quietWaitMs: number;
  quietPct: number;
}

/** One measured configuration. */
interface RunSpec {
  kind: TargetType;
  concurrency: number;
  /** smtp: forwarding.smtp.maxConnections */
  connections?: number;
  /** sqs: a FIFO queue */
  fifo?: boolean;
  /** The default configuration of this kind (goals are judged on it). */
  isDefault: boolean;
}

interface RunResult {
  spec: RunSpec;
  events: number;
  complete: boolean;
  /** From the poke to the peer having every event. */
  peerMs: number;
  /** From the poke to every row delivered and the peer having every event. */
  doneMs: number;
  smscdCpuPct: number;
  smscdElu: number;
  peerCpuPct: number | null;
  /** CPU of everything else on the machine (other processes, the kernel's own work), % of one core. */
  othersCpuPct: number | null;
  problems: string[];
  profile: string | null;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '2000' },
      targets: { type: 'string', default: 'http,smtp,sqs' },
      concurrency: { type: 'string', default: '16,64' },
      'smtp-connections': { type: 'string', default: '16,5' },
      rounds: { type: 'string', default: '1' },
      format: { type: 'string', default: 'json' },
      signed: { type: 'boolean', default: false },
      fifo: { type: 'boolean', default: false },
      synchronous: { type: 'string', default: 'FULL' },
      profile: { type: 'string' },
      'profile-top': { type: 'string', default: '25' },
      'stall-sec': { type: 'string', default: '30' },
      'quiet-wait-sec': { type: 'string', default: '120' },
      'quiet-below': { type: 'string', default: '25' },
    },
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  const ints = (name: string, text: string): number[] => text.split(',').map((t) => int(name, t.trim(), 1));
  const targets = values.targets.split(',').map((t) => t.trim());
  for (const t of targets) if (t !== 'http' && t !== 'smtp' && t !== 'sqs') throw new Error(`--targets: unknown target type "${t}"`);
  if (values.format !== 'json' && values.format !== 'xml') throw new Error(`--format must be json or xml, got "${values.format}"`);
  const sync = values.synchronous.toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL' && sync !== 'OFF') throw new Error(`--synchronous must be FULL, NORMAL or OFF, got "${values.synchronous}"`);
  return {
    count: int('count', values.count, 1),
    warmup: int('warmup', values.warmup, 0),
    targets: targets as TargetType[],
    concurrency: ints('concurrency', values.concurrency),
    smtpConnections: ints('smtp-connections', values['smtp-connections']),
    rounds: int('rounds', values.rounds, 1),
    format: values.format,
    signed: values.signed,
    fifo: values.fifo,
    synchronous: sync,
    profileDir: values.profile ?? null,
    profileTop: int('profile-top', values['profile-top'], 1),
    stallMs: int('stall-sec', values['stall-sec'], 1) * 1000,
    quietWaitMs: int('quiet-wait-sec', values['quiet-wait-sec'], 0) * 1000,
    quietPct: int('quiet-below', values['quiet-below'], 1),
  };
}

function runSpecs(settings: Settings, kind: TargetType): RunSpec[] {
  const specs: RunSpec[] = [];
  settings.concurrency.forEach((concurrency, ci) => {
    if (kind === 'smtp') {
      settings.smtpConnections.forEach((connections, mi) => specs.push({ kind, concurrency, connections, isDefault: ci === 0 && mi === 0 }));
    } else {
      specs.push({ kind, concurrency, isDefault: ci === 0 });
      if (kind === 'sqs' && settings.fifo) specs.push({ kind, concurrency, fifo: true, isDefault: false });
    }
  });
  return specs;
}

function describe(spec: RunSpec): string {
  const parts = [`concurrency ${spec.concurrency}`];
  if (spec.connections !== undefined) parts.push(`maxConnections ${spec.connections}`);
  if (spec.kind === 'sqs') parts.push(spec.fifo ? 'FIFO queue' : 'standard queue');
  return parts.join(', ');
}

function label(spec: RunSpec): string {
  return [spec.kind, `c${spec.concurrency}`, spec.connections !== undefined ? `m${spec.connections}` : '', spec.fifo ? 'fifo' : ''].filter(Boolean).join('-');
}


// ── smscd in this process ─────────────────────────────────────────────────────────────

/** smscd's configuration for a run against `peer`. */
function configFor(settings: Settings, spec: RunSpec, dir: string, peer: Peer | null): Config {
  const defaults = loadConfig({ env: {} });
  const port = peer?.ready.port ?? 9;
  return loadConfig({
    env: {},
    overrides: {
      'store.path': join(dir, 'smscd.db'),
      'store.synchronous': settings.synchronous,
      'smpp.host': '127.0.0.1',
      'smpp.port': 0,
      'demo.enabled': false,
      'log.level': 'warn',
      'forwarding.allowPrivateTargets': true,
      'forwarding.concurrency': spec.concurrency,
      'forwarding.smtp': { ...defaults.forwarding.smtp, host: '127.0.0.1', port, maxConnections: spec.connections ?? defaults.forwarding.smtp.maxConnections },
      'forwarding.sqs': {
        ...defaults.forwarding.sqs,
        endpoint: typeof peer?.ready['endpoint'] === 'string' ? peer.ready['endpoint'] : null,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      },
    },
  });
}

/** Whether this build's target factory can make an sqs target (sqs.ts may not have landed yet). */
function sqsAvailable(settings: Settings): string | null {
  const dir = mkdtempSync(join(os.tmpdir(), 'smscd-bench-forward-'));
  try {
    const config = configFor(settings, { kind: 'sqs', concurrency: 16, isDefault: true }, dir, null);
    const target = targetFactory(config.forwarding)({ id: 0, name: 'probe', type: 'sqs', url: null, to: null, queueUrl: 'http://127.0.0.1:9/000000000000/probe', format: 'json', secret: null });
    void target.close();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Log lines at warn and above, kept for the report instead of printed one per failed event. */
function captureLog(): { lines: string[]; count: () => number; stream: { write(line: string): void } } {
  const lines: string[] = [];
  let n = 0;
  return {
    lines,
    count: () => n,
    stream: {
      write(line: string) {
        n += 1;
        if (lines.length < 5) lines.push(line.trim());
      },
    },
  };
}

function message(accountId: number, i: number, now: number): NewMessage {
  return {
    accountId,
    channel: 'smpp',
    messageType: 'sms',
    sessionId: null,
    serviceType: '',
    sourceAddr: '4366012345',
    sourceTon: 1,
    sourceNpi: 1,
    destAddr: `4367${String(600_000_000 + i)}`,
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: 1,
    dataCoding: 0,
    udh: null,
    body: Buffer.from(`Hello from the forwarding benchmark ${i}`),
    text: `Hello from the forwarding benchmark ${i}`,
    partRef: null,
    partNumber: null,
    partCount: null,
    clientRef: `bench-${i}`,
    scheduleAt: null,
    expiresAt: null,
    status: 'delivered',
    submittedAt: now,
  };
}

/**
 * Stores `n` delivered messages with their final status event and one outbox row each, in one
 * transaction: what recordStatus leaves behind for the worker, without the producers' cost.
 */
function insertEvents(app: App, accountId: number, targetId: number, format: Format, first: number, n: number): number {
  const started = performance.now();
  const { store } = app;
  const now = Date.now();
  store.transaction(() => {
    for (let i = first; i < first + n; i++) {
      const messageId = store.messages.insert(message(accountId, i, now));
      const eventId = store.events.insert({ messageId, status: 'delivered', final: true, errorCode: 0, origin: 'bench', occurredAt: now });
      store.outbox.insert(eventId, messageId, targetId, format, now);
    }
  });
  return performance.now() - started;
}

interface Progress {
  pending: () => number;
  delivered: () => number;
}

function progressQueries(app: App, targetId: number): Progress {
  const pending = app.store.db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND target_id = ?`);
  const delivered = app.store.db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM outbox WHERE state = 'delivered' AND target_id = ?`);
  return { pending: () => pending.get(targetId)!.n, delivered: () => delivered.get(targetId)!.n };
}

/**
 * Waits until the peer has `peerTarget` and no row of the target is pending. The outbox is
 * looked at every 250 ms while the peer is still receiving (for stall detection, cheaply), then
 * every 2 ms. Returns the peer's and the overall end (performance.now()), or why it gave up.
 */
async function waitForAll(peer: Peer, progress: Progress, peerTarget: number, stallMs: number): Promise<{ peerAt: number; doneAt: number } | { stalled: string }> {
  let peerAt: number | null = null;
  void peer.reach(peerTarget).then((at) => (peerAt = at));
  let lastPending = progress.pending();
  let lastProgressAt = performance.now();
  let lastPeerCount = peer.count;
  for (;;) {
    const pending = progress.pending();
    const now = performance.now();
    if (peerAt !== null && pending === 0) return { peerAt, doneAt: now };
    if (pending !== lastPending || peer.count !== lastPeerCount) {
      lastPending = pending;
      lastPeerCount = peer.count;
      lastProgressAt = now;
    } else if (now - lastProgressAt > stallMs) {
      return { stalled: `no progress for ${Math.round((now - lastProgressAt) / 1000)} s: peer has ${peer.count}/${peerTarget}, ${pending} rows pending` };
    }
    await sleep(peerAt === null ? 250 : 2);
  }
}

async function startProfiler(): Promise<{ stop(): Promise<CpuProfile> }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await session.post('Profiler.disable');
      session.disconnect();
      return profile as unknown as CpuProfile;
    },
  };
}

/** Machine CPU (all processes, % of one core) over `ms`, or null without /proc/stat. */
async function machineBusyPct(ms: number): Promise<number | null> {
  const a = machineCpuSeconds();
  const t = performance.now();
  await sleep(ms);
  const b = machineCpuSeconds();
  return a === null || b === null ? null : ((b.busy - a.busy) * 100_000) / (performance.now() - t);
}

/**
 * Waits until the machine is quiet (other work would take CPU from smscd or the peer and lower
 * the rate); returns the busy share last seen, for the report.
 */
async function waitForQuiet(settings: Settings): Promise<number | null> {
  const deadline = performance.now() + settings.quietWaitMs;
  let busy = await machineBusyPct(500);
  let announced = false;
  while (busy !== null && busy >= settings.quietPct && performance.now() < deadline) {
    if (!announced) {
      console.log(`  (the machine is ${busy.toFixed(0)} % busy with other work; waiting up to ${settings.quietWaitMs / 1000} s for it to fall below ${settings.quietPct} %)`);
      announced = true;
    }
    busy = await machineBusyPct(1000);
  }
  return busy;
}

async function measure(settings: Settings, spec: RunSpec): Promise<RunResult> {
  if (settings.quietWaitMs > 0) await waitForQuiet(settings);
  const total = settings.warmup + settings.count;
  const milestones = settings.warmup > 0 ? [settings.warmup, total] : [total];
  const peer = await startPeer(spec.kind, milestones);
  const dir = mkdtempSync(join(os.tmpdir(), 'smscd-bench-forward-'));
  const logged = captureLog();
  const problems: string[] = [];
  let app: App | null = null;
  try {
    const config = configFor(settings, spec, dir, peer);
    app = await run(config, { log: createLogger('warn', logged.stream) });
    const account = app.store.accounts.add({ systemId: 'bench', passwordHash: '!', maxBinds: 1, rate: 0, allowedIps: [], email: null, apiTokenHash: null });
    const queueUrl = spec.kind === 'sqs' ? String(spec.fifo ? peer.ready['fifoQueueUrl'] : peer.ready['queueUrl']) : null;
    const target = app.store.targets.add({
      name: `bench-${spec.kind}`,
      type: spec.kind,
      url: spec.kind === 'http' ? String(peer.ready['url']) : null,
      to: spec.kind === 'smtp' ? 'receipts@bench.invalid' : null,
      queueUrl,
      format: settings.format,
      secret: spec.kind === 'http' && settings.signed ? `whsec_${randomBytes(32).toString('base64')}` : null,
    });
    const progress = progressQueries(app, target.id);
    const worker = app.forwarding.worker;
    worker.reloadTargets();

    if (settings.warmup > 0) {
      insertEvents(app, account.id, target.id, settings.format, 0, settings.warmup);
      worker.poke();
      const warm = await waitForAll(peer, progress, settings.warmup, settings.stallMs);
      if ('stalled' in warm) throw new Error(`warm-up: ${warm.stalled}`);
    }

    const insertMs = insertEvents(app, account.id, target.id, settings.format, settings.warmup, settings.count);
    const profiler = settings.profileDir ? await startProfiler() : null;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const peerCpu0 = processCpuSeconds(peer.child.process.pid!);
    const machine0 = machineCpuSeconds();
    const t0 = performance.now();
    worker.poke();
    const end = await waitForAll(peer, progress, total, settings.stallMs);
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const peerCpu1 = processCpuSeconds(peer.child.process.pid!);
    const machine1 = machineCpuSeconds();
    let profileText: string | null = null;
    if (profiler) {
      const profile = await profiler.stop();
      mkdirSync(settings.profileDir!, { recursive: true });
      const file = join(settings.profileDir!, `${label(spec)}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      profileText = `${file}\n${formatSummary(summarize(profile), settings.profileTop)}`;
    }
    const windowMs = t1 - t0;
    const pct = (seconds: number): number => ((seconds * 1000) / windowMs) * 100;
    const smscdCpuPct = pct((cpu.user + cpu.system) / 1e6);
    const peerCpuPct = peerCpu0 !== null && peerCpu1 !== null ? pct(peerCpu1 - peerCpu0) : null;
    const othersCpuPct = machine0 !== null && machine1 !== null && peerCpuPct !== null ? Math.max(0, pct(machine1.busy - machine0.busy) - smscdCpuPct - peerCpuPct) : null;
    if ('stalled' in end) problems.push(end.stalled);
    await sleep(LINGER_MS);

    const delivered = progress.delivered();
    if (delivered !== total) problems.push(`${delivered}/${total} rows delivered`);
    if (peer.count > total) problems.push(`peer received ${peer.count - total} more than sent (duplicates)`);
    const attempts = app.store.db.prepare<[number], { outcome: string; code: string | null; n: number }>(
      `SELECT a.outcome, a.code, count(*) AS n FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id WHERE o.target_id = ? AND a.outcome != 'delivered' GROUP BY a.outcome, a.code`,
    ).all(target.id);
    for (const a of attempts) problems.push(`${a.n} attempts ${a.outcome} (${a.code ?? '-'})`);
    if (othersCpuPct !== null && othersCpuPct >= settings.quietPct) problems.push(`NOTE: other work on the machine took ${othersCpuPct.toFixed(0)} % of a core during the run`);
    if (logged.count() > 0) problems.push(`${logged.count()} warnings logged, first: ${logged.lines[0]}`);

    const complete = !('stalled' in end);
    return {
      spec,
      events: settings.count,
      complete,
      peerMs: complete ? end.peerAt - t0 : windowMs,
      doneMs: complete ? end.doneAt - t0 : windowMs,
      smscdCpuPct,
      smscdElu: elu.utilization * 100,
      peerCpuPct,
      othersCpuPct,
      problems,
      profile: profileText === null ? null : `insert of ${settings.count} events took ${insertMs.toFixed(0)} ms (not timed)\n${profileText}`,
    };
  } finally {
    if (app) await app.close();
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── report ────────────────────────────────────────────────────────────────────────────

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

function printTable(rows: string[][], header: string[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
}

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  console.log(
    `forwarding: ${settings.count} events per run (after a warm-up of ${settings.warmup}), ${settings.format}, ` +
      `synchronous=${settings.synchronous}; smscd in this process (pid ${process.pid}), each peer its own process; ` +
      `${os.cpus().length} CPUs, node ${process.version}`,
  );
  const results: RunResult[][] = [];
  const unavailable: string[] = [];
  let clean = true;
  for (const kind of settings.targets) {
    if (kind === 'sqs') {
      const why = sqsAvailable(settings);
      if (why !== null) {
        console.log(`sqs: not available (${why})`);
        unavailable.push('sqs');
        continue;
      }
    }
    for (const spec of runSpecs(settings, kind)) {
      const rounds: RunResult[] = [];
      for (let round = 1; round <= settings.rounds; round++) {
        let r: RunResult;
        try {
          r = await measure(settings, spec);
        } catch (err) {
          clean = false;
          console.log(`${kind} (${describe(spec)}): FAILED — ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        rounds.push(r);
        if (r.problems.some((p) => !p.startsWith('NOTE:')) || !r.complete) clean = false;
        const cpu = (v: number | null): string => (v === null ? '?' : `${v.toFixed(0)} %`);
        console.log(
          `${kind.padEnd(4)} ${describe(spec).padEnd(38)}${settings.rounds > 1 ? ` #${round}` : ''} ${rate((r.events * 1000) / r.doneMs).padStart(7)} events/s ` +
            `(${(r.doneMs / 1000).toFixed(2)} s, peer had all at ${(r.peerMs / 1000).toFixed(2)} s; ` +
            `smscd CPU ${cpu(r.smscdCpuPct)}, event loop ${cpu(r.smscdElu)} busy; peer CPU ${cpu(r.peerCpuPct)}; rest of machine ${cpu(r.othersCpuPct)})` +
            (r.problems.length > 0 ? ` — ${r.problems.join('; ')}` : ''),
        );
        if (r.profile) console.log(`\nprofile of smscd, ${label(spec)}${settings.rounds > 1 ? ` #${round}` : ''}: ${r.profile}\n`);
      }
      if (rounds.length > 0) results.push(rounds);
    }
  }

  console.log();
  // With several rounds, the run with the median rate stands for its settings.
  const rows = results.map((rounds) => {
    const sorted = [...rounds].sort((a, b) => a.events / a.doneMs - b.events / b.doneMs);
    const r = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const perSec = (r.events * 1000) / r.doneMs;
    const goal = GOALS[r.spec.kind];
    reportResult({ bench: `forward ${r.spec.kind}`, figure: `events/s, ${describe(r.spec)}${r.spec.isDefault ? ' (default)' : ''}`, value: Math.round(perSec), unit: 'events/s', goal: `>= ${goal}`, met: perSec >= goal && !rounds.some((x) => !x.complete) });
    return [
      r.spec.kind,
      `${describe(r.spec)}${r.spec.isDefault ? ' (default)' : ''}`,
      String(r.events),
      (r.doneMs / 1000).toFixed(2),
      rate(perSec),
      rate(goal),
      rounds.some((x) => !x.complete) ? 'incomplete' : perSec >= goal ? 'met' : 'not met',
    ];
  });
  for (const kind of unavailable) rows.push([kind, 'not available', '-', '-', '-', rate(GOALS[kind as TargetType]), '-']);
  if (settings.rounds > 1) console.log(`median of ${settings.rounds} rounds (the lower middle one for an even count):`);
  printTable(rows, ['target', 'settings', 'events', 'seconds', 'events/s', 'goal', 'goal met']);
  return clean ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
