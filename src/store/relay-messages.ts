/**
 * Repository for `relay_messages` (messages routed to an upstream SMSC and their upstream ids)
 * and `relay_held_receipts` (upstream receipts that arrived before their submit_sm_resp).
 */
import type { Database, Statement } from 'better-sqlite3';

/** A relayed message due for sending. */
export interface DueRelay {
  messageId: string;
  attempts: number;
  expiresAt: number;
}

/** A held upstream receipt. */
export interface HeldReceipt {
  id: number;
  upstream: string;
  upstreamId: string;
  rawId: string;
  status: string;
  errorCode: number;
  receivedAt: number;
}

interface HeldRow {
  id: number;
  upstream: string;
  upstream_id: string;
  raw_id: string;
  status: string;
  error_code: number;
  received_at: number;
}

const held = (r: HeldRow): HeldReceipt => ({ id: r.id, upstream: r.upstream, upstreamId: r.upstream_id, rawId: r.raw_id, status: r.status, errorCode: r.error_code, receivedAt: r.received_at });

/** Reads and writes the relay's rows. */
export class RelayRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly dueStmt: Statement<[string, number, number], { message_id: number; attempts: number; expires_at: number }>;
  private readonly submittedStmt: Statement<unknown[]>;
  private readonly retryStmt: Statement<unknown[]>;
  private readonly doneStmt: Statement<[number, string | null, number]>;
  private readonly byUpstreamIdStmt: Statement<[string, string], { message_id: number }>;
  private readonly expiredStmt: Statement<[number, number], { message_id: number }>;
  private readonly nextDueStmt: Statement<[string], { due: number | null }>;
  private readonly holdStmt: Statement<unknown[]>;
  private readonly heldForStmt: Statement<[string, string], HeldRow>;
  private readonly deleteHeldStmt: Statement<[number]>;
  private readonly expiredHeldStmt: Statement<[number, number], HeldRow>;
  private readonly stateStmt: Statement<[number], { state: string; upstream_id: string | null; attempts: number; last_error: string | null }>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(`INSERT INTO relay_messages (message_id, upstream, state, next_attempt_at, expires_at, created_at) VALUES (?, ?, 'queued', ?, ?, ?)`);
    this.dueStmt = db.prepare(
      `SELECT message_id, attempts, expires_at FROM relay_messages
        WHERE state = 'queued' AND upstream = ? AND next_attempt_at <= ?
        ORDER BY next_attempt_at, message_id LIMIT ?`,
    );
    this.submittedStmt = db.prepare(`UPDATE relay_messages SET state = 'submitted', upstream_id = ?, upstream_raw_id = ?, submitted_at = ?, last_error = NULL WHERE message_id = ?`);
    this.retryStmt = db.prepare(`UPDATE relay_messages SET state = 'queued', next_attempt_at = ?, attempts = attempts + ?, last_error = ? WHERE message_id = ?`);
    this.doneStmt = db.prepare(`UPDATE relay_messages SET state = 'done', done_at = ?, last_error = coalesce(?, last_error) WHERE message_id = ?`);
    this.byUpstreamIdStmt = db.prepare('SELECT message_id FROM relay_messages WHERE upstream = ? AND upstream_id = ? ORDER BY message_id DESC LIMIT 1');
    this.expiredStmt = db.prepare(`SELECT message_id FROM relay_messages WHERE state = 'queued' AND expires_at <= ? ORDER BY expires_at LIMIT ?`);
    this.nextDueStmt = db.prepare(`SELECT min(next_attempt_at) AS due FROM relay_messages WHERE state = 'queued' AND upstream = ?`);
    this.holdStmt = db.prepare('INSERT INTO relay_held_receipts (upstream, upstream_id, raw_id, status, error_code, received_at, hold_until) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.heldForStmt = db.prepare('SELECT * FROM relay_held_receipts WHERE upstream = ? AND upstream_id = ? ORDER BY id');
    this.deleteHeldStmt = db.prepare('DELETE FROM relay_held_receipts WHERE id = ?');
    this.expiredHeldStmt = db.prepare('SELECT * FROM relay_held_receipts WHERE hold_until <= ? ORDER BY id LIMIT ?');
    this.stateStmt = db.prepare('SELECT state, upstream_id, attempts, last_error FROM relay_messages WHERE message_id = ?');
  }

  /** Queues a message for `upstream`, first try at `notBefore`, given up (EXPIRED) at `expiresAt`. Call in the message's transaction. */
  insert(messageId: string, upstream: string, notBefore: number, expiresAt: number, now: number): void {
    this.insertStmt.run(Number(messageId), upstream, notBefore, expiresAt, now);
  }

  /**
   * Up to `limit` due messages of `upstream`, earliest first. Reading claims nothing: the worker
   * keeps the ones whose submit_sm is out in memory (one process owns the database), and after a
   * restart every message not yet submitted is due again.
   */
  due(upstream: string, now: number, limit: number): DueRelay[] {
    if (limit <= 0) return [];
    return this.dueStmt.all(upstream, now, limit).map((r) => ({ messageId: String(r.message_id), attempts: r.attempts, expiresAt: r.expires_at }));
  }

  /** The upstream accepted the message: store its id. */
  submitted(messageId: string, upstreamId: string, rawId: string, now: number): void {
    this.submittedStmt.run(upstreamId, rawId, now, Number(messageId));
  }

  /** Back to the queue, next try at `at`; `countAttempt` for temporary errors (not for throttling or a lost bind). */
  retry(messageId: string, at: number, countAttempt: boolean, error: string): void {
    this.retryStmt.run(at, countAttempt ? 1 : 0, error, Number(messageId));
  }

  /** The message is final (a final receipt, a permanent error, expiry). */
  done(messageId: string, now: number, error: string | null = null): void {
    this.doneStmt.run(now, error, Number(messageId));
  }

  /** Our message id for a (normalised) upstream id. */
  byUpstreamId(upstream: string, upstreamId: string): string | undefined {
    const r = this.byUpstreamIdStmt.get(upstream, upstreamId);
    return r && String(r.message_id);
  }

  /** Queued messages whose time is up. */
  expired(now: number, limit: number): string[] {
    return this.expiredStmt.all(now, limit).map((r) => String(r.message_id));
  }

  /** Earliest next attempt of `upstream`'s queue, or null. */
  nextDue(upstream: string): number | null {
    return this.nextDueStmt.get(upstream)?.due ?? null;
  }

  /** Holds a receipt whose upstream id is not known yet. */
  hold(r: Omit<HeldReceipt, 'id'>, holdUntil: number): void {
    this.holdStmt.run(r.upstream, r.upstreamId, r.rawId, r.status, r.errorCode, r.receivedAt, holdUntil);
  }

  /** Takes (returns and deletes) the held receipts for an upstream id, oldest first. */
  takeHeld(upstream: string, upstreamId: string): HeldReceipt[] {
    const rows = this.heldForStmt.all(upstream, upstreamId);
    for (const r of rows) this.deleteHeldStmt.run(r.id);
    return rows.map(held);
  }

  /** Takes held receipts whose wait is over (unmatched). */
  takeExpiredHeld(now: number, limit: number): HeldReceipt[] {
    const rows = this.expiredHeldStmt.all(now, limit);
    for (const r of rows) this.deleteHeldStmt.run(r.id);
    return rows.map(held);
  }

  /** A message's relay state, for tests and the CLI. */
  state(messageId: string): { state: string; upstreamId: string | null; attempts: number; lastError: string | null } | undefined {
    const r = this.stateStmt.get(Number(messageId));
    return r && { state: r.state, upstreamId: r.upstream_id, attempts: r.attempts, lastError: r.last_error };
  }

  /** Rows by upstream and state (metrics). */
  countByState(): Array<{ upstream: string; state: string; n: number }> {
    return this.db.prepare('SELECT upstream, state, count(*) AS n FROM relay_messages GROUP BY upstream, state').all() as Array<{ upstream: string; state: string; n: number }>;
  }

  /** Receipts held now. */
  heldCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM relay_held_receipts').get() as { n: number }).n;
  }
}
