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
 * come (their pages go to the OS). Up to FLUSHES_AT_ONCE flushes run at once, each on its own
 * descriptor of the WAL file on its own thread-pool thread: a commit's flush starts as soon as it
 * is committed instead of after the running one, and a flush that the disk or the thread pool holds
 * up does not hold up the commits after it, because fdatasync covers every page of the file written
 * before it was called, whoever wrote it. So a flush that finishes releases its own commits and
 * every earlier one still waiting, in commit order, and an earlier flush finishing after it has
 * nothing left to release. (One flush at a time, the commits made meanwhile sharing the next one,
 * made a write wait for the rest of the running flush and then its own: p50/p90/p99 submit_sm_resp
 * at 5,000/s 1.31–1.88 / 3.85–4.96 / 12.5–18.4 ms against 0.99–1.67 / 2.80–3.62 / 10.1–11.9 with
 * three at once, 3 alternated runs of bench:latency each. Before that, one transaction could wait
 * for its flush and later ones waited to commit: up to three flush times, p99 21–32 ms.) When all
 * slots are busy, the commits made meanwhile share the next flush that starts. If a flush fails,
 * every commit not yet released fails with it: their frames may follow the lost ones in the WAL,
 * and recovery drops everything after the first bad frame. Each slot has its own descriptor so
 * that a write-back error reaches every flush that ran across it (Linux reports one to each open
 * file once), not only the first to ask.
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

/**
 * Most flushes running at once. Three of libuv's four pool threads: a fourth flush would mostly
 * wait behind the same disk, and DNS lookups and file reads of other parts keep a thread.
 */
export const FLUSHES_AT_ONCE = 3;

/** A flush started and not yet released: it covers its own commits and every earlier one. */
interface Flight {
  commits: Synced[];
}

/** Flushes the WAL file of one database after group commits, off the event loop. */
export class WalSync {
  /** One descriptor per slot, opened on first use. */
  private readonly fds: Array<number | null>;
  /** Slots whose flush is running (released or not). */
  private readonly slotBusy: boolean[];
  /** Flushes started whose commits are not released yet, oldest first. */
  private flights: Flight[] = [];
  /** Commits waiting for a free slot; they share the next flush. */
  private queued: Synced[] = [];
  private closing = false;
  /** Readers waiting until no flush runs (whenSettled). */
  private settleWaiters: Array<() => void> = [];
  /** Writers waiting until they may commit (whenCommitAllowed). */
  private commitWaiters: Array<() => void> = [];
  /** Told once the next flush is done (afterFlush). */
  private flushWaiters: Array<() => void> = [];

  /**
   * @param walPath the database's `-wal` file (it exists once the connection is in WAL mode).
   * @param sync flushes a file descriptor (tests finish it by hand to fix the order of events).
   * @param slots most flushes running at once.
   */
  constructor(
    private readonly walPath: string,
    private readonly sync: FlushFile = fdatasync,
    slots: number = FLUSHES_AT_ONCE,
  ) {
    this.fds = new Array<number | null>(slots).fill(null);
    this.slotBusy = new Array<boolean>(slots).fill(false);
  }

  /** Something committed is not known to be on disk yet (a flush runs or waits for a slot). */
  get busy(): boolean {
    return this.flights.length > 0 || this.queued.length > 0;
  }

  /**
   * A group commit may commit now: no reader waits for everything to be settled (whenSettled).
   */
  get canCommit(): boolean {
    return !this.busy || this.settleWaiters.length === 0;
  }

  /** Flushes what has been committed so far and calls `done` when it is on disk (or the flush failed). */
  flush(done: Synced): void {
    this.queued.push(done);
    this.startFlush();
  }

  /** Runs `fn` now when nothing committed waits for a flush, else once nothing does (commits wait meanwhile). */
  whenSettled(fn: () => void): void {
    if (this.busy) this.settleWaiters.push(fn);
    else fn();
  }

  /** Runs `fn` now when a group commit may commit (canCommit), else once one may. */
  whenCommitAllowed(fn: () => void): void {
    if (this.canCommit) fn();
    else this.commitWaiters.push(fn);
  }

  /** Runs `fn` after the next flush to finish has released its answers (at once when none runs); commits go on. */
  afterFlush(fn: () => void): void {
    if (this.busy) this.flushWaiters.push(fn);
    else fn();
  }

  /** Closes the files (after the running flushes, if any). */
  close(): void {
    this.closing = true;
    if (!this.slotBusy.includes(true)) this.closeFds();
  }

  /** Starts one flush for every queued commit, if a slot is free. */
  private startFlush(): void {
    if (this.queued.length === 0) return;
    const slot = this.slotBusy.indexOf(false);
    if (slot < 0) return; // the next slot to finish starts it
    const commits = this.queued;
    this.queued = [];
    let fd: number;
    try {
      fd = this.fds[slot] ??= openSync(this.walPath, 'r');
    } catch (err) {
      // Nothing was flushed; the commits before these are still covered by their own flushes.
      for (const done of commits) done(err instanceof Error ? err : new Error(String(err)));
      this.wakeWaiters();
      return;
    }
    const flight: Flight = { commits };
    this.flights.push(flight);
    this.slotBusy[slot] = true;
    this.sync(fd, (err) => {
      this.slotBusy[slot] = false;
      this.finished(flight, err);
    });
  }

  private finished(flight: Flight, err: Error | null): void {
    if (err) {
      // A failed flush may have dropped the written pages (Linux clears the error once reported),
      // so nothing not yet released is answered as stored: not its own commits, nor earlier ones
      // (their pages may be the lost ones), nor later ones (their frames follow the lost ones).
      const failed = [...this.flights.flatMap((f) => f.commits), ...this.queued];
      this.flights = [];
      this.queued = [];
      for (const done of failed) done(err);
    } else {
      // Released already when it was a later flush that finished first (index -1).
      const released = this.flights.splice(0, this.flights.indexOf(flight) + 1);
      for (const f of released) for (const done of f.commits) done(null);
    }
    const afterFlush = this.flushWaiters;
    this.flushWaiters = [];
    for (const fn of afterFlush) fn();
    this.startFlush();
    if (this.closing && !this.slotBusy.includes(true)) this.closeFds();
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (!this.busy) {
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

  private closeFds(): void {
    for (let i = 0; i < this.fds.length; i++) {
      const fd = this.fds[i];
      if (fd != null) closeSync(fd);
      this.fds[i] = null;
    }
  }
}
