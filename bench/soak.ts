// The soak benchmark (`npm run soak`, not part of `npm run bench` or CI): --minutes (default 10) of
// mixed load against one `smscd serve` child — SMPP submits with registered_delivery 1 at a fixed
// rate (the loadtest runner, 2 transceiver binds) and HTTP API sends with a notificationCallbackUrl
// at a fixed rate (keep-alive fetch) — while every receipt is forwarded to a loopback HTTP receiver
// (bench/peer-http.ts in its own process): SMPP events through a target and rule added with the
// CLI, API events to their callback URL. Every 10 s it prints smscd's RSS, its event-loop delay and
// its outbox depth (both from /metrics), then a verdict: flat when every last-minute RSS sample is
// within ±10 % of the first-minute level and the outbox depth is not growing.
//
//   node dist/bench/soak.js [--minutes 10] [--smpp-rate 300] [--api-rate 100] [--sample-sec 10]
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoadtest } from '../src/loadtest/run-loadtest.js';
import { fetchMetrics, loopDelayMs, metricValues } from './lib/metrics-scrape.js';
import { startPeer } from './lib/peer.js';
import { reportResult } from './lib/result.js';
import { readRss } from './lib/rss.js';
import { ROOT } from './lib/smscd.js';
import { startSmscdApi } from './lib/smscd-api.js';

const GOAL_FLAT = 0.1;
/** The outbox counts as growing when its last-minute mean is this much over the first minute's … */
const OUTBOX_GROWTH = 0.1;
/** … and over it by more than this many rows (a few in flight are noise). */
const OUTBOX_SLACK_ROWS = 100;
const GOAL_LOOP_P99_MS = 100;
const SYSTEM_ID = 'soak';
const PASSWORD = 'soak-pw1';
/** Most API requests in flight; beyond it a tick's sends are skipped (and counted). */
const API_MAX_IN_FLIGHT = 256;
const API_TICK_MS = 50;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'smpp-rate': { type: 'string', default: '300' },
    'api-rate': { type: 'string', default: '100' },
    'sample-sec': { type: 'string', default: '10' },
  },
});
const minutes = Number(values.minutes);
const smppRate = Number(values['smpp-rate']);
const apiRate = Number(values['api-rate']);
const sampleMs = Number(values['sample-sec']) * 1000;
for (const [name, v] of [['--minutes', minutes], ['--smpp-rate', smppRate], ['--api-rate', apiRate], ['--sample-sec', sampleMs]] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
}
if (minutes < 2) throw new Error('--minutes must be at least 2 (the verdict compares the first and the last minute)');

const mb = (bytes: number | null): number => Math.round((bytes ?? 0) / 1e5) / 10;

/** One /metrics scrape, reduced to what the soak watches. */
interface Scrape {
  loopP50Ms: number | null;
  loopP99Ms: number | null;
  loopMaxMs: number | null;
  outboxPending: number;
  forwardsDelivered: number;
}

async function scrape(httpPort: number): Promise<Scrape> {
  const text = await fetchMetrics(httpPort);
  const loop = (stat: 'p50' | 'p99' | 'max'): number | null => loopDelayMs(text, stat);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return {
    loopP50Ms: loop('p50'),
    loopP99Ms: loop('p99'),
    loopMaxMs: loop('max'),
    outboxPending: sum(metricValues(text, 'smscd_outbox', { state: 'pending' })),
    forwardsDelivered: sum(metricValues(text, 'smscd_forwards_total', { result: 'delivered' })),
  };
}

/** Sends POST /rest/smsmessaging/text at `rate` per second until `stop()`; counts the answers. */
function apiLoad(httpPort: number, token: string, rate: number, callbackUrl: string) {
  const stats = { sent: 0, ok: 0, failed: 0, skipped: 0, inFlight: 0, errors: new Map<string, number>() };
  const url = `http://127.0.0.1:${httpPort}/rest/smsmessaging/text`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const note = (what: string): void => {
    stats.failed++;
    stats.errors.set(what, (stats.errors.get(what) ?? 0) + 1);
  };
  const sendOne = async (n: number): Promise<void> => {
    stats.sent++;
    stats.inFlight++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ recipientAddressList: ['436991234567'], messageContent: `soak ${n}`, clientMessageId: `soak-${n}`, notificationCallbackUrl: callbackUrl }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { statusCode?: number };
      if (res.status === 200 && body.statusCode === 2000) stats.ok++;
      else note(`HTTP ${res.status} ${body.statusCode ?? ''}`);
    } catch (err) {
      note(err instanceof Error ? err.message : String(err));
    } finally {
      stats.inFlight--;
    }
  };
  const started = performance.now();
  let due = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    // Fixed rate: as many sends as are due by now, whatever the answers' latency.
    const target = Math.floor(((performance.now() - started) / 1000) * rate);
    while (due < target) {
      due++;
      if (stats.inFlight >= API_MAX_IN_FLIGHT) {
        stats.skipped++;
        continue;
      }
      const p = sendOne(due);
      pending.add(p);
      void p.then(() => pending.delete(p));
    }
  }, API_TICK_MS);
  return {
    stats,
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

/** A CLI command against the soak's database and config (what an operator would type). */
function cli(db: string, args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'bin/smscd'), ...args, '--db', db, '--config', join(dirname(db), 'config.json')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Sample {
  atSec: number;
  rssMb: number;
  scrape: Scrape;
}

async function main(): Promise<void> {
  const peer = await startPeer('http', []);
  const peerUrl = String(peer.ready['url']);
  const smscd = await startSmscdApi({
    systemId: SYSTEM_ID,
    password: PASSWORD,
    accountArgs: ['--rate', '0'],
    config: { log: { level: 'warn' }, forwarding: { allowPrivateTargets: true } },
  });
  try {
    cli(smscd.db, ['target', 'add', 'soak-peer', '--type', 'http', '--url', peerUrl]);
    cli(smscd.db, ['rule', 'add', '--account', SYSTEM_ID, '--channel', 'smpp', '--target', 'soak-peer']);
    // The server reads CLI changes within a second (cli.reloadIntervalMs); the first scrape starts its event-loop monitor.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await scrape(smscd.httpPort);
    console.log(`soak: ${minutes} min against smscd (pid ${smscd.pid}): SMPP ${smppRate}/s (2 binds, registered_delivery 1) + API ${apiRate}/s (notificationCallbackUrl), forwarded to ${peerUrl}`);
    console.log('    time      RSS   loop p50/p99/max ms   outbox pending   forwarded (peer)   API ok/failed');

    const samples: Sample[] = [];
    const startedAt = Date.now();
    const api = apiLoad(smscd.httpPort, smscd.account.apiToken, apiRate, peerUrl);
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(async () => {
        const atSec = Math.round((Date.now() - startedAt) / 1000);
        const rssMb = mb(readRss(smscd.pid));
        const s = await scrape(smscd.httpPort);
        samples.push({ atSec, rssMb, scrape: s });
        const loop = `${s.loopP50Ms ?? '-'}/${s.loopP99Ms ?? '-'}/${s.loopMaxMs ?? '-'}`;
        console.log(
          `  ${String(atSec).padStart(5)} s ${String(rssMb).padStart(7)} MB ${loop.padStart(20)} ${String(s.outboxPending).padStart(16)} ${`${s.forwardsDelivered} (${peer.count})`.padStart(18)} ${`${api.stats.ok}/${api.stats.failed}`.padStart(15)}`,
        );
      }, (err: unknown) => console.error(`sample failed: ${err instanceof Error ? err.message : String(err)}`));
    }, sampleMs);
    let report;
    try {
      report = await runLoadtest({ port: smscd.smppPort, systemId: SYSTEM_ID, password: PASSWORD, binds: 2, window: 50, rate: smppRate, durationSec: minutes * 60, registeredDelivery: 1, receiptTimeoutSec: 60 });
    } finally {
      await api.stop();
      clearInterval(timer);
      await sampling;
    }

    // ── verdict ──
    const durationSec = minutes * 60;
    const first = samples.filter((s) => s.atSec <= 60);
    const last = samples.filter((s) => s.atSec > durationSec - 60 && s.atSec <= durationSec);
    const level = Math.max(...first.map((s) => s.rssMb));
    const worst = last.reduce((w, s) => Math.max(w, Math.abs(s.rssMb - level) / level), 0);
    const rssFlat = first.length > 0 && last.length > 0 && worst <= GOAL_FLAT;
    const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
    const outboxFirst = mean(first.map((s) => s.scrape.outboxPending));
    const outboxLast = mean(last.map((s) => s.scrape.outboxPending));
    const outboxGrowing = outboxLast > outboxFirst * (1 + OUTBOX_GROWTH) && outboxLast - outboxFirst > OUTBOX_SLACK_ROWS;
    const loopP99 = Math.max(...samples.map((s) => s.scrape.loopP99Ms ?? 0));
    const loopMax = Math.max(...samples.map((s) => s.scrape.loopMaxMs ?? 0));
    const receipts = Object.values(report.receipts).reduce((a, b) => a + b, 0);
    const apiErrors = [...api.stats.errors].map(([e, n]) => `${e} ×${n}`).join(', ');

    console.log(
      `soak: SMPP ${report.accepted.toLocaleString('en-US')} accepted at ${Math.round(report.submitRate)}/s, ${receipts.toLocaleString('en-US')} receipts (missing ${report.receiptsMissing ?? '?'}), ` +
        `submit_sm_resp p99 ${report.latencyMs.submitResponse.p99} ms; API ${api.stats.ok.toLocaleString('en-US')} OK, ${api.stats.failed} failed${apiErrors ? ` (${apiErrors})` : ''}, ${api.stats.skipped} skipped; ` +
        `peer received ${peer.count.toLocaleString('en-US')} forwards`,
    );
    console.log(
      `soak: RSS first minute ${level} MB, last minute ${Math.min(...last.map((s) => s.rssMb))}–${Math.max(...last.map((s) => s.rssMb))} MB (largest deviation ${(worst * 100).toFixed(1)} %; means ${mean(first.map((s) => s.rssMb)).toFixed(1)} → ${mean(last.map((s) => s.rssMb)).toFixed(1)} MB) → ${rssFlat ? 'flat' : 'NOT flat'}; ` +
        `outbox pending first minute ${outboxFirst.toFixed(0)}, last minute ${outboxLast.toFixed(0)} → ${outboxGrowing ? 'GROWING' : 'not growing'}; event-loop delay p99 up to ${loopP99} ms (max ${loopMax} ms)`,
    );
    const verdict = rssFlat && !outboxGrowing;
    console.log(`verdict: ${verdict ? 'flat' : 'NOT flat'}`);
    reportResult({ bench: 'soak', figure: `largest last-minute RSS deviation from the first minute (${level} MB) over ${minutes} min`, value: Math.round(worst * 1000) / 10, unit: '%', goal: `<= ${GOAL_FLAT * 100}`, met: rssFlat });
    reportResult({ bench: 'soak', figure: 'outbox pending, last-minute mean (first-minute mean ' + outboxFirst.toFixed(0) + ')', value: Math.round(outboxLast), unit: 'rows', goal: 'not growing', met: !outboxGrowing });
    reportResult({ bench: 'soak', figure: 'event-loop delay p99, worst 10 s interval', value: loopP99, unit: 'ms', goal: `<= ${GOAL_LOOP_P99_MS}`, met: loopP99 <= GOAL_LOOP_P99_MS });
    const lost = report.accepted + api.stats.ok > 0 && (report.receiptsMissing ?? 0) === 0 && api.stats.failed === 0;
    reportResult({ bench: 'soak', figure: 'SMPP receipts missing + API requests failed', value: (report.receiptsMissing ?? 0) + api.stats.failed, unit: 'count', goal: '= 0', met: lost });
    if (!verdict) process.exitCode = 1;
  } finally {
    await smscd.stop();
    await peer.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`soak benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
