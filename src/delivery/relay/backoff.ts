/** Exponential backoff: the delay before retry number `attempt` (1 = the first retry). */

/**
 * `minMs · 2^(attempt−1)`, at most `maxMs`, then spread by ± `jitter` (a share, 0–1) using
 * `random` (0 ≤ random() < 1). Pure when `jitter` is 0.
 */
export function backoffMs(attempt: number, minMs: number, maxMs: number, jitter = 0, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 40);
  const base = Math.min(maxMs, minMs * 2 ** exp);
  if (jitter <= 0) return base;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}
