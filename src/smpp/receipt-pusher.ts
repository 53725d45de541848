/**
 * Pushes owed SMPP receipts (smpp_receipts rows) to the receiver-capable binds of each account.
 *
 * - A row stays pending until the client answers deliver_sm_resp OK and that is committed, so a
 *   disconnect, a timeout or a crash never loses a receipt (at-least-once).
 * - Receipts of one message go out in order: a later one waits while an earlier one is in flight
 *   or waiting to be retried.
 * - Memory is bounded: at most `receipts.window` deliver_sm in flight per session, rows are read
 *   from the database only as far as there is room, and nothing is sent to a session whose socket
 *   is waiting for 'drain'.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { GroupCommitter } from '../store/group-commit.js';
import type { OwedReceipt } from '../store/smpp-receipts.js';
import type { Store } from '../store/store.js';
import type { BindRegistry } from './bind-registry.js';
import { Status, statusName } from './command-status.js';
import type { Pdu } from './pdu-codec.js';
import { encodeReceipt } from './receipt-pdu.js';
import { SlotTable } from './slot-table.js';
import type { SmppSession } from './session.js';

type Outcome = 'acked' | 'rejected' | 'attempted';

/** Rows read beyond the room left, so a few skipped rows do not cost another query. */
const READ_SLACK = 16;

interface InFlight {
  messageId: string;
  session: SmppSession;
}

/** Per-account bookkeeping. */
class AccountReceipts {
  /** By receipt id; a SlotTable, not a Map: one set and one delete per receipt (see slot-table.ts). */
  readonly inFlight = new SlotTable<InFlight>();
  /** Messages with a receipt in flight or waiting for a retry: their later receipts wait. */
  readonly busyMessages = new Map<string, number>();
  /** Receipts refused temporarily or unanswered: not before this time (ms). */
  readonly retryAt = new Map<number, number>();
  /** Every pending row up to here is in flight or settled; reset to rescan. */
  cursor = 0;
  /**
   * Pending rows may lie beyond the cursor that no pump has read. False once a scan read to the
   * end with every row sent or in flight: then a pump for room alone (an acknowledgement, a
   * drained socket) has nothing to read, and skips the query — which cost more than the sends
   * it found when it ran after every acknowledgement. New receipts, rescans and flushes set it.
   */
  unread = true;
  scheduled = false;
  /** A pump read up to a flush's mark and will look again after the running flush. */
  awaitingFlush = false;
  retryTimer: NodeJS.Timeout | null = null;
  roundRobin = 0;

  /** Reads from the oldest pending row again (something before the cursor may be sendable). */
  rescan(): void {
    this.cursor = 0;
    this.unread = true;
  }

  busy(messageId: string): void {
    this.busyMessages.set(messageId, (this.busyMessages.get(messageId) ?? 0) + 1);
  }

  idle(messageId: string): void {
    const n = (this.busyMessages.get(messageId) ?? 1) - 1;
    if (n <= 0) this.busyMessages.delete(messageId);
    else this.busyMessages.set(messageId, n);
  }
}

/** Sends receipts to bound clients. */
export class ReceiptPusher {
  private readonly accounts = new Map<number, AccountReceipts>();
  /** Messages whose submit_sm_resp is still to be written (a delayed-response test number). */
  private readonly held = new Set<string>();
  private readonly outcomes: GroupCommitter<{ id: number; outcome: Outcome }, undefined>;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The global forwarding switch: while it is off, no receipt is sent (SPEC §1). */
  private gate: () => boolean = () => true;

  constructor(
    private readonly store: Store,
    private readonly binds: BindRegistry<SmppSession>,
    private readonly config: Config['receipts'],
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.outcomes = new GroupCommitter(
      (items) =>
        store.transaction(() => {
          const now = Date.now();
          for (const { id, outcome } of items) {
            if (outcome === 'acked') store.receipts.acked(id, now);
            else if (outcome === 'rejected') store.receipts.rejected(id, now);
            else store.receipts.attempted(id);
          }
          return items.map(() => undefined);
        }),
      5000,
      (err) => log.error({ err }, 'receipt outcome callback failed'),
      store.turn,
    );
  }

  /** Starts the expiry sweep; receipts owed from before a restart go out as binds arrive. */
  start(): void {
    const sweep = (): void => {
      try {
        const expired = this.store.receipts.expire(Date.now());
        if (expired > 0) this.log.info({ expired }, 'owed receipts expired');
      } catch (err) {
        this.log.warn({ err }, 'receipt expiry sweep failed');
      }
    };
    sweep();
    this.expiryTimer = setInterval(sweep, 60_000);
    this.expiryTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    for (const state of this.accounts.values()) if (state.retryTimer) clearTimeout(state.retryTimer);
  }

  /** Resolves when every acknowledgement received has been committed. */
  idle(): Promise<void> {
    return this.outcomes.idle();
  }

  /** Sets the check that must pass before anything is sent (the global switch). */
  setGate(gate: () => boolean): void {
    this.gate = gate;
  }

  /** New receipts are owed to this account (committed and flushed): push soon. */
  owed(accountId: number): void {
    this.state(accountId).unread = true;
    this.poke(accountId);
  }

  /** Pushes for every account (the switch was turned on again). */
  pokeAll(): void {
    for (const session of this.binds.all()) if (session.accountId !== null) this.owed(session.accountId);
  }

  /** The account may have room again (or unread receipts, see owed): push soon. */
  poke(accountId: number): void {
    const state = this.state(accountId);
    if (state.scheduled || this.stopped) return;
    state.scheduled = true;
    setImmediate(() => {
      state.scheduled = false;
      if (!this.stopped) this.pump(accountId, state);
    });
  }

  /** A receiver or transceiver bound: its account's owed receipts can go out. */
  sessionBound(session: SmppSession): void {
    if (session.canReceive && session.accountId !== null) this.poke(session.accountId);
  }

  /** A session ended: its unanswered receipts go back to pending, for another bind or a later one. */
  sessionClosed(session: SmppSession): void {
    if (session.accountId === null) return;
    const state = this.accounts.get(session.accountId);
    if (!state) return;
    let released = 0;
    for (const [id, entry] of state.inFlight) {
      if (entry.session !== session) continue;
      state.inFlight.delete(id);
      state.idle(entry.messageId);
      released++;
    }
    if (released > 0) {
      state.rescan();
      this.poke(session.accountId);
    }
  }

  /** Holds receipts of a message until its submit_sm_resp has been written. */
  hold(messageId: string): void {
    this.held.add(messageId);
  }

  /** The submit_sm_resp of a held message is out: its receipts may follow. */
  release(messageId: string, accountId: number): void {
    if (!this.held.delete(messageId)) return;
    this.state(accountId).rescan();
    this.poke(accountId);
  }

  private state(accountId: number): AccountReceipts {
    let state = this.accounts.get(accountId);
    if (!state) this.accounts.set(accountId, (state = new AccountReceipts()));
    return state;
  }

  private pump(accountId: number, state: AccountReceipts): void {
    if (!this.gate() || !state.unread) return;
    const window = this.config.window;
    const sessions = [...this.binds.sessionsOf(accountId)].filter((s) => s.canReceive);
    const room = (s: SmppSession): number => (s.writeBlocked ? 0 : Math.max(0, window - s.requestsInFlight));
    let capacity = sessions.reduce((sum, s) => sum + room(s), 0);
    if (capacity === 0) return;

    const now = Date.now();
    // Only receipts on disk, committed with answers that have gone out (Store.receiptReadBound):
    // while a flush runs, later ones wait for it, and a pump after it — when there are later ones.
    const upTo = this.store.receiptReadBound();
    if (upTo < this.store.receipts.lastInserted && !state.awaitingFlush) {
      state.awaitingFlush = true;
      this.store.afterFlush(() => {
        state.awaitingFlush = false;
        this.owed(accountId);
      });
    }
    let advancing = true;
    const blocked = new Set<string>();
    let earliestRetry = Infinity;
    // Rows are read in chunks of about the room left, not the room plus every row that might be
    // skipped: under a backlog, reading `capacity + in flight` rows per pump (and joining each to
    // its event and message) cost more than sending. A chunk that ends with room left means rows
    // were skipped (in flight, blocked, waiting for a retry), so the scan goes on after it.
    let after = state.cursor;
    let readToEnd = false;
    scan: while (capacity > 0) {
      const limit = capacity + READ_SLACK;
      let rows: OwedReceipt[];
      try {
        rows = this.store.receipts.pendingAfter(accountId, after, upTo, now, limit);
      } catch (err) {
        this.log.error({ err, accountId }, 'reading owed receipts failed');
        break;
      }
      for (const row of rows) {
        after = row.id;
        if (state.inFlight.has(row.id)) {
          if (advancing) state.cursor = row.id;
          continue;
        }
        const retryAt = state.retryAt.get(row.id);
        const waiting = retryAt !== undefined && retryAt > now;
        if (waiting) earliestRetry = Math.min(earliestRetry, retryAt);
        if (waiting || blocked.has(row.messageId) || state.busyMessages.has(row.messageId) || this.held.has(row.messageId) || capacity === 0) {
          // Later receipts of this message must not overtake it.
          blocked.add(row.messageId);
          advancing = false;
          continue;
        }
        const session = this.pick(sessions, state, room);
        if (!session) break scan;
        state.retryAt.delete(row.id);
        this.send(accountId, state, session, row);
        capacity--;
        if (advancing) state.cursor = row.id;
      }
      if (rows.length < limit) {
        readToEnd = true;
        break;
      }
    }
    // Read to the end with nothing skipped: only a new receipt or a rescan gives more to read.
    // (Rows above a flush's mark were not read; the afterFlush above marks them unread.)
    if (readToEnd && state.cursor === after) state.unread = false;
    if (earliestRetry < Infinity) this.retryLater(accountId, state, earliestRetry - now);
  }

  /** Round-robin over the sessions that have room. */
  private pick(sessions: SmppSession[], state: AccountReceipts, room: (s: SmppSession) => number): SmppSession | null {
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[(state.roundRobin + i) % sessions.length]!;
      if (room(session) > 0) {
        state.roundRobin = (state.roundRobin + i + 1) % sessions.length;
        return session;
      }
    }
    return null;
  }

  private send(accountId: number, state: AccountReceipts, session: SmppSession, row: OwedReceipt): void {
    state.inFlight.set(row.id, { messageId: row.messageId, session });
    state.busy(row.messageId);
    session.request(
      (sequence) => encodeReceipt(row, sequence),
      (response: Pdu) => this.answered(accountId, state, row, session, response.status),
      () => {
        session.log.warn({ messageId: row.messageId, receiptId: row.id }, 'no deliver_sm_resp in time; receipt kept for a retry');
        this.metrics?.receiptsSent.inc({ result: 'timeout' });
        this.settleLater(accountId, state, row, session);
      },
    );
  }

  private answered(accountId: number, state: AccountReceipts, row: OwedReceipt, session: SmppSession, status: number): void {
    if (state.inFlight.get(row.id)?.session !== session) return; // released meanwhile
    if (status === Status.ESME_ROK) this.metrics?.receiptsAcked.inc();
    else this.metrics?.receiptsSent.inc({ result: 'refused' });
    if (status === Status.ESME_ROK || status === Status.ESME_RX_P_APPN) {
      if (status !== Status.ESME_ROK) session.log.warn({ messageId: row.messageId, status: statusName(status) }, 'client refused a receipt for good');
      // Keep it in flight until the outcome is committed, so no pump sends it again meanwhile.
      this.outcomes.add({ id: row.id, outcome: status === Status.ESME_ROK ? 'acked' : 'rejected' }, (err) => {
        state.inFlight.delete(row.id);
        state.idle(row.messageId);
        if (err) {
          this.log.error({ err, receiptId: row.id }, 'recording a receipt acknowledgement failed; it will be sent again');
          state.rescan();
        }
        this.poke(accountId);
      });
      return;
    }
    session.log.info({ messageId: row.messageId, status: statusName(status) }, 'client refused a receipt for now; retrying later');
    this.settleLater(accountId, state, row, session);
  }

  /** A receipt that was not taken: pending again after the retry delay (its message stays blocked). */
  private settleLater(accountId: number, state: AccountReceipts, row: OwedReceipt, session: SmppSession): void {
    if (state.inFlight.get(row.id)?.session !== session) return;
    state.inFlight.delete(row.id);
    state.idle(row.messageId);
    const delay = this.config.retryDelaySec * 1000;
    state.retryAt.set(row.id, Date.now() + delay);
    state.rescan();
    this.outcomes.add({ id: row.id, outcome: 'attempted' }, () => undefined);
    this.retryLater(accountId, state, delay);
    this.poke(accountId);
  }

  private retryLater(accountId: number, state: AccountReceipts, delayMs: number): void {
    if (state.retryTimer || this.stopped) return;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      state.rescan();
      this.poke(accountId);
    }, Math.max(10, delayMs));
    state.retryTimer.unref();
  }
}
