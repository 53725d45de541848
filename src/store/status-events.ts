/** Repository for `status_events`: the stored history of every message's status. */
import type { Database, Statement } from 'better-sqlite3';

/** One stored status change. */
export interface StatusEventRow {
  id: number;
  messageId: string;
  status: string;
  final: boolean;
  errorCode: number;
  origin: string;
  occurredAt: number;
}

/** What a new event carries. */
export interface NewStatusEvent {
  messageId: string;
  status: string;
  final: boolean;
  errorCode: number;
  origin: string;
  occurredAt: number;
}

interface Row {
  id: number;
  message_id: number;
  status: string;
  final: number;
  error_code: number;
  origin: string;
  occurred_at: number;
}

/** Reads and writes status events. */
export class StatusEventRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly forMessageStmt: Statement<[number], Row>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare('INSERT INTO status_events (message_id, status, final, error_code, origin, occurred_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.forMessageStmt = db.prepare('SELECT * FROM status_events WHERE message_id = ? ORDER BY id');
  }

  /** Inserts an event; returns its id. */
  insert(e: NewStatusEvent): number {
    return Number(this.insertStmt.run(Number(e.messageId), e.status, e.final ? 1 : 0, e.errorCode, e.origin, e.occurredAt).lastInsertRowid);
  }

  /** The timelines of several messages (a page of the console's Sent view), oldest first. */
  forMessages(messageIds: readonly string[]): StatusEventRow[] {
    if (messageIds.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM status_events WHERE message_id IN (${messageIds.map(() => '?').join(',')}) ORDER BY id`).all(...messageIds.map(Number)) as Row[];
    return rows.map((r) => ({ id: r.id, messageId: String(r.message_id), status: r.status, final: r.final === 1, errorCode: r.error_code, origin: r.origin, occurredAt: r.occurred_at }));
  }

  /** The timeline of one message, oldest first. */
  forMessage(messageId: string): StatusEventRow[] {
    return this.forMessageStmt.all(Number(messageId)).map((r) => ({
      id: r.id,
      messageId: String(r.message_id),
      status: r.status,
      final: r.final === 1,
      errorCode: r.error_code,
      origin: r.origin,
      occurredAt: r.occurred_at,
    }));
  }
}
