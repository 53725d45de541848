/** The store: one SQLite connection and one repository per table. */
import type Database from 'better-sqlite3';
import { AccountRepository } from './accounts.js';
import { ConsoleSessionRepository } from './console-sessions.js';
import { CommitTurn, type TurnDurability } from './group-commit.js';
import { MessageRepository } from './messages.js';
import { BUSY_TIMEOUT_MS, openDatabase, type OpenOptions } from './open.js';
import { SessionRepository } from './sessions.js';
import { OutboxRepository } from './outbox.js';
import { RelayRepository } from './relay-messages.js';
import { RuleRepository } from './rules.js';
import { SettingsRepository } from './settings.js';
import { TargetRepository } from './targets.js';
import { SimulatedDeliveryRepository } from './simulated-deliveries.js';
import { TimerQueue } from './timer-queue.js';
import { SmppReceiptRepository } from './smpp-receipts.js';
import { StatusEventRepository } from './status-events.js';
import { WalSync, type FlushFile } from './wal-sync.js';

/** The database and its repositories. */
export class Store {
  readonly accounts: AccountRepository;
  readonly messages: MessageRepository;
  readonly sessions: SessionRepository;
  readonly settings: SettingsRepository;
  readonly events: StatusEventRepository;
  readonly receipts: SmppReceiptRepository;
  readonly simulated: SimulatedDeliveryRepository;
  readonly targets: TargetRepository;
  readonly rules: RuleRepository;
  readonly outbox: OutboxRepository;
  readonly relay: RelayRepository;
  readonly consoleSessions: ConsoleSessionRepository;
  /** The shared per-turn transaction of this connection's group committers. */
  readonly turn: CommitTurn;
  /** Flushes group commits off the event loop (`store.commitFlush` = async), else null. */
  readonly walSync: WalSync | null;
  /** Receipts up to this id were committed by a group commit whose flush is done (receiptReadBound). */
  private settledReceiptMark = 0;

  private constructor(
    readonly db: Database.Database,
    options: OpenOptions,
    sync: FlushFile | undefined,
  ) {
    this.runInTransaction = db.transaction((fn: () => unknown) => fn()).immediate;
    const synchronous = options.synchronous ?? 'FULL';
    // Only a flush SQLite would have done is moved (FULL, EXTRA); NORMAL and OFF do none to move.
    const moved = (synchronous === 'FULL' || synchronous === 'EXTRA') && options.path !== ':memory:' && (options.commitFlush ?? 'inline') === 'async';
    this.walSync = moved ? new WalSync(`${options.path}-wal`, sync) : null;
    const noWait = settingPragma(db, 'PRAGMA busy_timeout = 0');
    const wait = settingPragma(db, `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.turnTransaction = (fn) => {
      noWait();
      // Restored once: inside, right after BEGIN; in finally only when BEGIN itself failed (each
      // run of a setting PRAGMA recompiles it, a few µs per group commit).
      let restored = false;
      try {
        this.transaction(() => {
          wait();
          restored = true;
          fn();
        });
      } finally {
        if (!restored) wait();
      }
    };
    // Created after the busy_timeout pair, restoring last: the connection is left as configured.
    const flushOff = this.walSync ? settingPragma(db, 'PRAGMA synchronous = NORMAL') : null;
    const flushOn = this.walSync ? settingPragma(db, `PRAGMA synchronous = ${synchronous}`) : null;
    this.writeWithoutWaiting = <T>(fn: () => T): T => {
      noWait();
      flushOff?.();
      try {
        return fn();
      } finally {
        flushOn?.();
        wait();
      }
    };
    this.turn = new CommitTurn(this.turnTransaction, this.walSync && flushOff && flushOn ? this.turnDurability(this.walSync, flushOff, flushOn) : null);
    this.accounts = new AccountRepository(db);
    this.settings = new SettingsRepository(db);
    this.simulated = new SimulatedDeliveryRepository(db, new TimerQueue(), this.settings);
    this.messages = new MessageRepository(db, this.simulated);
    this.sessions = new SessionRepository(db);
    this.events = new StatusEventRepository(db);
    this.receipts = new SmppReceiptRepository(db);
    this.targets = new TargetRepository(db);
    this.rules = new RuleRepository(db);
    this.outbox = new OutboxRepository(db);
    this.relay = new RelayRepository(db);
    this.consoleSessions = new ConsoleSessionRepository(db);
  }

  /**
   * Opens and migrates the database.
   * @param sync how WalSync flushes the WAL (fdatasync; tests pass one they finish by hand).
   */
  static open(options: OpenOptions, sync?: FlushFile): Store {
    return new Store(openDatabase(options), options, sync);
  }

  /** Runs `fn` now, or once no group-commit flush is running and their answers are out (WalSync.whenSettled). */
  whenSettled(fn: () => void): void {
    if (this.walSync) this.walSync.whenSettled(fn);
    else fn();
  }

  /** Resolves once no group commit is waiting to commit or being flushed (before close). */
  async settled(): Promise<void> {
    for (;;) {
      // A turn scheduled with setImmediate commits first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.turn.idle && !this.walSync?.busy) return;
      await new Promise<void>((resolve) => this.whenSettled(resolve));
    }
  }

  /** Runs `fn` once the running group-commit flush has released its answers (at once when none runs). */
  afterFlush(fn: () => void): void {
    if (this.walSync) this.walSync.afterFlush(fn);
    else fn();
  }

  /**
   * The highest SMPP receipt id the pusher may read now: every receipt up to it is on disk and
   * the answers committed with it have gone out. With no flush running that is every receipt;
   * while one runs, it is the mark of the last group commit whose flush is done (WalSync).
   */
  receiptReadBound(): number {
    return this.walSync?.busy ? this.settledReceiptMark : Number.MAX_SAFE_INTEGER;
  }

  private turnDurability(walSync: WalSync, normal: () => void, restore: () => void): TurnDurability {
    const lastReceipt = this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM smpp_receipts');
    /** The highest receipt id of the transaction just committed, for its flush. */
    let committedMark = 0;
    return {
      transactionWithoutFlush: (fn) => {
        normal();
        try {
          this.turnTransaction(() => {
            fn();
            committedMark = lastReceipt.get()?.id ?? 0;
          });
        } finally {
          restore();
        }
      },
      flush: (done) => {
        const mark = committedMark;
        walSync.flush((err) => {
          done(err);
          // After the answers: a receipt may follow its submit_sm_resp, never precede it.
          if (!err) this.settledReceiptMark = Math.max(this.settledReceiptMark, mark);
        });
      },
      get canCommit() {
        return walSync.canCommit;
      },
      whenCommitAllowed: (fn) => walSync.whenCommitAllowed(fn),
      get flushing() {
        return walSync.busy;
      },
    };
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE), or in a savepoint when one is open.
   * One wrapper serves every call: better-sqlite3's `db.transaction(fn)` builds four wrapper
   * functions each time, a cost paid per group commit and per committer inside it.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.runInTransaction(fn) as T;
    } catch (err) {
      // Rolled back (the whole transaction, or this savepoint): ids SQLite handed out in it may come again.
      this.receipts.forgetRecent();
      this.simulated.forgetFresh();
      throw err;
    }
  }

  private readonly runInTransaction: (fn: () => unknown) => unknown;

  /**
   * The group commits' transaction: BEGIN does not wait when another connection holds the write
   * lock but fails with SQLITE_BUSY at once, and CommitTurn tries again on a timer. SQLite's busy
   * handler sleeps on the calling thread — here the event loop — 1, 2, 5 and 10 ms at a time, and
   * the checkpoint thread's RESTART holds the lock a few times a second under load: those sleeps
   * were the tail of submit_sm_resp latency. Statements inside the transaction wait as before.
   */
  private readonly turnTransaction: (fn: () => void) => void;

  /**
   * Runs `fn`, one write the event loop must not wait on, outside any transaction. It does not
   * wait for the write lock: when another connection holds it, it throws SQLITE_BUSY (isBusy) at
   * once, nothing written, and the caller tries again on a timer. And when group commits flush
   * off the event loop (WalSync) it commits without SQLite's fsync, which would run on the event
   * loop; the next group commit's flush covers it. Only for writes whose loss in a power cut
   * costs a repeat and nothing else: the forwarding worker's lease claim (a row not claimed is
   * claimed again; forwarding is at least once).
   */
  readonly writeWithoutWaiting: <T>(fn: () => T) => T;

  /**
   * A number that changes whenever another connection (the CLI) commits: polled by the server
   * to pick up changes without a restart.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    this.walSync?.close();
    if (this.db.open) this.db.close();
  }
}

/**
 * A prepared PRAGMA that changes a setting, as a function. SQLite applies such a PRAGMA while it
 * compiles the statement, and recompiles it before every run after the first — so the first run
 * of a freshly prepared one does nothing. Running it once here makes every later call apply it;
 * create the one that restores the setting last, so the connection is left as configured.
 */
function settingPragma(db: Database.Database, sql: string): () => void {
  const statement = db.prepare(sql);
  const apply = statement.reader ? (): void => void statement.get() : (): void => void statement.run();
  apply();
  return apply;
}
