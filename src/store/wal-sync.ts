/**
 * Durability of group commits without blocking the event loop.
 *
 * With `synchronous=FULL` SQLite calls fsync on the WAL inside COMMIT, on the main thread: every
 * group commit stopped the whole process (reading PDUs, writing answers, delivering) for the
 * length of a disk flush. Here a group commit runs with `synchronous=NORMAL` — in WAL mode that
 * is the same write without the flush, durable against a crashed process but not yet against
 * power loss — and then `fdatasync` of the WAL file runs on libuv's thread pool. The committers'
 * answers (submit_sm_resp, the API's 2000, SMTP's 250) are released only when that flush is done,
 * so nothing is acknowledged that power loss could take back: the same promise as FULL, kept off
 * the event loop. Checkpoints are unaffected: with NORMAL, SQLite syncs the WAL before it copies
 * pages back and the database after.
 *
 * Commits are pipelined: while the WAL is being flushed, later transactions commit as their turns
 * come (their pages go to the OS), and ONE flush covers all of them as soon as the running one is
 * done. The disk then works while the event loop writes, instead of the two taking turns, and a
 * write waits for at most the rest of the running flush and one more. (Before, one transaction
 * could wait for its flush and later ones waited to commit: up to three flush times for a write
 * arriving then — p99 submit_sm_resp at 5,000/s 21–32 ms against 11–14 ms, alternated runs of
 * bench:latency; ingest unchanged within noise, the flushes per run the same.) Answers are
 * released in commit order, after the flush covering them. If a flush fails, the transactions
 * queued behind it fail too: their frames follow the lost ones in the WAL, and recovery drops
 * everything after the first bad frame.
 *
 * A turn of submits alone, in a quiet spell and with no flush running, skips all this and commits
 * with SQLite's own flush (CommitTurn.flushInside): the loop would only wait for it anyway.
 *
 * Whenever no flush runs, everything committed is on disk. Readers that act on rows and must not
 * act on a row power loss could take back (the relay pump) wait for that with `whenSettled`; while
 * one waits, nothing new commits, so it is not starved. The receipt pusher instead reads only
 * receipts up to a mark that advances as flushes finish (Store.receiptReadBound), so it never holds
 * up the pipeline. (Transactions that commit with SQLite's own flush, like console and CLI
 * writes, flush everything before them too; the forwarding worker's claim commits without one,
 * see Store.writeWithoutWaiting, and the next flush covers it.)
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

/** Called once the commit it was given for is on disk, or the flush failed. */
export type Synced = (err: Error | null) => void;

/** Flushes a file descriptor's data to disk (fs.fdatasync). */
export type FlushFile = (fd: number, done: (err: Error | null) => void) => void;

/** Flushes the WAL file of one database after group commits, off the event loop. */
export class WalSync {
  private fd: number | null = null;
  private running = false;
  /** Committed transactions whose one shared flush starts when the running one is done. */
  private queued: Synced[] = [];
  private closing = false;
  /** Readers waiting until no flush runs (whenSettled). */
  private settleWaiters: Array<() => void> = [];
  /** Writers waiting until they may commit (whenCommitAllowed). */
  private commitWaiters: Array<() => void> = [];
  /** Told once the running flush is done (afterFlush). */
  private flushWaiters: Array<() => void> = [];

  /**
   * @param walPath the database's `-wal` file (it exists once the connection is in WAL mode).
   * @param sync flushes a file descriptor (tests finish it by hand to fix the order of events).
   */
  constructor(
    private readonly walPath: string,
    private readonly sync: FlushFile = fdatasync,
  ) {}

  /** A flush is running: something committed may not be on disk yet. */
  get busy(): boolean {
    return this.running;
  }

  /**
   * A group commit may commit now: no reader waits for everything to be settled (whenSettled).
   */
  get canCommit(): boolean {
    return !this.running || this.settleWaiters.length === 0;
  }

  /**
   * Flushes what has been committed so far and calls `done` when it is on disk. Called while a
   * flush runs, it joins the one flush that starts after that one (the caller checks canCommit
   * before it commits).
   */
  flush(done: Synced): void {
    if (this.running) this.queued.push(done);
    else this.start([done]);
  }

  /** Runs `fn` now when no flush is running, else once none is (commits wait meanwhile). */
  whenSettled(fn: () => void): void {
    if (this.running) this.settleWaiters.push(fn);
    else fn();
  }

  /** Runs `fn` now when a group commit may commit (canCommit), else once one may. */
  whenCommitAllowed(fn: () => void): void {
    if (this.canCommit) fn();
    else this.commitWaiters.push(fn);
  }

  /** Runs `fn` after the running flush has released its answers (at once when none runs); commits go on. */
  afterFlush(fn: () => void): void {
    if (this.running) this.flushWaiters.push(fn);
    else fn();
  }

  /** Closes the file (after the running flush, if any). */
  close(): void {
    this.closing = true;
    if (!this.running) this.closeFd();
  }

  private start(batch: Synced[]): void {
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (err) {
      this.running = false;
      for (const done of batch) done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.running = true;
    this.sync(fd, (err) => this.finished(batch, err));
  }

  private finished(batch: Synced[], err: Error | null): void {
    const next = this.queued;
    this.queued = [];
    // With commits queued behind this flush, something committed is still not on disk: the
    // flush counts as running until theirs is done too.
    this.running = next.length > 0;
    // A failed flush may have dropped the written pages (Linux clears the error once
    // reported), so the commits it covered are answered with the error, never as stored.
    for (const done of batch) done(err);
    const afterFlush = this.flushWaiters;
    this.flushWaiters = [];
    for (const fn of afterFlush) fn();
    if (next.length > 0 && err) {
      this.running = false;
      for (const done of next) done(err);
    } else if (next.length > 0) {
      this.start(next);
    }
    if (this.closing && !this.running) this.closeFd();
    if (!this.running) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const fn of waiters) fn();
    }
    if (this.canCommit) {
      const waiters = this.commitWaiters;
      this.commitWaiters = [];
      for (const fn of waiters) fn();
    }
  }

  private closeFd(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
