/** The simulator's timers, kept in the database (columns of `messages`) so a restart resumes them. */
import type { Database, Statement } from 'better-sqlite3';
import { deliveryFacts, type Channel, type DeliveryFacts } from './messages.js';
import type { SettingsRepository } from './settings.js';
import { receiptParts, receiptPartsColumns, type ReceiptMessageParts, type ReceiptPartsRow } from './smpp-receipts.js';
import { IdRing } from './id-ring.js';
import type { TimerQueue } from './timer-queue.js';

/**
 * Timers written with their messages and due within this many ms are held in memory as the step
 * takeDue will hand out (FRESH_SLOTS of them, the newest), so the first step of a message comes
 * due without reading its row back: the by-id read was 7 % of the event loop in bench:receipts.
 * Timers due later are read back, as are the later steps of a message. Short, because a held step
 * that outlives two scavenges moves to the old generation: held for the default delays of 1–5 s,
 * at 8,000 submits/s the old generation swung by 60–80 MB between major collections (bench:memory
 * soak, RSS 229–314 MB against a steady 236).
 */
export const FRESH_HORIZON_MS = 500;
const FRESH_SLOTS = 16_384;

/** The next step of a message in simulated delivery. */
export interface PlannedDelivery {
  /** enroute (intermediate) or the final status. */
  nextStatus: string;
  finalStatus: string;
  errorCode: number;
  /** ms since epoch */
  dueAt: number;
  /** ms since epoch */
  finalDueAt: number;
  /** Intermediate steps after the next one and before the final one (the WhatsApp lifecycle). */
  remaining?: Array<[status: string, dueAt: number]>;
}

/** A due step with its message id. */
export interface DueDelivery extends PlannedDelivery {
  messageId: string;
  /** What recording the step needs to know about the message, read with the timer (one row, one read). */
  facts: DeliveryFacts;
  /** The message's side of an SMPP receipt, read in the same row (StatusRecorder.record). */
  receiptParts: ReceiptMessageParts;
}

/**
 * A row of the by-id query, as an array: better-sqlite3 builds an object row property by property,
 * which for these 22 columns cost 7 µs a row against 2.7 µs for the array (measured, 20,000 rows).
 */
type Row = [
  messageId: number,
  nextStatus: string,
  finalStatus: string,
  errorCode: number,
  dueAt: number,
  finalDueAt: number,
  remaining: string | null,
  accountId: number,
  channel: Channel,
  messageType: 'sms' | 'whatsapp',
  registeredDelivery: number,
  status: string,
  callbackTargetId: number | null,
  callbackStatuses: string | null,
  ...receiptParts: ReceiptPartsRow,
];

/** `sim_remaining`: the steps after the next one as JSON, or NULL when there are none. */
export function remainingColumn(remaining: PlannedDelivery['remaining']): string | null {
  return remaining?.length ? JSON.stringify(remaining) : null;
}

/** `settings` key: every message with a timer has an id at least this (see saveMark). */
export const TIMERS_FROM_KEY = 'simulator.timers_from';

/**
 * Reads and moves simulator timers. A timer is a set of `sim_*` columns of its message's row
 * (migration 8), written with the message (MessageRepository.insert): a delivery then rewrites
 * the one row its status change rewrites anyway, where a table of its own cost a row insert and
 * a delete at a random place per message, each a page written to the WAL.
 * `sim_due_at IS NULL` means no timer.
 *
 * The due order is kept in memory (TimerQueue; migration 9 dropped the index it replaces). The
 * queue is filled from the table on first use, from the rows at or after a mark saved now and
 * then (saveMark), so a restart reads only the recent part of `messages`; after that every write
 * of a timer here or in MessageRepository.insert queues it too. A queued entry whose timer has
 * since been removed or moved is skipped when it comes due.
 */
export class SimulatedDeliveryRepository {
  private readonly byIdStmt: Statement<[number, number], Row>;
  private readonly loadStmt: Statement<[number], [id: number, dueAt: number]>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly advanceStmt: Statement<[number, number]>;
  private readonly rescheduleStmt: Statement<[string, number, string | null, number]>;
  private readonly maxIdStmt: Statement<[], { id: number | null }>;
  private loaded = false;
  /**
   * First steps of timers written in this process, as inserted (see FRESH_HORIZON_MS). Every write
   * of a message's timer or status drops its entry (forget), and a rollback drops them all
   * (forgetFresh): an entry held is the row as it is.
   */
  private readonly fresh = new IdRing<DueDelivery>(FRESH_SLOTS);

  constructor(
    db: Database,
    private readonly queue: TimerQueue,
    private readonly settings: SettingsRepository,
  ) {
    this.rescheduleStmt = db.prepare('UPDATE messages SET sim_next_status = ?, sim_due_at = ?, sim_remaining = ? WHERE id = ? AND sim_due_at IS NOT NULL');
    this.byIdStmt = db
      .prepare<[number, number], Row>(`
        SELECT id, sim_next_status, sim_final_status, sim_error_code, sim_due_at, sim_final_due_at, sim_remaining,
               account_id, channel, message_type, registered_delivery, status, callback_target_id, callback_statuses,
               ${receiptPartsColumns('messages')}
        FROM messages WHERE id = ? AND sim_due_at = ?`)
      .raw(true);
    this.loadStmt = db.prepare<[number], [number, number]>('SELECT id, sim_due_at FROM messages WHERE id >= ? AND sim_due_at IS NOT NULL').raw(true);
    this.deleteStmt = db.prepare(`
      UPDATE messages SET sim_next_status = NULL, sim_final_status = NULL, sim_error_code = NULL, sim_due_at = NULL, sim_final_due_at = NULL, sim_remaining = NULL
      WHERE id = ? AND sim_due_at IS NOT NULL`);
    this.advanceStmt = db.prepare('UPDATE messages SET sim_next_status = sim_final_status, sim_due_at = sim_final_due_at WHERE id = ? AND sim_due_at <= ?');
    this.maxIdStmt = db.prepare('SELECT max(id) AS id FROM messages');
  }

  /**
   * Queues a timer just written with its message (MessageRepository.insert); `step`: the step as
   * takeDue would read it from the row, when the caller had it at hand.
   */
  track(messageId: number, dueAt: number, step?: DueDelivery): void {
    this.enqueue(dueAt, messageId);
    if (step) this.fresh.put(messageId, step);
  }

  /** The message's row changed (its status, or its timer): the step held for it is no longer the row. */
  forget(messageId: number): void {
    this.fresh.drop(messageId);
  }

  /** A transaction rolled back: steps held may describe rows that are gone, whose ids come again. */
  forgetFresh(): void {
    this.fresh.clear();
  }

  /**
   * Takes the steps due at `now` off the queue, earliest first. The caller records them and
   * moves or removes each timer in the same transaction; if that transaction does not commit,
   * it hands them back with putBack.
   */
  takeDue(now: number, limit: number): DueDelivery[] {
    this.load();
    const out: DueDelivery[] = [];
    const seen = new Set<number>();
    while (out.length < limit && (this.queue.peekDue() ?? Infinity) <= now) {
      const dueAt = this.queue.peekDue()!;
      const id = this.queue.pop();
      if (seen.has(id)) continue;
      const held = this.fresh.get(id);
      if (held) {
        // Taken: if its transaction rolls back, the rollback forgets every held step anyway.
        this.fresh.drop(id);
        if (held.dueAt === dueAt) {
          seen.add(id);
          out.push(held);
          continue;
        }
      }
      let row: Row | undefined;
      try {
        row = this.byIdStmt.get(id, dueAt);
      } catch (err) {
        // Nothing taken may be lost: the caller never sees these steps.
        this.queue.push(dueAt, id);
        this.putBack(out);
        throw err;
      }
      // No row, or its timer no longer due at this entry's time: the entry is stale (the timer was
      // removed, or moved with an entry of its own).
      if (!row) continue;
      seen.add(id);
      out.push(dueDelivery(row));
    }
    return out;
  }

  /** Queues again steps taken whose transaction did not commit (their timers are unchanged). */
  putBack(steps: ReadonlyArray<Pick<DueDelivery, 'messageId' | 'dueAt'>>): void {
    for (const s of steps) this.enqueue(s.dueAt, Number(s.messageId));
  }

  /** Moves on to the next intermediate step. */
  reschedule(messageId: string, status: string, dueAt: number, remaining: Array<[string, number]>): void {
    this.fresh.drop(Number(messageId));
    if (this.rescheduleStmt.run(status, dueAt, remainingColumn(remaining), Number(messageId)).changes > 0) this.enqueue(dueAt, Number(messageId));
  }

  /** Moves an intermediate step on to the final one, due at `finalDueAt`. */
  advance(messageId: string, now: number, finalDueAt: number): void {
    this.fresh.drop(Number(messageId));
    if (this.advanceStmt.run(Number(messageId), now).changes > 0) this.enqueue(finalDueAt, Number(messageId));
  }

  /** Removes a message's timer (done, or cancelled); true when there was one. Its queue entry goes stale. */
  remove(messageId: string): boolean {
    this.fresh.drop(Number(messageId));
    return this.deleteStmt.run(Number(messageId)).changes > 0;
  }

  /** The earliest due time, or null when nothing is pending (possibly a stale entry's: a run then finds nothing). */
  nextDue(): number | null {
    this.load();
    return this.queue.peekDue();
  }

  /**
   * Saves the restart mark: the lowest id with a queued timer, or past the last message when none
   * is. Call inside a write transaction. Stale entries only make it lower, never wrong: every
   * pending timer is queued, and a new one belongs to a newer message. `unsettled`: the lowest id
   * of steps taken whose transaction has not settled yet (they may come back).
   */
  saveMark(unsettled: number | null = null): void {
    this.load();
    const queued = this.queue.minId();
    const lowest = queued === null ? unsettled : Math.min(queued, unsettled ?? Infinity);
    const from = lowest ?? (this.maxIdStmt.get()?.id ?? 0) + 1;
    this.settings.set(TIMERS_FROM_KEY, String(from));
  }

  private enqueue(dueAt: number, messageId: number): void {
    // Before the first read of the queue the timer is in the table, where load() will find it
    // (queued now as well, it would come due twice).
    if (this.loaded) this.queue.push(dueAt, messageId);
  }

  /** Fills the queue from the table, once: the rows from the saved mark on (all of them without one). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const from = Number(this.settings.get(TIMERS_FROM_KEY) ?? 0);
    for (const [id, dueAt] of this.loadStmt.iterate(Number.isSafeInteger(from) ? from : 0)) this.queue.push(dueAt, id);
  }
}

/** A DueDelivery from a row of the by-id query. */
function dueDelivery(r: Row): DueDelivery {
  const [messageId, nextStatus, finalStatus, errorCode, dueAt, finalDueAt, remaining, accountId, channel, messageType, registeredDelivery, status, callbackTargetId, callbackStatuses, ...parts] = r;
  return {
    messageId: String(messageId),
    nextStatus,
    finalStatus,
    errorCode,
    dueAt,
    finalDueAt,
    remaining: remaining === null ? [] : (JSON.parse(remaining) as Array<[string, number]>),
    facts: deliveryFacts({ account_id: accountId, channel, message_type: messageType, registered_delivery: registeredDelivery, status, callback_target_id: callbackTargetId, callback_statuses: callbackStatuses }),
    receiptParts: receiptParts(parts),
  };
}
