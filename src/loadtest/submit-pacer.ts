/**
 * The load test's rate: one token bucket shared by all binds. It holds at most 50 ms of tokens,
 * so the rate is smooth rather than a burst per second, and it says how long until the next token
 * so the caller can sleep on one timer instead of polling.
 */

/** How much of the rate may be sent at once after a pause, in ms of tokens. */
const BURST_MS = 50;

/** A token bucket of `rate` submits per second; a null rate never limits. */
export class SubmitPacer {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    /** Submits per second, or null for no limit. */
    private readonly rate: number | null,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = rate === null ? 0 : Math.max(1, (rate * BURST_MS) / 1000);
    // Start with one token, not a full bucket: the first submits are paced too.
    this.tokens = Math.min(1, this.capacity);
    this.last = now();
  }

  /** Takes one token; false when the rate does not allow a submit now. */
  take(): boolean {
    if (this.rate === null) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** ms until the next token (0 when one is there or there is no limit). */
  waitMs(): number {
    if (this.rate === null) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate!);
    this.last = now;
  }
}
