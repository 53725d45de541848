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

/** Status events joined through their message's list (`messages.event_ids`), oldest first. */
const BY_MESSAGE = `
  SELECT e.* FROM messages m, json_each('[' || m.event_ids || ']') j JOIN status_events e ON e.id = j.value
  WHERE m.id`;

/**
 * Reads and writes status events. A message's events are found through its own row: the column
 * `messages.event_ids` lists them (migration 10). An index on status_events.message_id took its
 * entries at random places (events belong to messages submitted seconds earlier): 2 of the 12
 * pages a commit wrote at 5,000 submits/s with receipts. The list rides on a row that the same
 * status change rewrites anyway (MessageRepository.setStatus).
 */
export class StatusEventRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly listStmt: Statement<[number, number]>;
  private readonly forMessageStmt: Statement<[number], Row>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare('INSERT INTO status_events (message_id, status, final, error_code, origin, occurred_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.listStmt = db.prepare(`UPDATE messages SET event_ids = coalesce(event_ids || ',', '') || ? WHERE id = ?`);
    this.forMessageStmt = db.prepare(`${BY_MESSAGE} = ? ORDER BY e.id`);
  }

  /** Inserts an event and lists it on its message; returns its id. */
  insert(e: NewStatusEvent): number {
    const id = this.add(e);
    this.listStmt.run(id, Number(e.messageId));
    return id;
  }

  /**
   * Inserts an event without listing it; returns its id. The caller lists it on its message in
   * an update of that row it makes anyway (recordStatus: MessageRepository.setStatus), one
   * statement fewer per event.
   */
  add(e: NewStatusEvent): number {
    return Number(this.insertStmt.run(Number(e.messageId), e.status, e.final ? 1 : 0, e.errorCode, e.origin, e.occurredAt).lastInsertRowid);
  }

  /** The timelines of several messages (a page of the console's Sent view), oldest first. */
  forMessages(messageIds: readonly string[]): StatusEventRow[] {
    if (messageIds.length === 0) return [];
    const rows = this.db.prepare(`${BY_MESSAGE} IN (${messageIds.map(() => '?').join(',')}) ORDER BY e.id`).all(...messageIds.map(Number)) as Row[];
    return rows.map(fromRow);
  }

  /** The timeline of one message, oldest first. */
  forMessage(messageId: string): StatusEventRow[] {
    return this.forMessageStmt.all(Number(messageId)).map(fromRow);
  }
}

function fromRow(r: Row): StatusEventRow {
  return { id: r.id, messageId: String(r.message_id), status: r.status, final: r.final === 1, errorCode: r.error_code, origin: r.origin, occurredAt: r.occurred_at };
}
