/**
 * What every fuzzer shares: a seeded PRNG (so a run can be replayed), the run's seed and size from
 * the environment, a pool that runs cases with bounded concurrency, a GC-settled heap reading, and
 * a watch for uncaught exceptions.
 *
 *   SMSCD_FUZZ_SEED        replay a run (default: a fresh random seed, printed at the start)
 *   SMSCD_FUZZ_ITERATIONS  random cases per fuzzer (default: each fuzzer's CI size)
 *   SMSCD_FUZZ_SECONDS     stop starting new cases after this long (default: 25 in the CI size,
 *                          none when SMSCD_FUZZ_ITERATIONS is given)
 */
import { randomInt } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config/load.js';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same cases. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `list`. */
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }

  /** `n` random octets. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A new generator whose stream depends only on this one's next value (one per case, so cases replay alone). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}

/** The size and seed of one fuzz run. */
export interface FuzzRun {
  seed: number;
  iterations: number;
  /** ms after which no new case is started (Infinity: none). */
  budgetMs: number;
  /** The line printed at the start, with the replay command. */
  banner: string;
}

/** Reads the run's seed and size from the environment (see the file comment). */
export function fuzzRun(name: string, ciIterations: number): FuzzRun {
  const env = process.env;
  const seed = env.SMSCD_FUZZ_SEED ? Number(env.SMSCD_FUZZ_SEED) >>> 0 : randomInt(1, 2 ** 31);
  const iterations = env.SMSCD_FUZZ_ITERATIONS ? Number(env.SMSCD_FUZZ_ITERATIONS) : ciIterations;
  const seconds = env.SMSCD_FUZZ_SECONDS ? Number(env.SMSCD_FUZZ_SECONDS) : env.SMSCD_FUZZ_ITERATIONS ? Infinity : 25;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`SMSCD_FUZZ_ITERATIONS must be a whole number, got ${env.SMSCD_FUZZ_ITERATIONS}`);
  const budgetMs = seconds * 1000;
  const banner = `${name} fuzz: seed ${seed}, ${iterations} random cases${Number.isFinite(budgetMs) ? `, at most ${seconds} s` : ''} (replay: SMSCD_FUZZ_SEED=${seed} SMSCD_FUZZ_ITERATIONS=${iterations})`;
  return { seed, iterations, budgetMs, banner };
}

/**
 * Runs `work(i)` for i = 0 … count-1 with at most `concurrency` at a time; stops starting new
 * ones after `budgetMs`. Resolves with how many ran.
 */
export async function runPool(count: number, concurrency: number, budgetMs: number, work: (i: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}

let gcFn: (() => void) | null = null;

/** heapUsed after full garbage collections (V8's gc exposed at run time, as `node --expose-gc` would). */
export async function settledHeapUsed(): Promise<number> {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Records uncaught exceptions and unhandled rejections while a fuzzer runs. */
export function watchProcess(): { problems: string[]; stop(): void } {
  const problems: string[] = [];
  const onException = (err: unknown): void => {
    problems.push(`uncaught exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  };
  const onRejection = (reason: unknown): void => {
    problems.push(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    problems,
    stop() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** Log lines at error level or above (pino: 50), for "no handler failed" checks. */
export function errorLogs(logs: Array<Record<string, unknown>>): string[] {
  return logs
    .filter((l) => typeof l.level === 'number' && l.level >= 50)
    .map((l) => {
      const err = l.err as { message?: string; stack?: string } | undefined;
      return `${String(l.msg)}${err ? `: ${err.stack ?? err.message}` : ''}`;
    });
}

/** Hex of the first `max` octets, for failure messages. */
export function hexOf(bytes: Buffer, max = 96): string {
  return bytes.length <= max ? bytes.toString('hex') : `${bytes.subarray(0, max).toString('hex')}… (${bytes.length} octets)`;
}

/** MB with one decimal. */
export function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

/**
 * Config overrides every fuzzer starts smscd with: no test numbers (their forced errors are
 * answers by design, not defects) and, when this build has brute-force protection, no lockouts
 * or delays — every fuzz connection comes from 127.0.0.1, and a locked address would refuse the
 * well-behaved client too.
 */
export function fuzzOverrides(): Record<string, unknown> {
  const defaults = loadConfig({ env: {} }) as unknown as { security?: { bruteForce?: Record<string, unknown> } };
  const bruteForce = defaults.security?.bruteForce;
  return {
    'simulator.testNumbers': [],
    ...(bruteForce ? { 'security.bruteForce': { ...bruteForce, maxFailuresPerAddress: 0, maxFailuresPerSystemId: 0, delayMs: 0 } } : {}),
  };
}
