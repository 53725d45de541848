/**
 * Per-account messages-per-second limit: a token bucket holding at most one second of the
 * account's rate, shared by all its sessions, so a burst after a quiet second is allowed but the
 * sustained rate is not exceeded.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** @param rate tokens per second; 0 = unlimited. */
  constructor(
    private rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate;
    this.last = now();
  }

  /** Changes the rate (an `account set --rate` while serving); keeps the tokens already earned. */
  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate);
  }

  /** Takes `n` tokens at once, or none; false when that would go over the rate. */
  takeMany(n: number): boolean {
    if (this.rate === 0) return true;
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes one token; false when the account is over its rate. */
  take(): boolean {
    if (this.rate === 0) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
