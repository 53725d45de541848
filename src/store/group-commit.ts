/**
 * Group commit: writes that arrive within one turn of the event loop go into one transaction,
 * and each caller is told its result only after that transaction has committed. With
 * `synchronous=FULL` one fsync then covers hundreds of rows (DESIGN.md "Choices already made").
 *
 * Several committers (submits, SMPP receipt answers, forwarding outcomes) can share a CommitTurn:
 * then everything all of them queued in one turn commits in ONE transaction — one fsync per turn
 * instead of one per committer. Each committer's own transaction becomes a savepoint inside it,
 * so a committer whose write throws fails alone and the others still commit.
 */

import { BUSY_TIMEOUT_MS } from './open.js';

/** Called once a queued write has committed (or failed with the whole group). */
export type Done<R> = (err: Error | null, result?: R) => void;

/** A writer a CommitTurn drives: a group committer, the delivery scheduler. */
export interface TurnMember {
  /** Writes everything queued (inside the turn's transaction); returns what settles it after the commit. */
  writeQueued(): (commitError: Error | null) => void;
  /** Fails everything queued: the turn's transaction could not even begin. */
  failQueued(err: Error): void;
  /**
   * Everything it writes is an answer a client is waiting for (submits), and it has no work of
   * its own that a blocked event loop would hold up. A turn of only such members, in a quiet
   * spell, is flushed inside its commit (CommitTurn.flush).
   */
  readonly clientWaits?: boolean;
}

/**
 * How a CommitTurn makes its transaction durable when SQLite does not flush inside COMMIT
 * (WalSync: the flush runs off the event loop and the answers wait for it).
 */
export interface TurnDurability {
  /** Runs `fn` in one write transaction that SQLite commits without flushing the WAL. */
  transactionWithoutFlush(fn: () => void): void;
  /** Flushes what has been committed; `done` once it is on disk (after the running flush, if any). */
  flush(done: (err: Error | null) => void): void;
  /** A transaction may commit now (WalSync.canCommit: no reader waits for every flush to be done). */
  readonly canCommit: boolean;
  /** Runs `fn` once a transaction may commit (at once when one may). */
  whenCommitAllowed(fn: () => void): void;
  /** A flush is running: something committed is not on disk yet (WalSync.busy). */
  readonly flushing: boolean;
}

/**
 * How long (ms) since a turn last held a member other than a clientWaits one before a turn of
 * clientWaits members alone is flushed inside its commit.
 */
export const QUIET_MS = 1_000;

/** ms before a turn tries again to begin its transaction when another connection holds the write lock. */
export const BUSY_RETRY_MS = 1;

/**
 * The turn's transaction could not begin because another connection holds the write lock
 * (SQLITE_BUSY from BEGIN): nothing was written, and the turn tries again shortly.
 */
export function isBusy(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === 'SQLITE_BUSY';
}

/** One transaction per event-loop turn, shared by the committers that joined it. */
export class CommitTurn {
  private readonly members = new Set<TurnMember>();
  private scheduled = false;
  /** Waiting until a transaction may commit (a flush is queued behind the running one). */
  private waiting = false;
  /** When the turn's BEGIN first found the write lock taken, while it keeps trying (ms since epoch). */
  private busySince: number | null = null;
  /** When a turn last held a member that is not clientWaits (performance.now()). */
  private lastWorkAt = -Infinity;

  /**
   * @param transaction runs its function in one write transaction and commits (Store.transaction).
   * @param durability when given, the transaction commits without a flush and its committers are
   *   settled after `durability.flush` (see wal-sync.ts); without it the commit itself is durable.
   */
  constructor(
    private readonly transaction: (fn: () => void) => void,
    private readonly durability: TurnDurability | null = null,
    /** How long the turn keeps trying while the write lock is taken before it fails its members (as SQLite's busy_timeout did). */
    private readonly busyGiveUpMs: number = BUSY_TIMEOUT_MS,
  ) {}

  /** Nothing is waiting to be committed. */
  get idle(): boolean {
    return !this.scheduled;
  }

  /** Makes sure `member` is flushed in this turn's transaction. */
  schedule(member: TurnMember): void {
    this.members.add(member);
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: everything read from every
    // socket in this turn joins the same transaction.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    // Transactions commit while earlier ones are being flushed (wal-sync.ts), except while a reader
    // waits for everything committed to be on disk (whenSettled): then what is queued meanwhile
    // waits and goes into one transaction once the flushes are done, so that reader is not starved.
    if (this.durability && !this.durability.canCommit) {
      if (!this.waiting) {
        this.waiting = true;
        this.durability.whenCommitAllowed(() => {
          this.waiting = false;
          this.flush();
        });
      }
      return;
    }
    this.scheduled = false;
    if (this.members.size === 0) return;
    const members = [...this.members];
    this.members.clear();
    const settles: Array<(commitError: Error | null) => void> = [];
    let commitError: Error | null = null;
    let began = false;
    const flushInside = this.flushInside(members);
    try {
      (flushInside ? this.transaction : (fn: () => void) => this.durability!.transactionWithoutFlush(fn))(() => {
        began = true;
        for (const m of members) settles.push(m.writeQueued());
      });
    } catch (err) {
      const now = Date.now();
      if (!began && isBusy(err) && now - (this.busySince ??= now) < this.busyGiveUpMs) {
        // Another connection holds the write lock — the checkpoint thread's RESTART, a CLI
        // command. The transaction function does not wait for it (busy_timeout 0, see
        // Store.turnTransaction): SQLite's busy handler would sleep 1, 2, 5, 10 ms on the event
        // loop, stalling every session. Nothing was written; the members keep their queues and
        // the turn tries again after a timer, while the loop goes on reading and writing. Past
        // busyGiveUpMs it fails them with SQLITE_BUSY, as the busy handler's timeout did.
        for (const m of members) this.members.add(m);
        this.scheduled = true;
        setTimeout(() => this.flush(), BUSY_RETRY_MS);
        return;
      }
      commitError = err instanceof Error ? err : new Error(String(err));
    }
    this.busySince = null;
    const settle = (err: Error | null): void => {
      for (const s of settles) s(err);
      // Members the transaction never reached (BEGIN failed, e.g. the database is locked).
      for (const m of members.slice(settles.length)) m.failQueued(err ?? new Error('the transaction did not run'));
    };
    if (commitError || flushInside) settle(commitError);
    else this.durability!.flush(settle);
  }

  /**
   * The turn commits with SQLite's own flush inside COMMIT (or has no durability of its own to
   * wait for): always without `durability`; with it, when nothing but submits has been written
   * for QUIET_MS and no flush runs. Then the event loop has nothing else to do while the WAL is
   * flushed, and doing it there saves the two thread hand-offs of the flush off the loop (to the
   * thread pool and back), which a client keeping a window of submits outstanding waits for on
   * every round: bench:ingest 45,007 and 46,667 submit_sm/s against 32,895 and 33,220 (medians
   * of 5 rounds, alternated, 2-core VM). While deliveries, receipts or forwards are written, the
   * loop has their I/O to do during a flush, and the flush stays off it (bench:full-path 6,045
   * events/s against 4,782 with every flush inside the commit, medians of 5). No flush may be
   * running: the answers go out in commit order, and everything committed before is then on
   * disk or covered by this commit's flush (commits without one, writeWithoutWaiting's).
   */
  private flushInside(members: TurnMember[]): boolean {
    if (!this.durability) return true;
    const now = performance.now();
    if (!members.every((m) => m.clientWaits === true)) {
      this.lastWorkAt = now;
      return false;
    }
    return !this.durability.flushing && now - this.lastWorkAt >= QUIET_MS;
  }
}

/** Batches writes into one transaction per event-loop turn. */
export class GroupCommitter<T, R> implements TurnMember {
  private items: T[] = [];
  private callbacks: Array<Done<R>> = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param writeAll writes every item inside one transaction and returns one result per item;
   *   it must throw (and roll back) rather than commit part of the group.
   * @param maxRows most items per transaction (without a turn); more wait for the next one.
   * @param turn the shared turn to commit in; without one the committer flushes on its own.
   */
  constructor(
    private readonly writeAll: (items: T[]) => R[],
    private readonly maxRows: number,
    /** Told about a callback that threw; the other callbacks of the group still run. */
    private readonly onCallbackError: (err: unknown) => void = (err) => console.error(err),
    private readonly turn: CommitTurn | null = null,
    /** See TurnMember.clientWaits. */
    readonly clientWaits = false,
  ) {}

  /** Queues one write; `done` runs after the commit. */
  add(item: T, done: Done<R>): void {
    this.items.push(item);
    this.callbacks.push(done);
    if (this.turn) {
      this.turn.schedule(this);
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Items queued and not yet committed. */
  get pending(): number {
    return this.items.length;
  }

  /** Resolves once nothing is queued. */
  idle(): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** @internal Driven by the CommitTurn. */
  writeQueued(): (commitError: Error | null) => void {
    const groups: Array<{ callbacks: Array<Done<R>>; results: R[] | null; failure: Error | null }> = [];
    while (this.items.length > 0) {
      const items = this.items.splice(0, this.maxRows);
      const callbacks = this.callbacks.splice(0, items.length);
      const group = { callbacks, results: null as R[] | null, failure: null as Error | null };
      try {
        group.results = this.writeAll(items);
      } catch (err) {
        group.failure = err as Error;
      }
      groups.push(group);
    }
    return (commitError) => {
      for (const g of groups) this.settle(g.callbacks, commitError ?? g.failure, commitError ? null : g.results);
      this.wakeIdle();
    };
  }

  /** @internal Driven by the CommitTurn. */
  failQueued(err: Error): void {
    const callbacks = this.callbacks.splice(0);
    this.items = [];
    this.settle(callbacks, err, null);
    this.wakeIdle();
  }

  private flush(): void {
    this.scheduled = false;
    while (this.items.length > 0) {
      const items = this.items.splice(0, this.maxRows);
      const callbacks = this.callbacks.splice(0, items.length);
      let results: R[] | null = null;
      let failure: Error | null = null;
      try {
        results = this.writeAll(items);
      } catch (err) {
        failure = err as Error;
      }
      this.settle(callbacks, failure, results);
    }
    this.wakeIdle();
  }

  private settle(callbacks: Array<Done<R>>, failure: Error | null, results: R[] | null): void {
    for (let i = 0; i < callbacks.length; i++) {
      try {
        callbacks[i]!(failure, results?.[i]);
      } catch (err) {
        this.onCallbackError(err);
      }
    }
  }

  private wakeIdle(): void {
    if (this.items.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
