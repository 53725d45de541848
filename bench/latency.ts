// The latency benchmark (`npm run bench:latency`): submit_sm_resp latency percentiles at a fixed
// submit rate (default 5,000/s over 2 transceiver binds, window 100, registered_delivery 1, so
// deliveries and receipts flow meanwhile), measured with `smscd loadtest`'s own runner against
// smscd with its default configuration (synchronous=FULL, simulator delays 1–5 s) and, for
// reference, the bare smpp-package receipt server. Goal: smscd's p99 <= 10 ms. First it probes
// the disk for --disk-seconds (bench/lib/disk-probe.ts): every answer waits for a WAL flush, so
// the disk's own flush tail is the floor under smscd's p99, and the run prints it beside it.
// Beside the client's figures it prints what smscd saw of the same run (its /metrics): the share of
// submits whose own handling (accepting the submit_sm to writing its response: commit and flush)
// took over 10 ms, and its event-loop delay. Whatever the client measured beyond that share lies
// outside that handling: the server's loop reading late, loopback, the client's own loop.
//
//   node dist/bench/latency.js [--rate 5000] [--duration 20] [--binds 2] [--window 100] [--disk-seconds 10]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoadtest } from '../src/loadtest/run-loadtest.js';
import type { LoadtestReport } from '../src/loadtest/loadtest-report.js';
import { startChild } from './lib/child.js';
import { probeDisk, STALL_MS, type DiskProbe } from './lib/disk-probe.js';
import { fetchMetrics, loopDelayMs, metricValues } from './lib/metrics-scrape.js';
import { reportResult } from './lib/result.js';
import { ROOT, startSmscd } from './lib/smscd.js';

const GOAL_P99_MS = 10;
const SYSTEM_ID = 'bench';
const PASSWORD = 'bench1';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '20' },
    binds: { type: 'string', default: '2' },
    window: { type: 'string', default: '100' },
    'disk-seconds': { type: 'string', default: '10' },
  },
});
const settings = { rate: Number(values.rate), duration: Number(values.duration), binds: Number(values.binds), window: Number(values.window), diskSeconds: Number(values['disk-seconds']) };

/** What smscd's /metrics say of the measured run. */
interface ServerView {
  submits: number;
  /** Submits whose handling took over GOAL_P99_MS, in % of `submits`. */
  overGoalPct: number;
  loopP99Ms: number | null;
  loopMaxMs: number | null;
}

async function measure(port: number, httpPort?: number): Promise<{ report: LoadtestReport; server: ServerView | null }> {
  const common = { port, systemId: SYSTEM_ID, password: PASSWORD, binds: settings.binds, window: settings.window, registeredDelivery: 1, receiptTimeoutSec: 30 };
  // A short warm-up at the same rate, so V8 has optimised both sides before the clock runs.
  await runLoadtest({ ...common, rate: settings.rate, durationSec: 2 });
  // The first scrape also starts the server's event-loop monitor; the second reports the delay since.
  const before = httpPort === undefined ? null : await fetchMetrics(httpPort);
  const report = await runLoadtest({ ...common, rate: settings.rate, durationSec: settings.duration });
  const after = httpPort === undefined ? null : await fetchMetrics(httpPort);
  return { report, server: before !== null && after !== null ? serverView(before, after) : null };
}

function serverView(before: string, after: string): ServerView {
  const delta = (name: string, labels: Record<string, string>): number => {
    const value = (text: string): number => metricValues(text, name, { channel: 'smpp', ...labels })[0] ?? 0;
    return value(after) - value(before);
  };
  const submits = delta('smscd_submit_seconds_count', {});
  const withinGoal = delta('smscd_submit_seconds_bucket', { le: String(GOAL_P99_MS / 1000) });
  return { submits, overGoalPct: submits > 0 ? (100 * (submits - withinGoal)) / submits : 0, loopP99Ms: loopDelayMs(after, 'p99'), loopMaxMs: loopDelayMs(after, 'max') };
}

function serverLine(s: ServerView): string {
  const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
  return `smscd  its own view (/metrics): ${s.overGoalPct.toFixed(2)} % of ${s.submits.toLocaleString('en-US')} submits took over ${GOAL_P99_MS} ms from accepting to writing the response; event-loop delay p99 ${ms(s.loopP99Ms)}, max ${ms(s.loopMaxMs)} ms`;
}

function line(name: string, r: LoadtestReport): string {
  const s = r.latencyMs.submitResponse;
  const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  return `${name.padEnd(6)} accepted ${String(r.accepted).padStart(7)} at ${Math.round(r.submitRate).toLocaleString('en-US').padStart(6)}/s   submit_sm_resp ms: p50 ${fmt(s.p50)}  p90 ${fmt(s.p90)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}`;
}

function diskLine(d: DiskProbe): string {
  return `disk   16 KiB + fdatasync back to back for ${settings.diskSeconds} s: ${d.flushes.toLocaleString('en-US')} flushes, ms: p50 ${d.p50.toFixed(2)}  p99 ${d.p99.toFixed(2)}  max ${d.max.toFixed(2)}; ${d.stalls} over ${STALL_MS} ms`;
}

async function main(): Promise<void> {
  console.log(`submit_sm_resp latency at ${settings.rate}/s for ${settings.duration} s over ${settings.binds} transceiver binds (window ${settings.window}), registered_delivery 1`);
  const disk = settings.diskSeconds > 0 ? await probeDisk(settings.diskSeconds) : null;
  if (disk) console.log(diskLine(disk));
  const bare = startChild('bare-receipt-server', process.execPath, [join(ROOT, 'dist/bench/bare-receipt-server.js')], { cwd: ROOT });
  let bareReport: LoadtestReport;
  try {
    const ready = await bare.waitForLine((l) => l.includes('"port"'), 30_000);
    bareReport = (await measure((JSON.parse(ready) as { port: number }).port)).report;
  } finally {
    await bare.stop();
  }
  console.log(line('bare', bareReport));
  const smscd = await startSmscd({ systemId: SYSTEM_ID, password: PASSWORD });
  let report: LoadtestReport;
  let server: ServerView | null;
  try {
    ({ report, server } = await measure(smscd.port, smscd.httpPort));
  } finally {
    await smscd.stop();
  }
  console.log(line('smscd', report));
  if (server) console.log(serverLine(server));
  const p99 = report.latencyMs.submitResponse.p99 ?? Infinity;
  const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
  const met = p99 <= GOAL_P99_MS && refused === 0;
  console.log(`goal: p99 <= ${GOAL_P99_MS} ms at ${settings.rate}/s → ${met ? 'met' : 'not met'}${refused ? ` (${refused} refused)` : ''}`);
  const diskNote = disk ? `; disk flush p99 ${disk.p99.toFixed(1)}, max ${disk.max.toFixed(1)} ms` : '';
  const serverNote = server ? `; ${server.overGoalPct.toFixed(2)} % over ${GOAL_P99_MS} ms on the server's own clock` : '';
  reportResult({ bench: 'latency', figure: `p99 submit_sm_resp at ${settings.rate}/s (bare ${bareReport.latencyMs.submitResponse.p99} ms${diskNote}${serverNote})`, value: p99, unit: 'ms', goal: `<= ${GOAL_P99_MS}`, met });
}

main().catch((err: unknown) => {
  console.error(`latency benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
