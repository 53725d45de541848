/** Repository for `console_sessions`: who is signed in to the web console, by the hash of the cookie's id. */
import type { Database } from 'better-sqlite3';

/** A signed-in console session. `accountId` null = the operator. */
export interface ConsoleSession {
  accountId: number | null;
  operator: boolean;
  createdAt: number;
  expiresAt: number;
}

interface Row {
  account_id: number | null;
  operator: number;
  created_at: number;
  expires_at: number;
}

/** Reads and writes console sessions. */
export class ConsoleSessionRepository {
  constructor(private readonly db: Database) {}

  add(idHash: string, session: ConsoleSession): void {
    this.db.prepare('INSERT INTO console_sessions (id_hash, account_id, operator, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(idHash, session.accountId, session.operator ? 1 : 0, session.createdAt, session.expiresAt);
  }

  /** The session if it exists and has not expired at `now`. */
  byIdHash(idHash: string, now: number): ConsoleSession | undefined {
    const row = this.db.prepare('SELECT account_id, operator, created_at, expires_at FROM console_sessions WHERE id_hash = ? AND expires_at > ?').get(idHash, now) as Row | undefined;
    return row && { accountId: row.account_id, operator: row.operator === 1, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  remove(idHash: string): void {
    this.db.prepare('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash);
  }

  /** Deletes sessions that expired before `now`; returns how many. */
  removeExpired(now: number): number {
    return this.db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?').run(now).changes;
  }
}
