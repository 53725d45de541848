/**
 * The bound sessions of each account: enforces max binds, carries each account's rate limiter,
 * and (for receipts) finds the receiver-capable binds of an account.
 */
import type { Account } from '../store/accounts.js';
import { TokenBucket } from './rate-limiter.js';

/** The part of a session the registry needs. */
export interface BoundSession {
  readonly accountId: number | null;
  readonly remoteAddress: string;
  /** Ends the session because its account changed (removed, address no longer allowed). */
  kick(reason: string): void;
}

/** Bound sessions by account. */
export class BindRegistry<S extends BoundSession = BoundSession> {
  private readonly byAccount = new Map<number, Set<S>>();
  private readonly limiters = new Map<number, TokenBucket>();

  /** Adds a session if the account has a bind left; false when it is at max binds. */
  add(account: Account, session: S): boolean {
    let set = this.byAccount.get(account.id);
    if (!set) this.byAccount.set(account.id, (set = new Set()));
    if (set.size >= account.maxBinds) return false;
    set.add(session);
    const limiter = this.limiters.get(account.id);
    if (limiter) limiter.setRate(account.rate);
    else this.limiters.set(account.id, new TokenBucket(account.rate));
    return true;
  }

  remove(accountId: number, session: S): void {
    const set = this.byAccount.get(accountId);
    if (!set) return;
    set.delete(session);
    // The limiter stays: unbinding and binding again must not refill the bucket.
    if (set.size === 0) this.byAccount.delete(accountId);
  }

  sessionsOf(accountId: number): ReadonlySet<S> {
    return this.byAccount.get(accountId) ?? new Set();
  }

  all(): S[] {
    return [...this.byAccount.values()].flatMap((set) => [...set]);
  }

  /**
   * Takes `count` messages from the account's rate for a producer without a bind (the HTTP API):
   * SMPP and API share one rate per account. False = throttled (nothing taken).
   */
  takeTokensFor(account: Account, count: number): boolean {
    let limiter = this.limiters.get(account.id);
    if (!limiter) this.limiters.set(account.id, (limiter = new TokenBucket(account.rate)));
    return limiter.takeMany(count);
  }

  /** Takes one message from the account's rate; false = throttled. */
  takeToken(accountId: number): boolean {
    return this.limiters.get(accountId)?.take() ?? true;
  }

  /** Applies fresh account rows (after a CLI change): new rates; sessions of removed accounts end. */
  refresh(accounts: readonly Account[], isAllowed: (account: Account, remote: string) => boolean): void {
    const byId = new Map(accounts.map((a) => [a.id, a]));
    for (const [accountId, limiter] of this.limiters) {
      const account = byId.get(accountId);
      if (account) limiter.setRate(account.rate);
      else this.limiters.delete(accountId);
    }
    for (const [accountId, set] of this.byAccount) {
      const account = byId.get(accountId);
      if (!account) {
        for (const session of set) session.kick('account removed');
        continue;
      }
      for (const session of set) {
        if (!isAllowed(account, session.remoteAddress)) session.kick('source address no longer allowed');
      }
    }
  }
}
