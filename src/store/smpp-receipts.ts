/**
 * Repository for `smpp_receipts`: receipts owed to an account over SMPP. A row stays `pending`
 * until the client acknowledges the deliver_sm, so a crash or a disconnect loses none.
 */
import type { Database, Statement } from 'better-sqlite3';
import { IdRing } from './id-ring.js';

/**
 * Receipts held in memory from recording to acknowledgement at tens of thousands a second. Reading
 * an owed receipt joins three tables — the receipt, its status event and its message, a row at a
 * random place of the file — and was the largest single cost of pushing receipts (≈ 10 % of the
 * event loop in bench:receipts). What a receipt says never changes once stored.
 */
const RECENT_RECEIPTS = 16_384;

/** Everything needed to build one receipt PDU, read in one join. */
export interface OwedReceipt {
  id: number;
  messageId: string;
  eventId: number;
  status: string;
  errorCode: number;
  occurredAt: number;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destAddr: string;
  destTon: number;
  destNpi: number;
  submittedAt: number;
  text: string | null;
}

/** The message's side of a receipt: fixed once the message is stored. */
export type ReceiptMessageParts = Pick<OwedReceipt, 'sourceAddr' | 'sourceTon' | 'sourceNpi' | 'destAddr' | 'destTon' | 'destNpi' | 'submittedAt' | 'text'>;

/**
 * A receipt from its event's side and its message's parts. Written out field by field: an object
 * spread (`{ ...head, ...parts }`) cost ~2 µs on Node 20, per receipt on the hot path.
 */
export function owedReceipt(id: number, messageId: string, eventId: number, status: string, errorCode: number, occurredAt: number, p: ReceiptMessageParts): OwedReceipt {
  return {
    id,
    messageId,
    eventId,
    status,
    errorCode,
    occurredAt,
    sourceAddr: p.sourceAddr,
    sourceTon: p.sourceTon,
    sourceNpi: p.sourceNpi,
    destAddr: p.destAddr,
    destTon: p.destTon,
    destNpi: p.destNpi,
    submittedAt: p.submittedAt,
    text: p.text,
  };
}

/** The columns of `messages` that ReceiptMessageParts come from, in the order of ReceiptPartsRow. */
export function receiptPartsColumns(table: string): string {
  return ['source_addr', 'source_ton', 'source_npi', 'dest_addr', 'dest_ton', 'dest_npi', 'submitted_at', 'text'].map((c) => `${table}.${c}`).join(', ');
}

/** Those columns as read into a row array (the tail of the arrays that queries read them in). */
export type ReceiptPartsRow = [sourceAddr: string, sourceTon: number, sourceNpi: number, destAddr: string, destTon: number, destNpi: number, submittedAt: number, text: string | null];

/** ReceiptMessageParts from its columns. */
export function receiptParts([sourceAddr, sourceTon, sourceNpi, destAddr, destTon, destNpi, submittedAt, text]: ReceiptPartsRow): ReceiptMessageParts {
  return { sourceAddr, sourceTon, sourceNpi, destAddr, destTon, destNpi, submittedAt, text };
}

/** A receipt row for display. */
export interface ReceiptRow {
  id: number;
  eventId: number;
  state: string;
  attempts: number;
  expiresAt: number;
  doneAt: number | null;
}

/** A row of the full read of owed receipts, as an array (cheaper than an object row: see simulated-deliveries.ts). */
type OwedRow = [
  id: number,
  messageId: number,
  eventId: number,
  status: string,
  errorCode: number,
  occurredAt: number,
  ...parts: ReceiptPartsRow,
];

/** Reads and writes owed SMPP receipts. */
export class SmppReceiptRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly pendingStmt: Statement<[number, number, number, number, number], OwedRow>;
  private readonly pendingIdsStmt: Statement<[number, number, number, number, number], [number, number]>;
  /** Receipts recorded by this process, so pendingAfter need not join them back together. */
  private readonly recent = new IdRing<OwedReceipt>(RECENT_RECEIPTS);
  private readonly ackStmt: Statement<[number, number]>;
  private readonly rejectStmt: Statement<[number, number]>;
  private readonly attemptStmt: Statement<[number]>;
  private lastInsertedId = 0;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare('INSERT INTO smpp_receipts (account_id, message_id, event_id, expires_at) VALUES (?, ?, ?, ?)');
    this.pendingStmt = db
      .prepare<[number, number, number, number, number], OwedRow>(`
        SELECT r.id, r.message_id, r.event_id, e.status, e.error_code, e.occurred_at,
               ${receiptPartsColumns('m')}
        FROM smpp_receipts r
        JOIN status_events e ON e.id = r.event_id
        JOIN messages m ON m.id = r.message_id
        WHERE r.account_id = ? AND r.state = 'pending' AND r.id > ? AND r.id <= ? AND r.expires_at > ?
        ORDER BY r.id LIMIT ?`)
      .raw(true);
    this.pendingIdsStmt = db
      .prepare<[number, number, number, number, number], [number, number]>(`
        SELECT id, event_id FROM smpp_receipts
        WHERE account_id = ? AND state = 'pending' AND id > ? AND id <= ? AND expires_at > ?
        ORDER BY id LIMIT ?`)
      .raw(true);
    this.ackStmt = db.prepare(`UPDATE smpp_receipts SET state = 'acked', done_at = ? WHERE id = ? AND state = 'pending'`);
    this.rejectStmt = db.prepare(`UPDATE smpp_receipts SET state = 'rejected', done_at = ? WHERE id = ? AND state = 'pending'`);
    this.attemptStmt = db.prepare('UPDATE smpp_receipts SET attempts = attempts + 1 WHERE id = ?');
  }

  /** The SMPP receipts of one message with the status each reports (the console's message page). */
  forMessage(messageId: string): Array<ReceiptRow & { status: string }> {
    const rows = this.db
      .prepare(`
        SELECT r.id, r.event_id, r.state, r.attempts, r.expires_at, r.done_at, e.status
        FROM messages m, json_each('[' || m.event_ids || ']') j JOIN status_events e ON e.id = j.value JOIN smpp_receipts r ON r.event_id = e.id
        WHERE m.id = ? ORDER BY r.id`)
      .all(Number(messageId)) as Array<{ id: number; event_id: number; state: string; attempts: number; expires_at: number; done_at: number | null; status: string }>;
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, state: r.state, attempts: r.attempts, expiresAt: r.expires_at, doneAt: r.done_at, status: r.status }));
  }

  /**
   * The highest receipt id this process has inserted (a rolled-back insert counts too: the value
   * only tells a reader whether rows above a bound may exist).
   */
  get lastInserted(): number {
    return this.lastInsertedId;
  }

  /**
   * Records a receipt owed for an event.
   * @param receipt what the receipt reports, when the caller has it at hand (its `id` is set
   *   here): then pendingAfter serves it from memory instead of reading it back (see
   *   RECENT_RECEIPTS). Kept as given, not copied: one object per receipt on the hot path.
   */
  insert(accountId: number, messageId: string, eventId: number, expiresAt: number, receipt?: OwedReceipt): number {
    const id = Number(this.insertStmt.run(accountId, Number(messageId), eventId, expiresAt).lastInsertRowid);
    if (id > this.lastInsertedId) this.lastInsertedId = id;
    if (receipt) {
      receipt.id = id;
      this.recent.put(id, receipt);
    }
    return id;
  }

  /**
   * A transaction rolled back: receipts remembered in it may not exist, and their ids (and their
   * events' and messages') may be handed out again. Called by Store.transaction.
   */
  forgetRecent(): void {
    this.recent.clear();
  }

  /** The oldest pending, unexpired receipts of an account after receipt `afterId` and up to `upTo`, oldest first. */
  pendingAfter(accountId: number, afterId: number, upTo: number, now: number, limit: number): OwedReceipt[] {
    // Which receipts are pending is always read from the table; what they say comes from memory
    // when every one of them is held there, else from the full join.
    const ids = this.pendingIdsStmt.all(accountId, afterId, upTo, now, limit);
    const held: OwedReceipt[] = [];
    for (const [id, eventId] of ids) {
      const receipt = this.recent.get(id);
      if (!receipt || receipt.eventId !== eventId) return this.readPending(accountId, afterId, upTo, now, limit);
      held.push(receipt);
    }
    return held;
  }

  private readPending(accountId: number, afterId: number, upTo: number, now: number, limit: number): OwedReceipt[] {
    return this.pendingStmt.all(accountId, afterId, upTo, now, limit).map((r) => {
      const [id, messageId, eventId, status, errorCode, occurredAt, ...parts] = r;
      return owedReceipt(id, String(messageId), eventId, status, errorCode, occurredAt, receiptParts(parts));
    });
  }

  /** Marks receipts acknowledged (deliver_sm_resp OK); call inside a transaction to batch. */
  acked(id: number, now: number): void {
    this.ackStmt.run(now, id);
    this.recent.drop(id);
  }

  /** Marks a receipt refused for good by the client (ESME_RX_P_APPN). */
  rejected(id: number, now: number): void {
    this.rejectStmt.run(now, id);
    this.recent.drop(id);
  }

  /** Counts a delivery attempt that got no positive answer. */
  attempted(id: number): void {
    this.attemptStmt.run(id);
  }

  /** Marks receipts past their expiry; returns how many. */
  expire(now: number): number {
    return this.db.prepare(`UPDATE smpp_receipts SET state = 'expired', done_at = ? WHERE state = 'pending' AND expires_at <= ?`).run(now, now).changes;
  }

  /** Accounts that have pending receipts (to push after a restart). */
  accountsWithPending(): number[] {
    return (this.db.prepare(`SELECT DISTINCT account_id FROM smpp_receipts WHERE state = 'pending'`).all() as Array<{ account_id: number }>).map((r) => r.account_id);
  }

  /** Counts by state, for one account or all. */
  /** Receipts owed (pending), counted in their partial index: the metrics scrape's figure. */
  countPending(): number {
    return (this.db.prepare(`SELECT count(*) FROM smpp_receipts INDEXED BY smpp_receipts_pending WHERE state = 'pending'`).pluck().get() as number | undefined) ?? 0;
  }

  countByState(accountId?: number): Record<string, number> {
    const rows = (
      accountId === undefined
        ? this.db.prepare('SELECT state, count(*) AS n FROM smpp_receipts GROUP BY state').all()
        : this.db.prepare('SELECT state, count(*) AS n FROM smpp_receipts WHERE account_id = ? GROUP BY state').all(accountId)
    ) as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}
