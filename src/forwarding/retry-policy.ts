/**
 * When to try a failed delivery again (SPEC §5): the configured schedule (default at once, 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with ± jitter, never earlier than the receiver's
 * Retry-After; after the last entry the delivery has failed for good.
 */

/**
 * The delay in ms before attempt `attempt + 1`, after attempt `attempt` (1-based) failed, or null
 * when the schedule is exhausted. `random` in [0, 1) draws the jitter.
 */
export function retryDelayMs(schedule: readonly number[], jitter: number, attempt: number, retryAfterMs: number | undefined, random: () => number): number | null {
  if (attempt >= schedule.length) return null;
  const base = schedule[attempt]! * 1000;
  const jittered = base * (1 + jitter * (2 * random() - 1));
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}
