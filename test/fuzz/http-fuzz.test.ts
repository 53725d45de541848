/**
 * HTTP API fuzzer (SPEC §6): malformed JSON, bodies over `http.bodyLimit`, a wrong type in every
 * field, wrong content types, bad credentials, odd queries and routes (with fetch), and garbage
 * request lines, headers and framing over raw TCP (test/fuzz/http-mutations.ts), with bounded
 * concurrency, while a well-behaved client keeps sending. Checks: never a 5xx, every 4xx a JSON
 * error, every request answered (or, for raw input, the connection closed) within seconds, the
 * good client always answered 200/2000, no uncaught exception, the heap back near its level.
 *
 * CI size by default; `npm run fuzz` runs 20,000 random cases. Replay with SMSCD_FUZZ_SEED.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { test } from 'node:test';
import { CONNECTION_IDLE_MS, REQUEST_TIMEOUT_MS } from '../../src/api/server.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { addApiAccount } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { errorLogs, fuzzOverrides, fuzzRun, hexOf, mb, Rng, runPool, settledHeapUsed, watchProcess } from './fuzz-run.js';
import { randomHttpCase, validSmsBody, type FetchCase, type HttpCase, type RawCase } from './http-mutations.js';

const run = fuzzRun('HTTP', 3000);
console.log(run.banner);

const CONCURRENCY = 16;
/** A request must be answered (or a raw connection closed) within this. */
const ANSWER_DEADLINE_MS = 8000;
const HEAP_BOUND_MB = 50;
const WARMUP_CASES = 200;

/** One HTTP answer as seen on the wire. */
interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** What is wrong with an answer to `c`, or null. */
function judge(c: HttpCase, a: Answer): string | null {
  if (a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 200)}`;
  if (a.status >= 400) {
    if (c.kind === 'raw' && c.bareRefusal && a.status < 500 && a.text === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.text);
    } catch {
      return `answered ${a.status} without a JSON body (content-type ${JSON.stringify(a.contentType)}): ${JSON.stringify(a.text.slice(0, 200))}`;
    }
    if (typeof parsed !== 'object' || parsed === null) return `answered ${a.status} with JSON that is not an object: ${a.text.slice(0, 200)}`;
    if (!/json/i.test(a.contentType)) return `answered ${a.status} with content-type ${JSON.stringify(a.contentType)}`;
    return null;
  }
  if (a.status < 200) return `answered ${a.status}`;
  if (c.expect === 'refused') return `accepted (${a.status}) input that must be refused: ${a.text.slice(0, 200)}`;
  return null;
}

/** Sends a fetch case; the answers, or a problem. */
async function sendFetch(t: TestApp, c: FetchCase): Promise<{ answers: Answer[]; problem: string | null }> {
  try {
    const res = await fetch(`http://127.0.0.1:${t.app.ports.http}${c.path}`, {
      method: c.method,
      headers: c.headers,
      ...(c.body ? { body: c.body } : {}),
      signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
    });
    const text = await res.text();
    return { answers: [{ status: res.status, contentType: res.headers.get('content-type') ?? '', text }], problem: null };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { answers: [], problem: `no answer within ${ANSWER_DEADLINE_MS} ms` };
    if (c.mayReset) return { answers: [], problem: null };
    return { answers: [], problem: `request failed: ${e.message} (${e.cause?.code ?? e.cause?.message ?? ''})` };
  }
}

/** Splits raw response octets into answers (1xx interim answers dropped). */
function parseAnswers(bytes: Buffer): { answers: Answer[]; rest: number } {
  const answers: Answer[] = [];
  let offset = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', offset);
    if (end < 0) break;
    const head = bytes.toString('latin1', offset, end);
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!match) break;
    const headers = new Map(
      head
        .split('\r\n')
        .slice(1)
        .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]),
    );
    let bodyStart = end + 4;
    let text = '';
    if (headers.get('transfer-encoding')?.includes('chunked')) {
      let p = bodyStart;
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', p);
        if (lineEnd < 0) return { answers, rest: bytes.length - offset };
        const size = parseInt(bytes.toString('latin1', p, lineEnd), 16);
        if (!Number.isFinite(size)) return { answers, rest: bytes.length - offset };
        if (size === 0) {
          bodyStart = lineEnd + 4;
          break;
        }
        text += bytes.toString('utf8', lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
      }
      offset = bodyStart;
    } else {
      const length = Number(headers.get('content-length') ?? 0);
      if (bodyStart + length > bytes.length) break;
      text = bytes.toString('utf8', bodyStart, bodyStart + length);
      offset = bodyStart + length;
    }
    const status = Number(match[1]);
    if (status >= 200) answers.push({ status, contentType: headers.get('content-type') ?? '', text });
  }
  return { answers, rest: bytes.length - offset };
}

/** Writes a raw case, half-closes, and reads until the server closes. */
function sendRaw(t: TestApp, c: RawCase): Promise<{ answers: Answer[]; problem: string | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = netConnect({ host: '127.0.0.1', port: t.app.ports.http }, () => {
      socket.write(c.bytes);
      socket.end();
    });
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      const { answers, rest } = parseAnswers(bytes);
      if (!closed) return resolve({ answers, problem: `connection neither closed nor answered within ${ANSWER_DEADLINE_MS} ms (${bytes.length} octets received)` });
      if (rest > 0 && answers.length === 0) return resolve({ answers, problem: `answer is not HTTP: ${JSON.stringify(bytes.toString('latin1', 0, 200))}` });
      if (c.mustAnswer && answers.length === 0) return resolve({ answers, problem: 'closed without any answer' });
      resolve({ answers, problem: null });
    };
    const timer = setTimeout(() => finish(false), ANSWER_DEADLINE_MS);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {
      /* a reset after the answer is fine; judged by what arrived */
    });
    socket.on('close', () => finish(true));
  });
}

test(`HTTP fuzz: every hostile request gets a 4xx JSON error or a close, never a 5xx or a hang (seed ${run.seed})`, { timeout: 15 * 60_000 }, async (ctx) => {
  const defer = cleanup(ctx);
  const watch = watchProcess();
  defer(() => watch.stop());
  // Messages stay pending for an hour: nothing is delivered or forwarded during the run.
  const t = await startApp({ 'simulator.delayMs': [3_600_000, 3_600_000], 'whatsapp.delayMs': [3_600_000, 3_600_000], ...fuzzOverrides() });
  defer(() => t.stop());
  const bodyLimit = t.config.http.bodyLimit;
  const good = addApiAccount(t, 'good');
  const fuzz = addApiAccount(t, 'fuzz', 'fuzz-secret');
  const auth = { bearer: fuzz.bearer, basic: fuzz.basic };

  // ── the well-behaved client ──
  let goodRunning = true;
  let goodOk = 0;
  const goodProblems: string[] = [];
  const goodLoop = (async () => {
    while (goodRunning) {
      try {
        const res = await fetch(`http://127.0.0.1:${t.app.ports.http}/rest/smsmessaging/text`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: good.bearer },
          body: JSON.stringify({ ...validSmsBody(true), notificationCallbackUrl: undefined, clientMessageId: `good-${goodOk}` }),
          signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
        });
        const body = (await res.json()) as { statusCode?: number };
        if (res.status !== 200 || body.statusCode !== 2000) goodProblems.push(`good request answered ${res.status} ${JSON.stringify(body)}`);
        else goodOk++;
      } catch (err) {
        goodProblems.push(`good request failed: ${(err as Error).message}`);
        return;
      }
    }
  })();

  const problems: string[] = [];
  const stats = { cases: 0, raw: 0, answers: new Map<number, number>(), closedSilently: 0 };
  const runCase = async (c: HttpCase, index: number): Promise<void> => {
    stats.cases++;
    const { answers, problem } = c.kind === 'fetch' ? await sendFetch(t, c) : await sendRaw(t, c);
    if (c.kind === 'raw') stats.raw++;
    if (answers.length === 0) stats.closedSilently++;
    const what = (): string => `case ${index} (${c.name})${c.kind === 'raw' ? `; sent ${hexOf(c.bytes)}` : ''}`;
    if (problem) problems.push(`${what()}: ${problem}`);
    for (const a of answers) {
      stats.answers.set(a.status, (stats.answers.get(a.status) ?? 0) + 1);
      // Only the last answer of a pipelined raw case is about the garbage.
      const verdict = judge(a === answers[answers.length - 1] ? c : { ...c, expect: 'any' }, a);
      if (verdict) problems.push(`${what()}: ${verdict}`);
    }
  };

  const caseAt = (i: number): HttpCase => randomHttpCase(new Rng(run.seed + i), auth, bodyLimit);
  const started = Date.now();
  const warmup = Math.min(WARMUP_CASES, run.iterations);
  await runPool(warmup, CONCURRENCY, Infinity, (i) => runCase(caseAt(i), i));
  const heapBefore = await settledHeapUsed();
  const ran = await runPool(run.iterations - warmup, CONCURRENCY, run.budgetMs, (i) => runCase(caseAt(i + warmup), i + warmup));
  const elapsed = Date.now() - started;
  goodRunning = false;
  await goodLoop;
  const errors = errorLogs(t.logs);
  t.logs.length = 0;
  const heapAfter = await settledHeapUsed();

  const byStatus = [...stats.answers].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(
    `HTTP fuzz: ${stats.cases} cases (${warmup + ran} of ${run.iterations}; ${stats.raw} raw TCP) in ${(elapsed / 1000).toFixed(1)} s; answers ${byStatus}; ` +
      `${stats.closedSilently} without an answer; good client: ${goodOk} sends OK; heap ${mb(heapBefore)} → ${mb(heapAfter)} MB`,
  );
  assert.deepEqual(watch.problems, [], 'no uncaught exception or unhandled rejection');
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} hostile case(s) went wrong (seed ${run.seed})`);
  assert.deepEqual(errors.slice(0, 20), [], `error logs during the run (seed ${run.seed})`);
  assert.deepEqual(goodProblems, [], 'the good client was always answered 200');
  assert.ok(goodOk > 10, `the good client kept sending (got ${goodOk} OK)`);
  assert.ok(heapAfter - heapBefore < HEAP_BOUND_MB * 1e6, `heap back near its level: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after`);
});

test('a connection that stays silent, or stalls mid-request, has a server-side timeout (found by the fuzzer: fastify defaults to none)', async (ctx) => {
  const defer = cleanup(ctx);
  const t = await startApp();
  defer(() => t.stop());
  // Waiting out 60 s is too slow for CI; the behaviour (closed after CONNECTION_IDLE_MS) was
  // checked by hand with a raw socket that sent nothing, half the headers or half a body.
  const server = t.app.api.server;
  assert.equal(server.timeout, CONNECTION_IDLE_MS, 'socket idle timeout');
  assert.equal(server.requestTimeout, REQUEST_TIMEOUT_MS, 'whole-request timeout');
  assert.ok(server.headersTimeout > 0 && server.headersTimeout <= REQUEST_TIMEOUT_MS, `headers timeout ${server.headersTimeout}`);
});
