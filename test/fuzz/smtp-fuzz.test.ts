/**
 * E-mail interface fuzzer (SPEC §7): hostile SMTP sessions — malformed commands, bad MAIL FROM /
 * RCPT TO syntax and parameters, AUTH junk, huge and binary headers, broken MIME, binary junk,
 * pipelined garbage (test/fuzz/smtp-mutations.ts) — with bounded concurrency, while a
 * well-behaved nodemailer client keeps sending mail. Checks: every session greeted and closed
 * within seconds, every reply a well-formed SMTP reply, no handler bug (an error log, answered
 * 451 "internal error"), the good client's every mail accepted, no uncaught exception, the heap
 * back near its level.
 *
 * CI size by default; `npm run fuzz` runs 20,000 random cases. Replay with SMSCD_FUZZ_SEED.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { startApp, type TestApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { errorLogs, fuzzOverrides, fuzzRun, mb, Rng, runPool, settledHeapUsed, watchProcess } from './fuzz-run.js';
import { randomSmtpCase, type SmtpCase, type SmtpTarget } from './smtp-mutations.js';

const run = fuzzRun('SMTP', 1500);
console.log(run.banner);

const CONCURRENCY = 16;
/** A session must be closed by the server within this after its last write (QUIT or half-close). */
const CLOSE_DEADLINE_MS = 10_000;
const HEAP_BOUND_MB = 50;
const WARMUP_CASES = 100;
const DOMAIN = 'example.test';
const GOOD_SENDER = 'good@acme.example';
/** An SMTP reply line (RFC 5321 §4.2): three digits, then a space or a hyphen. */
const REPLY_LINE = /^[2-5][0-9]{2}([ -]|$)/;

/** Runs one hostile session; resolves with a problem, or null. */
function converse(t: TestApp, c: SmtpCase): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port: t.app.ports.smtp });
    let said = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (problem: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (problem) return resolve(problem);
      // smtp-server refuses a client that talks before the greeting with a 421: "You talk too
      // soon", or "Command line too long" when what it said early is an endless line (the length
      // check comes first; seed 1303771231, case 117).
      const greeted = said.startsWith('220 ') || said.startsWith('220-') || (c.early && /^421 .*(too soon|line too long)/.test(said));
      if (!greeted) return resolve(`no 220 greeting: ${JSON.stringify(said.slice(0, 200))}`);
      const bad = said
        .split('\r\n')
        .filter((l) => l !== '')
        .find((l) => !REPLY_LINE.test(l));
      if (bad !== undefined) return resolve(`not an SMTP reply line: ${JSON.stringify(bad.slice(0, 200))}`);
      if (/^451 .*internal error/m.test(said)) return resolve(`answered an internal error: ${JSON.stringify(said.slice(-300))}`);
      resolve(null);
    };
    const writeAll = async (): Promise<void> => {
      for (const chunk of c.chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (c.chunks.length > 1) await new Promise((r) => setImmediate(r));
      }
      if (c.halfClose && !socket.destroyed) socket.end();
      timer = setTimeout(() => finish(`not closed within ${CLOSE_DEADLINE_MS} ms after the last write; last said ${JSON.stringify(said.slice(-200))}`), CLOSE_DEADLINE_MS);
    };
    socket.on('connect', () => {
      if (c.early) void writeAll();
    });
    socket.once('data', () => {
      if (!c.early) void writeAll();
    });
    socket.on('data', (d: Buffer) => {
      said += d.toString('latin1');
    });
    socket.on('error', () => {
      /* a reset after the server's last reply is fine */
    });
    socket.on('close', () => finish(null));
  });
}

test(`SMTP fuzz: hostile sessions are answered with SMTP replies and closed, the good client's mail goes through (seed ${run.seed})`, { timeout: 15 * 60_000 }, async (ctx) => {
  const defer = cleanup(ctx);
  const watch = watchProcess();
  defer(() => watch.stop());
  const maxMessageBytes = 256 * 1024;
  // Messages stay pending for an hour: nothing is delivered, no receipt is mailed during the run.
  const t = await startApp({
    'email.domain': DOMAIN,
    'email.maxMessageBytes': maxMessageBytes,
    'email.allowInsecureAuth': true,
    'simulator.delayMs': [3_600_000, 3_600_000],
    'whatsapp.delayMs': [3_600_000, 3_600_000],
    ...fuzzOverrides(),
  });
  defer(() => t.stop());
  t.addAccount('good', 'goodpw', { email: GOOD_SENDER });
  t.addAccount('fuzz', 'fuzzpw', { email: 'fuzz@acme.example' });
  const target: SmtpTarget = { domain: DOMAIN, sender: 'fuzz@acme.example', systemId: 'fuzz', password: 'fuzzpw', maxMessageBytes };

  // ── the well-behaved client ──
  let goodRunning = true;
  let goodOk = 0;
  const goodProblems: string[] = [];
  const transport = createTransport({ host: '127.0.0.1', port: t.app.ports.smtp, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
  defer(() => transport.close());
  const goodLoop = (async () => {
    while (goodRunning) {
      try {
        const info = await transport.sendMail({ from: GOOD_SENDER, to: `436991234567@sms.${DOMAIN}`, subject: 'good', text: `good mail ${goodOk}` });
        if (info.accepted.length !== 1 || !/^250 /.test(info.response)) goodProblems.push(`good mail answered ${info.response}`);
        else goodOk++;
      } catch (err) {
        goodProblems.push(`good mail failed: ${(err as Error).message}`);
        return;
      }
    }
  })();

  const problems: string[] = [];
  let cases = 0;
  const runCase = async (c: SmtpCase, index: number): Promise<void> => {
    cases++;
    const problem = await converse(t, c);
    if (problem) problems.push(`case ${index} (${c.name.slice(0, 300)}): ${problem}`);
  };
  const caseAt = (i: number): SmtpCase => randomSmtpCase(new Rng(run.seed + i), target);
  const started = Date.now();
  const warmup = Math.min(WARMUP_CASES, run.iterations);
  await runPool(warmup, CONCURRENCY, Infinity, (i) => runCase(caseAt(i), i));
  const heapBefore = await settledHeapUsed();
  const ran = await runPool(run.iterations - warmup, CONCURRENCY, run.budgetMs, (i) => runCase(caseAt(i + warmup), i + warmup));
  const elapsed = Date.now() - started;
  goodRunning = false;
  await goodLoop;
  transport.close();
  const errors = errorLogs(t.logs);
  const stored = t.app.store.messages.count();
  t.logs.length = 0;
  const heapAfter = await settledHeapUsed();

  console.log(
    `SMTP fuzz: ${cases} sessions (${warmup + ran} of ${run.iterations}) in ${(elapsed / 1000).toFixed(1)} s; ${stored} messages stored in all; ` +
      `good client: ${goodOk} mails accepted; heap ${mb(heapBefore)} → ${mb(heapAfter)} MB`,
  );
  assert.deepEqual(watch.problems, [], 'no uncaught exception or unhandled rejection');
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} hostile session(s) went wrong (seed ${run.seed})`);
  assert.deepEqual(errors.slice(0, 20), [], `error logs (handler bugs) during the run (seed ${run.seed})`);
  assert.deepEqual(goodProblems, [], "the good client's mail was always accepted");
  assert.ok(goodOk > 5, `the good client kept sending (got ${goodOk} accepted)`);
  assert.ok(heapAfter - heapBefore < HEAP_BOUND_MB * 1e6, `heap back near its level: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after`);
});
