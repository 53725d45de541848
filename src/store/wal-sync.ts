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
 * One rule keeps the order of everything else simple: no group commit starts while a flush is
 * running. The commits that queue up meanwhile go into the next transaction (that is what group
 * commit is for), so whenever no flush runs, everything committed is on disk. Work that acts on
 * rows (the receipt pusher, the relay pump) reads only then, waiting with `whenSettled` for the
 * running flush and the answers it releases: nothing is sent on the strength of a row that power
 * loss could take back, and a receipt never precedes its submit_sm_resp. (Transactions that
 * commit with SQLite's own flush, like the forwarding worker's claim, flush everything before
 * them too.)
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

/** Called once the commit it was given for is on disk, or the flush failed. */
export type Synced = (err: Error | null) => void;

/** Flushes the WAL file of one database after group commits, off the event loop. */
export class WalSync {
  private fd: number | null = null;
  private running = false;
  private closing = false;
  private afterFlush: Array<() => void> = [];

  /** @param walPath the database's `-wal` file (it exists once the connection is in WAL mode). */
  constructor(private readonly walPath: string) {}

  /** A flush is running: a group commit must wait for it (see the file comment). */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Flushes what has been committed so far and calls `done` when it is on disk. Only one flush
   * runs at a time; the caller (CommitTurn) does not commit again before `done`.
   */
  flush(done: Synced): void {
    if (this.running) throw new Error('WalSync.flush while a flush is running');
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.running = true;
    fdatasync(fd, (err) => {
      this.running = false;
      // A failed flush may have dropped the written pages (Linux clears the error once
      // reported), so the commits it covered are answered with the error, never as stored.
      done(err);
      if (this.closing) this.closeFd();
      const waiters = this.afterFlush;
      this.afterFlush = [];
      for (const fn of waiters) fn();
    });
  }

  /** Runs `fn` now when no flush is running, else right after the running flush has released its answers. */
  whenSettled(fn: () => void): void {
    if (this.running) this.afterFlush.push(fn);
    else fn();
  }

  /** Closes the file (after the running flush, if any). */
  close(): void {
    this.closing = true;
    if (!this.running) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
