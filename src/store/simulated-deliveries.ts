/** Repository for `simulated_deliveries`: the simulator's timers, kept in the database so a restart resumes them. */
import type { Database, Statement } from 'better-sqlite3';

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
}

interface Row {
  message_id: number;
  next_status: string;
  final_status: string;
  error_code: number;
  due_at: number;
  final_due_at: number;
  remaining: string | null;
}

/** Reads and writes simulator timers. */
export class SimulatedDeliveryRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly dueStmt: Statement<[number, number], Row>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly advanceStmt: Statement<[number, number]>;
  private readonly nextDueStmt: Statement<[], { due: number | null }>;
  private readonly rescheduleStmt: Statement<[string, number, string | null, number]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare('INSERT INTO simulated_deliveries (message_id, next_status, final_status, error_code, due_at, final_due_at, remaining) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.rescheduleStmt = db.prepare('UPDATE simulated_deliveries SET next_status = ?, due_at = ?, remaining = ? WHERE message_id = ?');
    this.dueStmt = db.prepare('SELECT * FROM simulated_deliveries WHERE due_at <= ? ORDER BY due_at, message_id LIMIT ?');
    this.deleteStmt = db.prepare('DELETE FROM simulated_deliveries WHERE message_id = ?');
    this.advanceStmt = db.prepare(`UPDATE simulated_deliveries SET next_status = final_status, due_at = final_due_at WHERE message_id = ? AND due_at <= ?`);
    this.nextDueStmt = db.prepare('SELECT min(due_at) AS due FROM simulated_deliveries');
  }

  insert(messageId: string, p: PlannedDelivery): void {
    this.insertStmt.run(Number(messageId), p.nextStatus, p.finalStatus, p.errorCode, p.dueAt, p.finalDueAt, p.remaining?.length ? JSON.stringify(p.remaining) : null);
  }

  /** Steps due at `now`, earliest first. */
  due(now: number, limit: number): DueDelivery[] {
    return this.dueStmt.all(now, limit).map((r) => ({
      messageId: String(r.message_id),
      nextStatus: r.next_status,
      finalStatus: r.final_status,
      errorCode: r.error_code,
      dueAt: r.due_at,
      finalDueAt: r.final_due_at,
      remaining: r.remaining === null ? [] : (JSON.parse(r.remaining) as Array<[string, number]>),
    }));
  }

  /** Moves on to the next intermediate step. */
  reschedule(messageId: string, status: string, dueAt: number, remaining: Array<[string, number]>): void {
    this.rescheduleStmt.run(status, dueAt, remaining.length ? JSON.stringify(remaining) : null, Number(messageId));
  }

  /** Moves an intermediate step on to the final one. */
  advance(messageId: string, now: number): void {
    this.advanceStmt.run(Number(messageId), now);
  }

  /** Removes a message's timer (done, or cancelled); true when there was one. */
  remove(messageId: string): boolean {
    return this.deleteStmt.run(Number(messageId)).changes > 0;
  }

  /** The earliest due time, or null when nothing is pending. */
  nextDue(): number | null {
    return this.nextDueStmt.get()?.due ?? null;
  }
}
