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
 * Commits are pipelined one deep: while the WAL is being flushed for transaction N, transaction
 * N+1 may commit (its pages go to the OS) and its flush starts as soon as N's is done; N+2 waits
 * for that. The disk then works while the event loop writes the next transaction, instead of the
 * two taking turns. Answers are released in commit order, each after its own flush. If a flush
 * fails, the transaction queued behind it fails too: its frames follow the lost ones in the WAL,
 * and recovery drops everything after the first bad frame.
 *
 * Whenever no flush runs, everything committed is on disk. Readers that act on rows and must not
 * act on a row power loss could take back (the relay pump) wait for that with `whenSettled`; while
 * one waits, nothing new commits, so it is not starved. The receipt pusher instead reads only
 * receipts up to a mark that advances as flushes finish (Store.receiptReadBound), so it never holds
 * up the pipeline. (Transactions that commit with SQLite's own flush, like the forwarding
 * worker's claim, flush everything before them too.)
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
  /** A committed transaction whose flush starts when the running one is done. */
  private queued: Synced | null = null;
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
   * A group commit may commit now: no flush runs, or one runs with none queued behind it and no
   * reader waiting for everything to be settled.
   */
  get canCommit(): boolean {
    return !this.running || (this.queued === null && this.settleWaiters.length === 0);
  }

  /**
   * Flushes what has been committed so far and calls `done` when it is on disk. Called while a
   * flush runs, it starts after that one (the caller checks canCommit before it commits).
   */
  flush(done: Synced): void {
    if (this.queued) throw new Error('WalSync.flush while a flush is already queued');
    if (this.running) this.queued = done;
    else this.start(done);
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

  private start(done: Synced): void {
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (err) {
      this.running = false;
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.running = true;
    this.sync(fd, (err) => this.finished(done, err));
  }

  private finished(done: Synced, err: Error | null): void {
    const next = this.queued;
    this.queued = null;
    // With a commit queued behind this flush, something committed is still not on disk: the
    // flush counts as running until that one's is done too.
    this.running = next !== null;
    // A failed flush may have dropped the written pages (Linux clears the error once
    // reported), so the commits it covered are answered with the error, never as stored.
    done(err);
    const afterFlush = this.flushWaiters;
    this.flushWaiters = [];
    for (const fn of afterFlush) fn();
    if (next && err) {
      this.running = false;
      next(err);
    } else if (next) {
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
