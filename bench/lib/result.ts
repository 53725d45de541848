// One machine-readable line per headline figure, so `npm run bench` (bench/all.ts) can gather the
// figures of every benchmark into one table. Each benchmark still prints its own detail.

/** A headline figure of a benchmark. */
export interface BenchResult {
  /** e.g. `ingest`, `forward http` */
  bench: string;
  /** What was measured, e.g. `smscd/bare msg/s`. */
  figure: string;
  value: number;
  /** `ratio`, `msg/s`, `ms`, `MB`, … */
  unit: string;
  /** The goal as text, e.g. `>= 0.70`. */
  goal: string;
  met: boolean;
}

/** The prefix of a result line on stdout. */
export const RESULT_PREFIX = 'RESULT ';

/** Prints `result` as a RESULT line. */
export function reportResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}
