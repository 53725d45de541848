/**
 * SMPP fuzzer (SPEC §3 "nothing a client sends can stop the process"): thousands of hostile
 * connections — every command id with and without the response bit, random bytes, valid PDUs of
 * every kind, and those PDUs mutated (test/fuzz/pdu-mutations.ts) — with bounded concurrency,
 * while one well-behaved `smpp` client keeps submitting. Checks: no uncaught exception, no
 * handler bug (ESME_RSYSERR or an error log), every hostile connection answered or closed within
 * a few seconds, the good session never disturbed, every session gone afterwards and the heap
 * back near its level before the run.
 *
 * CI size by default; `npm run fuzz` runs 20,000 random cases. Replay with SMSCD_FUZZ_SEED.
 */
import assert from 'node:assert/strict';
import { scryptSync, randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { statusName } from '../../src/smpp/command-status.js';
import { startApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { bind, call, closeSession, submit, type Session } from '../helpers/smpp-client.js';
import { errorLogs, fuzzOverrides, fuzzRun, hexOf, mb, Rng, runPool, settledHeapUsed, watchProcess } from './fuzz-run.js';
import { bindBody, Cmd, pdu, probe, randomCase, sweepCases, type SmppCase } from './pdu-mutations.js';

const run = fuzzRun('SMPP', 1500);
console.log(run.banner);

/** Hostile connections open at a time. */
const CONCURRENCY = 64;
/** Each hostile connection must get data or be closed within this (bind/idle timeouts are 2 s). */
const ANSWER_DEADLINE_MS = 6000;
/** Most heap growth (after GC) from before the run to after it. */
const HEAP_BOUND_MB = 50;
const ESME_RSYSERR = 0x00000008;
const FUZZ = { systemId: 'fuzz', password: 'fuzzpw' };
/** Cases run before the heap baseline is taken (JIT, caches, pools warmed up). */
const WARMUP_CASES = 300;

/** A raw connection that counts what arrives and notes when it closes. */
class Conn {
  private data: Buffer[] = [];
  received = 0;
  closed = false;
  private waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data.push(chunk);
      this.received += chunk.length;
      this.wake();
    });
    socket.on('error', () => {
      /* resets are expected: the server closes on bad input */
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new Conn(socket));
      });
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves true once `check()` holds, false after `timeoutMs`. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(ok);
      };
      const waiter = (): void => {
        if (check()) done(true);
      };
      const timer = setTimeout(() => done(check()), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Whole PDUs received so far: [commandId, status, sequence]. */
  pdus(): Array<{ commandId: number; status: number; sequence: number }> {
    const all = Buffer.concat(this.data);
    const out: Array<{ commandId: number; status: number; sequence: number }> = [];
    let offset = 0;
    while (offset + 16 <= all.length) {
      const length = all.readUInt32BE(offset);
      if (length < 16 || offset + length > all.length) break;
      out.push({ commandId: all.readUInt32BE(offset + 4), status: all.readUInt32BE(offset + 8), sequence: all.readUInt32BE(offset + 12) });
      offset += length;
    }
    return out;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A scrypt hash with a low cost, in the stored format: the fuzzer binds thousands of times. */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

test(`SMPP fuzz: hostile connections are answered or closed, the good session and the process are unharmed (seed ${run.seed})`, { timeout: 15 * 60_000 }, async (ctx) => {
  const defer = cleanup(ctx);
  const watch = watchProcess();
  defer(() => watch.stop());
  const t = await startApp({ 'smpp.bindTimeoutSec': 2, 'smpp.idleTimeoutSec': 2, 'smpp.responseTimeoutSec': 2, 'receipts.retryDelaySec': 1, ...fuzzOverrides() });
  defer(() => t.stop());
  const maxPduBytes = t.config.smpp.maxPduBytes;
  t.addAccount('good', 'goodpw');
  t.addAccount(FUZZ.systemId, 'unused', { maxBinds: 100_000 });
  t.app.store.accounts.update(FUZZ.systemId, { passwordHash: cheapHash(FUZZ.password) });

  // ── the well-behaved session ──
  const good: Session = (await bind(t.port, 'good', 'goodpw')).session;
  let goodRunning = true;
  let goodOk = 0;
  const goodProblems: string[] = [];
  good.on('error', (err: Error) => goodProblems.push(`good session error: ${err.message}`));
  good.socket.on('close', () => {
    if (goodRunning) goodProblems.push('good session closed during the run');
  });
  const goodLoop = (async () => {
    let n = 0;
    while (goodRunning) {
      try {
        const resp = n++ % 20 === 19 ? await call(good, 'enquire_link') : await submit(good, { short_message: Buffer.from(`good ${n}`) });
        if (resp.command_status !== 0) goodProblems.push(`${resp.command}: ${statusName(resp.command_status)}`);
        else if (resp.command === 'submit_sm_resp') {
          if (typeof resp.message_id !== 'string' || resp.message_id === '') goodProblems.push('submit_sm_resp without message_id');
          else goodOk++;
        }
      } catch (err) {
        goodProblems.push((err as Error).message);
        return;
      }
    }
  })();

  // ── one hostile connection ──
  const problems: string[] = [];
  const stats = { cases: 0, answered: 0, closedSilently: 0, bound: 0, bindRefused: 0 };
  const runCase = async (c: SmppCase, index: number): Promise<void> => {
    let conn: Conn;
    try {
      conn = await Conn.open(t.port);
    } catch (err) {
      problems.push(`case ${index} (${c.name}): connect failed: ${(err as Error).message}`);
      return;
    }
    try {
      stats.cases++;
      if (c.bound) {
        conn.write(pdu(Cmd.bind_transceiver, 1, bindBody(FUZZ.systemId, FUZZ.password)));
        const answered = await conn.until(() => conn.closed || conn.pdus().some((p) => p.commandId === 0x80000009), ANSWER_DEADLINE_MS);
        const resp = conn.pdus().find((p) => p.commandId === 0x80000009);
        if (!answered || !resp) {
          problems.push(`case ${index} (${c.name}): no bind_transceiver_resp to a valid bind`);
          return;
        }
        if (resp.status === 0) stats.bound++;
        else stats.bindRefused++;
      }
      const before = conn.received;
      for (const chunk of c.chunks) {
        conn.write(chunk);
        if (c.chunks.length > 1) await new Promise((resolve) => setImmediate(resolve));
      }
      if (c.ending === 'probe') conn.write(probe());
      if (c.ending === 'half-close') conn.socket.end();
      const ok = await conn.until(() => conn.closed || conn.received > before, ANSWER_DEADLINE_MS);
      if (!ok) {
        problems.push(`case ${index} (${c.name}): neither answered nor closed within ${ANSWER_DEADLINE_MS} ms; sent ${hexOf(Buffer.concat(c.chunks))}`);
        return;
      }
      if (conn.received > before) stats.answered++;
      else stats.closedSilently++;
      // Whatever else follows right away (a nack before the close, the probe's answer).
      await conn.until(() => conn.closed, 20);
      const sysErr = conn.pdus().find((p) => p.status === ESME_RSYSERR);
      if (sysErr) problems.push(`case ${index} (${c.name}): answered ESME_RSYSERR (a handler bug) to 0x${sysErr.commandId.toString(16)}; sent ${hexOf(Buffer.concat(c.chunks))}`);
    } finally {
      conn.destroy();
    }
  };

  // The sweep first (every command id), then the random cases; each case has its own Rng.
  const master = new Rng(run.seed);
  const sweep = sweepCases(master.fork());
  const caseAt = (i: number): SmppCase => (i < sweep.length ? sweep[i]! : randomCase(new Rng(run.seed + i), FUZZ, maxPduBytes));
  const total = sweep.length + run.iterations;
  const started = Date.now();

  await runPool(Math.min(WARMUP_CASES, total), CONCURRENCY, Infinity, (i) => runCase(caseAt(i), i));
  const heapBefore = await settledHeapUsed();
  const ran = await runPool(total - WARMUP_CASES, CONCURRENCY, run.budgetMs, (i) => runCase(caseAt(i + WARMUP_CASES), i + WARMUP_CASES));
  const elapsed = Date.now() - started;

  goodRunning = false;
  await goodLoop;
  const errors = errorLogs(t.logs);
  await closeSession(good);
  await eventually(() => t.app.smpp.connections().length === 0, 10_000, 'every SMPP session closed after the run');
  assert.equal(t.app.smpp.binds.all().length, 0, 'no bind left registered');
  t.logs.length = 0;
  const heapAfter = await settledHeapUsed();

  console.log(
    `SMPP fuzz: ${stats.cases} connections (${sweep.length} sweep + ${WARMUP_CASES + ran - sweep.length} random of ${run.iterations}) in ${(elapsed / 1000).toFixed(1)} s; ` +
      `${stats.answered} answered, ${stats.closedSilently} closed without an answer; ${stats.bound} bound first (${stats.bindRefused} binds refused); ` +
      `good session: ${goodOk} submits OK; heap ${mb(heapBefore)} → ${mb(heapAfter)} MB`,
  );
  assert.deepEqual(watch.problems, [], 'no uncaught exception or unhandled rejection');
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} hostile case(s) went wrong (seed ${run.seed})`);
  assert.deepEqual(errors.slice(0, 20), [], `error logs (handler bugs) during the run (seed ${run.seed})`);
  assert.deepEqual(goodProblems, [], 'the good session saw no error');
  assert.ok(goodOk > 10, `the good session kept submitting (got ${goodOk} OK)`);
  assert.ok(heapAfter - heapBefore < HEAP_BOUND_MB * 1e6, `heap back near its level: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after`);
});
