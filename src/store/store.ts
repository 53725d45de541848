/** The store: one SQLite connection and one repository per table. */
import type Database from 'better-sqlite3';
import { AccountRepository } from './accounts.js';
import { ConsoleSessionRepository } from './console-sessions.js';
import { CommitTurn, type TurnDurability } from './group-commit.js';
import { MessageRepository } from './messages.js';
import { openDatabase, type OpenOptions } from './open.js';
import { SessionRepository } from './sessions.js';
import { OutboxRepository } from './outbox.js';
import { RelayRepository } from './relay-messages.js';
import { RuleRepository } from './rules.js';
import { SettingsRepository } from './settings.js';
import { TargetRepository } from './targets.js';
import { SimulatedDeliveryRepository } from './simulated-deliveries.js';
import { SmppReceiptRepository } from './smpp-receipts.js';
import { StatusEventRepository } from './status-events.js';
import { WalSync } from './wal-sync.js';

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

  private constructor(
    readonly db: Database.Database,
    options: OpenOptions,
  ) {
    const synchronous = options.synchronous ?? 'FULL';
    // Only a flush SQLite would have done is moved (FULL, EXTRA); NORMAL and OFF do none to move.
    const moved = (synchronous === 'FULL' || synchronous === 'EXTRA') && options.path !== ':memory:' && (options.commitFlush ?? 'inline') === 'async';
    this.walSync = moved ? new WalSync(`${options.path}-wal`) : null;
    this.turn = new CommitTurn((fn) => this.transaction(fn), this.walSync ? this.turnDurability(this.walSync, synchronous) : null);
    this.accounts = new AccountRepository(db);
    this.messages = new MessageRepository(db);
    this.sessions = new SessionRepository(db);
    this.settings = new SettingsRepository(db);
    this.events = new StatusEventRepository(db);
    this.receipts = new SmppReceiptRepository(db);
    this.simulated = new SimulatedDeliveryRepository(db);
    this.targets = new TargetRepository(db);
    this.rules = new RuleRepository(db);
    this.outbox = new OutboxRepository(db);
    this.relay = new RelayRepository(db);
    this.consoleSessions = new ConsoleSessionRepository(db);
  }

  /** Opens and migrates the database. */
  static open(options: OpenOptions): Store {
    return new Store(openDatabase(options), options);
  }

  /** Runs `fn` now, or once the running group-commit flush has released its answers (WalSync.whenSettled). */
  whenSettled(fn: () => void): void {
    if (this.walSync) this.walSync.whenSettled(fn);
    else fn();
  }

  private turnDurability(walSync: WalSync, synchronous: string): TurnDurability {
    const normal = this.db.prepare('PRAGMA synchronous = NORMAL');
    const restore = this.db.prepare(`PRAGMA synchronous = ${synchronous}`);
    return {
      transactionWithoutFlush: (fn) => {
        normal.run();
        try {
          this.transaction(fn);
        } finally {
          restore.run();
        }
      },
      flush: (done) => walSync.flush(done),
      get busy() {
        return walSync.busy;
      },
      whenSettled: (fn) => walSync.whenSettled(fn),
    };
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

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
