/**
 * `smscd loadtest` against real SMSCs on port 0: smscd itself (through run()), the bare
 * smpp-package receipt server of the benchmarks (another SMSC, with decimal ids), and smscd behind
 * a TLS proxy with a self-signed certificate. Counts are asserted, never speed.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startChild } from '../../bench/lib/child.js';
import { UsageError } from '../../src/errors.js';
import { LoadtestError } from '../../src/loadtest/loadtest-error.js';
import type { LoadtestReport } from '../../src/loadtest/loadtest-report.js';
import { runLoadtest } from '../../src/loadtest/run-loadtest.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { cli, SMSCD } from '../helpers/cli.js';

/** Every message delivered at once: receipts come right after the submit_sm_resp. */
const DETERMINISTIC = { 'simulator.delayMs': [0, 0], 'simulator.outcomes': { delivered: 100 } };
const BARE_SERVER = fileURLToPath(new URL('../../bench/bare-receipt-server.js', import.meta.url));

async function smscd(t: Parameters<typeof cleanup>[0], overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const defer = cleanup(t);
  const app = await startApp({ ...DETERMINISTIC, ...overrides });
  defer(() => app.stop());
  app.addAccount('acme', 'secret1');
  return app;
}

function assertLatency(report: LoadtestReport, which: 'submitResponse' | 'receipt', count: number): void {
  const s = report.latencyMs[which];
  assert.equal(s.count, count, `${which} latency samples`);
  for (const key of ['p50', 'p90', 'p99', 'max'] as const) {
    assert.equal(typeof s[key], 'number', `latencyMs.${which}.${key}: wanted a number, had ${JSON.stringify(s[key])}`);
    assert.ok(s[key]! >= 0, `latencyMs.${which}.${key} >= 0, had ${s[key]}`);
  }
  assert.ok(s.p50! <= s.p90! && s.p90! <= s.p99! && s.p99! <= s.max!, `percentiles in order: ${JSON.stringify(s)}`);
}

/** The counts every clean run of `n` accepted messages with registered_delivery 1 has. */
function assertAllDelivered(report: LoadtestReport, n: number): void {
  assert.deepEqual(
    {
      submitted: report.submitted,
      accepted: report.accepted,
      refused: report.refused,
      unanswered: report.unanswered,
      receipts: report.receipts,
      receiptsExpected: report.receiptsExpected,
      receiptsMissing: report.receiptsMissing,
      unmatched: report.unmatchedReceipts,
      duplicates: report.duplicateReceipts,
      complete: report.complete,
    },
    {
      submitted: n,
      accepted: n,
      refused: {},
      unanswered: 0,
      receipts: { DELIVRD: n },
      receiptsExpected: n,
      receiptsMissing: 0,
      unmatched: 0,
      duplicates: 0,
      complete: true,
    },
  );
  assertLatency(report, 'submitResponse', n);
  assertLatency(report, 'receipt', n);
  assert.equal(typeof report.submitRate, 'number');
  assert.equal(typeof report.receiptRate, 'number');
}

test('against smscd: 200 submits over 2 binds with registered_delivery 1, as a function and as the CLI (--json)', async (t) => {
  const app = await smscd(t);
  const report = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', binds: 2, window: 10, count: 200, registeredDelivery: 1 });
  assertAllDelivered(report, 200);
  assert.equal(report.binds, 2);

  const run = await cli(['loadtest', '--port', String(app.port), '--system-id', 'acme', '--password', 'secret1', '--binds', '2', '--count', '200', '--registered-delivery', '1', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '', 'nothing on stderr: no progress bar without a TTY');
  const fromCli = JSON.parse(run.stdout) as LoadtestReport;
  assertAllDelivered(fromCli, 200);
});

test('the table names refusals by command_status: destination 999000001 is throttled by the simulator', async (t) => {
  const app = await smscd(t);
  const report = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', count: 50, destination: '999000001' });
  assert.deepEqual(
    { submitted: report.submitted, accepted: report.accepted, refused: report.refused, receipts: report.receipts, missing: report.receiptsMissing },
    { submitted: 50, accepted: 0, refused: { ESME_RTHROTTLED: 50 }, receipts: {}, missing: 0 },
  );

  const run = await cli(['loadtest', '--port', String(app.port), '--system-id', 'acme', '--password', 'secret1', '--count', '20', '--destination', '999000001']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^refused\s+20$/m, `wanted "refused 20" in:\n${run.stdout}`);
  assert.match(run.stdout, /^\s+ESME_RTHROTTLED\s+20$/m, `wanted "ESME_RTHROTTLED 20" in:\n${run.stdout}`);
  assert.match(run.stdout, /^latency \(ms\)\s+p50\s+p90\s+p99\s+max/m);
  assert.match(run.stdout, /^\s+submit_sm_resp(\s+\d+\.\d+){4}\s+20$/m, `wanted submit_sm_resp percentiles in:\n${run.stdout}`);
});

test('registered_delivery 17 counts ENROUTE notifications and final receipts; 2 waits only for failures', async (t) => {
  const app = await smscd(t, { 'simulator.delayMs': [300, 300], 'simulator.enroute': true });
  const full = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', count: 30, registeredDelivery: 17 });
  assert.deepEqual(
    { receipts: full.receipts, intermediate: full.intermediateReceipts, expected: full.receiptsExpected, missing: full.receiptsMissing, unmatched: full.unmatchedReceipts },
    { receipts: { ENROUTE: 30, DELIVRD: 30 }, intermediate: 30, expected: 30, missing: 0, unmatched: 0 },
  );
  assertLatency(full, 'receipt', 30);

  // Failures only, all delivered: no receipt is owed, so the run waits out the receipt timeout.
  const quiet = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', count: 20, registeredDelivery: 2, receiptTimeoutSec: 0.5 });
  assert.deepEqual(
    { accepted: quiet.accepted, receipts: quiet.receipts, expected: quiet.receiptsExpected, missing: quiet.receiptsMissing, unmatched: quiet.unmatchedReceipts },
    { accepted: 20, receipts: {}, expected: null, missing: null, unmatched: 0 },
  );
});

test('registered_delivery 2 stops as soon as every accepted message had its failure receipt', { timeout: 30_000 }, async (t) => {
  const app = await smscd(t);
  // 999000011 always ends undelivered. A 60 s receipt timeout would outlast the test's own
  // timeout: the run must stop because the count was met, not because the timeout passed.
  const report = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', count: 20, registeredDelivery: 2, destination: '999000011', receiptTimeoutSec: 60 });
  assert.deepEqual({ accepted: report.accepted, receipts: report.receipts, unmatched: report.unmatchedReceipts }, { accepted: 20, receipts: { UNDELIV: 20 }, unmatched: 0 });
});

test('--duration with --rate: submits for the time given and never faster than the rate', async (t) => {
  const app = await smscd(t);
  const report = await runLoadtest({ port: app.port, systemId: 'acme', password: 'secret1', binds: 2, durationSec: 1, rate: 50 });
  assert.ok(report.submitted > 0, 'some submits');
  // The bucket starts with one token and earns 50 a second: by the last submit (no later than the
  // last response) at most 1 + 50/s × that time. A slow machine can only lower the count.
  const most = 1 + Math.floor((50 * report.submitMs) / 1000);
  assert.ok(report.submitted <= most, `at most ${most} submits in ${report.submitMs} ms at 50/s, had ${report.submitted}`);
  assertAllDelivered(report, report.submitted);
});

test('an aborted run (Ctrl-C in the CLI) stops at once and still reports what it measured', async (t) => {
  const app = await smscd(t);
  const abort = new AbortController();
  const report = await runLoadtest(
    { port: app.port, systemId: 'acme', password: 'secret1', count: 1_000_000, rate: 200 },
    { signal: abort.signal, onProgress: (p) => p.accepted >= 20 && abort.abort() },
  );
  assert.equal(report.interrupted, true);
  assert.equal(report.complete, false);
  assert.ok(report.submitted >= 20 && report.submitted < 1_000_000, `submitted ${report.submitted}`);
  assert.equal(report.accepted + report.unanswered, report.submitted, 'every submit answered or counted as outstanding');
});

test('against another SMSC: the bare smpp-package receipt server of the benchmarks (sequential decimal ids)', async (t) => {
  const defer = cleanup(t);
  const child = startChild('bare-receipt-server', process.execPath, [BARE_SERVER]);
  defer(() => child.stop());
  const line = await child.waitForLine((l) => l.startsWith('{'), 10_000);
  const port = (JSON.parse(line) as { port: number }).port;

  const report = await runLoadtest({ port, systemId: 'any', password: 'any', binds: 2, window: 10, count: 200 });
  assertAllDelivered(report, 200);

  const run = await cli(['loadtest', '--port', String(port), '--system-id', 'any', '--password', 'any', '--count', '100', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assertAllDelivered(JSON.parse(run.stdout) as LoadtestReport, 100);
});

test('a bind lost midway is a LoadtestError that carries the counts so far', async (t) => {
  const defer = cleanup(t);
  const child = startChild('bare-receipt-server', process.execPath, [BARE_SERVER]);
  defer(() => child.stop());
  const line = await child.waitForLine((l) => l.startsWith('{'), 10_000);
  const port = (JSON.parse(line) as { port: number }).port;
  let stopping: Promise<void> | undefined;
  await assert.rejects(
    runLoadtest(
      { port, systemId: 'any', password: 'any', count: 1_000_000, rate: 200 },
      { onProgress: (p) => void (p.accepted >= 20 && (stopping ??= child.stop())) },
    ),
    (err: unknown) => {
      assert.ok(err instanceof LoadtestError, `wanted a LoadtestError, had ${String(err)}`);
      assert.match(err.message, /^bind 1 was closed by 127\.0\.0\.1:\d+/);
      assert.ok(err.report && err.report.accepted >= 20, `the report so far: ${JSON.stringify(err.report?.accepted)}`);
      return true;
    },
  );
  await stopping;
});

test('--tls: through a TLS proxy with a self-signed certificate, accepted only with --insecure', async (t) => {
  const defer = cleanup(t);
  const app = await smscd(t);
  const dir = mkdtempSync(join(tmpdir(), 'smscd-loadtest-tls-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  // TLS in front of smscd's plain SMPP port, as stunnel or a load balancer would be.
  const sockets = new Set<net.Socket>();
  const proxy = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
    const upstream = net.connect(app.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  );
  const port = (proxy.address() as net.AddressInfo).port;

  const report = await runLoadtest({ port, systemId: 'acme', password: 'secret1', count: 50, tls: true, insecure: true });
  assertAllDelivered(report, 50);
  assert.equal(report.tls, true);

  await assert.rejects(
    runLoadtest({ port, systemId: 'acme', password: 'secret1', count: 5, tls: true }),
    (err: unknown) => err instanceof LoadtestError && /self-signed certificate/.test(err.message) && /--insecure/.test(err.message),
    'without --insecure the self-signed certificate is refused, and the message says how to accept it',
  );
  const refused = await cli(['loadtest', '--port', String(port), '--system-id', 'acme', '--password', 'secret1', '--count', '5', '--tls']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^smscd: loadtest: .*certificate.*--insecure.*\n$/, `wanted one line naming the certificate, had ${JSON.stringify(refused.stderr)}`);
});

test('bad arguments exit 2 with a message naming the option, before connecting', async () => {
  const base = ['loadtest', '--port', '1', '--system-id', 'acme', '--password', 'pw'];
  const cases: Array<[string[], RegExp]> = [
    [['--binds', '0'], /--binds/],
    [['--window', 'many'], /--window/],
    [['--count', '10', '--duration', '1'], /--count and --duration cannot be used together/],
    [['--registered-delivery', '5'], /--registered-delivery must be 0/],
    [['--rate', 'fast'], /--rate/],
    [['--duration', '0'], /--duration/],
    [['--data-coding', 'klingon'], /--data-coding/],
    [['--insecure'], /--insecure needs --tls/],
  ];
  for (const [args, message] of cases) {
    const run = await cli([...base, ...args]);
    assert.equal(run.code, 2, `${args.join(' ')}: wanted exit 2, had ${run.code} (${run.stderr})`);
    assert.match(run.stderr, message, `${args.join(' ')}: stderr`);
    assert.doesNotMatch(run.stderr, /ECONNREFUSED|bind_/, `${args.join(' ')}: refused before connecting`);
  }
  const missing = await cli(['loadtest', '--system-id', 'acme']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--password/);
  await assert.rejects(runLoadtest({ systemId: 'acme', password: 'pw', binds: 0 }), (err: unknown) => err instanceof UsageError && /--binds/.test(err.message));
});

test('runtime failures exit 1 with one line: a wrong password names the bind error; a closed port says so', async (t) => {
  const app = await smscd(t);
  const wrong = await cli(['loadtest', '--port', String(app.port), '--system-id', 'acme', '--password', 'wrong', '--binds', '2', '--count', '10']);
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /^smscd: loadtest: bind_transceiver \d to 127\.0\.0\.1:\d+ as acme rejected with command_status 0x0000000e \(ESME_RINVPASWD\)\n$/);
  assert.equal(wrong.stdout, '', 'no report: nothing was submitted');

  // A port that was free a moment ago: nobody listens there.
  const closed = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const refused = await cli(['loadtest', '--port', String(closed), '--system-id', 'acme', '--password', 'secret1', '--json']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^smscd: loadtest: bind_transceiver 1 to 127\.0\.0\.1:\d+ as acme failed: connect ECONNREFUSED .*\n$/);
});

/** Runs `smscd …args` on a pseudo-terminal (util-linux `script`), stdout and stderr together. */
function onTty(args: string[]): Promise<{ code: number; output: string }> {
  const command = [process.execPath, SMSCD, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-q', '-e', '-c', command, '/dev/null'], (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout.replace(/\r/g, '') });
    });
  });
}

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('on a terminal a progress bar is drawn on stderr; never with --json', { skip: hasScript ? false : 'util-linux script is not installed' }, async (t) => {
  const app = await smscd(t);
  const args = ['loadtest', '--port', String(app.port), '--system-id', 'acme', '--password', 'secret1', '--count', '300', '--rate', '500'];
  const table = await onTty(args);
  assert.equal(table.code, 0, table.output);
  assert.match(table.output, /[█░]+ \d+\/300 submitted \| \d+\/s \| window \d+ \| receipts \d+/, `wanted a progress bar in:\n${table.output}`);
  assert.match(table.output, /^submitted\s+300$/m);

  const json = await onTty([...args, '--json']);
  assert.equal(json.code, 0, json.output);
  assert.doesNotMatch(json.output, /[█░]/, 'no bar with --json');
  assert.equal((JSON.parse(json.output) as LoadtestReport).accepted, 300);
});
