/**
 * Repository for `smpp_receipts`: receipts owed to an account over SMPP. A row stays `pending`
 * until the client acknowledges the deliver_sm, so a crash or a disconnect loses none.
 */
import type { Database, Statement } from 'better-sqlite3';

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

/** A receipt row for display. */
export interface ReceiptRow {
  id: number;
  eventId: number;
  state: string;
  attempts: number;
  expiresAt: number;
  doneAt: number | null;
}

interface OwedRow {
  id: number;
  message_id: number;
  event_id: number;
  status: string;
  error_code: number;
  occurred_at: number;
  source_addr: string;
  source_ton: number;
  source_npi: number;
  dest_addr: string;
  dest_ton: number;
  dest_npi: number;
  submitted_at: number;
  text: string | null;
}

/** Reads and writes owed SMPP receipts. */
export class SmppReceiptRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly pendingStmt: Statement<[number, number, number, number, number], OwedRow>;
  private readonly ackStmt: Statement<[number, number]>;
  private readonly rejectStmt: Statement<[number, number]>;
  private readonly attemptStmt: Statement<[number]>;
  private lastInsertedId = 0;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare('INSERT INTO smpp_receipts (account_id, message_id, event_id, expires_at) VALUES (?, ?, ?, ?)');
    this.pendingStmt = db.prepare(`
      SELECT r.id, r.message_id, r.event_id, e.status, e.error_code, e.occurred_at,
             m.source_addr, m.source_ton, m.source_npi, m.dest_addr, m.dest_ton, m.dest_npi, m.submitted_at, m.text
      FROM smpp_receipts r
      JOIN status_events e ON e.id = r.event_id
      JOIN messages m ON m.id = r.message_id
      WHERE r.account_id = ? AND r.state = 'pending' AND r.id > ? AND r.id <= ? AND r.expires_at > ?
      ORDER BY r.id LIMIT ?`);
    this.ackStmt = db.prepare(`UPDATE smpp_receipts SET state = 'acked', done_at = ? WHERE id = ? AND state = 'pending'`);
    this.rejectStmt = db.prepare(`UPDATE smpp_receipts SET state = 'rejected', done_at = ? WHERE id = ? AND state = 'pending'`);
    this.attemptStmt = db.prepare('UPDATE smpp_receipts SET attempts = attempts + 1 WHERE id = ?');
  }

  /** The SMPP receipts of one message with the status each reports (the console's message page). */
  forMessage(messageId: string): Array<ReceiptRow & { status: string }> {
    const rows = this.db
      .prepare(`SELECT r.id, r.event_id, r.state, r.attempts, r.expires_at, r.done_at, e.status FROM status_events e JOIN smpp_receipts r ON r.event_id = e.id WHERE e.message_id = ? ORDER BY r.id`)
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

  /** Records a receipt owed for an event. */
  insert(accountId: number, messageId: string, eventId: number, expiresAt: number): number {
    const id = Number(this.insertStmt.run(accountId, Number(messageId), eventId, expiresAt).lastInsertRowid);
    if (id > this.lastInsertedId) this.lastInsertedId = id;
    return id;
  }

  /** The oldest pending, unexpired receipts of an account after receipt `afterId` and up to `upTo`, oldest first. */
  pendingAfter(accountId: number, afterId: number, upTo: number, now: number, limit: number): OwedReceipt[] {
    return this.pendingStmt.all(accountId, afterId, upTo, now, limit).map((r) => ({
      id: r.id,
      messageId: String(r.message_id),
      eventId: r.event_id,
      status: r.status,
      errorCode: r.error_code,
      occurredAt: r.occurred_at,
      sourceAddr: r.source_addr,
      sourceTon: r.source_ton,
      sourceNpi: r.source_npi,
      destAddr: r.dest_addr,
      destTon: r.dest_ton,
      destNpi: r.dest_npi,
      submittedAt: r.submitted_at,
      text: r.text,
    }));
  }

  /** Marks receipts acknowledged (deliver_sm_resp OK); call inside a transaction to batch. */
  acked(id: number, now: number): void {
    this.ackStmt.run(now, id);
  }

  /** Marks a receipt refused for good by the client (ESME_RX_P_APPN). */
  rejected(id: number, now: number): void {
    this.rejectStmt.run(now, id);
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
  countByState(accountId?: number): Record<string, number> {
    const rows = (
      accountId === undefined
        ? this.db.prepare('SELECT state, count(*) AS n FROM smpp_receipts GROUP BY state').all()
        : this.db.prepare('SELECT state, count(*) AS n FROM smpp_receipts WHERE account_id = ? GROUP BY state').all(accountId)
    ) as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}
