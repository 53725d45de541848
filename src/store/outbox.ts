/**
 * Repository for `outbox` and `delivery_attempts`: one row per (event, target), claimed by the
 * forwarding worker with a lease, so a crash mid-delivery only delays it. Attempts that did not
 * deliver get a `delivery_attempts` row each; the one that delivered is kept in the outbox row
 * itself (`delivered`), since most forwards succeed at once and a row each cost a statement.
 *
 * A leased row's `next_attempt_at` is its lease end: when the attempt in progress is lost (a
 * crash), that is when the row is tried again. So the due rows, a range of the `outbox_due`
 * index up to now, are exactly the claimable ones: a claim does not step over the rows in
 * progress (hundreds at load, once per round), and one that finds nothing costs a lookup.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Format } from '../forwarding/targets/target.js';

/** A row the worker claimed. */
export interface ClaimedRow {
  id: number;
  eventId: number;
  messageId: string;
  targetId: number;
  format: Format;
  /** this attempt's number, 1 for the first */
  attempt: number;
}

/** An outbox row for display. */
export interface OutboxRow {
  id: number;
  eventId: number;
  messageId: string;
  targetId: number;
  targetName: string | null;
  format: Format;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastCode: string | null;
  lastError: string | null;
  createdAt: number;
  doneAt: number | null;
}

/** One attempt, as recorded. */
export interface AttemptRecord {
  outboxId: number;
  attempt: number;
  at: number;
  durationMs: number;
  outcome: string;
  code: string | null;
  excerpt: string | null;
}

/** Filters for listing deliveries. */
export interface OutboxFilter {
  state?: 'pending' | 'delivered' | 'failed';
  targetId?: number;
  messageId?: string;
  /** ms since epoch: created at or after */
  since?: number;
  limit: number;
}

interface Row {
  id: number;
  event_id: number;
  message_id: number;
  target_id: number;
  target_name?: string | null;
  format: Format;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_code: string | null;
  last_error: string | null;
  created_at: number;
  done_at: number | null;
}

/** Reads and writes the forwarding outbox. */
export class OutboxRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly claimStmt: Statement<[{ now: number; leaseUntil: number; limit: number }], [id: number, eventId: number, messageId: number, targetId: number, format: Format, attempts: number]>;
  private readonly deliveredStmt: Statement<[number, string, number, string | null, number]>;
  private readonly retryStmt: Statement<[number, string, string, number]>;
  private readonly failedStmt: Statement<[number, string, string, number]>;
  private readonly attemptStmt: Statement<unknown[]>;
  private readonly releaseStmt: Statement<[number, number]>;
  private readonly waitingStmt: Statement<[number, number], number>;
  private readonly insertLeasedStmt: Statement<unknown[]>;
  /** Prepared on first use: only a slow target's rows need it. */
  private renewStmt: Statement<[number, number, string]> | undefined;
  /** Prepared on first use: only the metrics scrape asks. */
  private liveDepthStmt: Statement<[]> | undefined;
  /** Prepared on first use: the worker asks after every round. */
  private nextDueStmt: Statement<[]> | undefined;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare('INSERT INTO outbox (event_id, message_id, target_id, format, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    // Two statements, not one INSERT … SELECT … WHERE NOT EXISTS: an INSERT that reads its own
    // table materializes the SELECT in a temporary table first, which cost three plain inserts.
    this.waitingStmt = db.prepare<[number, number], number>(`SELECT 1 FROM outbox WHERE message_id = ? AND target_id = ? AND state = 'pending' LIMIT 1`).pluck();
    this.insertLeasedStmt = db.prepare('INSERT INTO outbox (event_id, message_id, target_id, format, next_attempt_at, lease_until, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)');
    // Only the oldest pending row of each (message, target) may be claimed: events of one message
    // reach a target in order. Rows of disabled targets wait.
    this.claimStmt = db
      .prepare<[{ now: number; leaseUntil: number; limit: number }], [id: number, eventId: number, messageId: number, targetId: number, format: Format, attempts: number]>(`
      UPDATE outbox SET lease_until = @leaseUntil, next_attempt_at = @leaseUntil, attempts = attempts + 1
      WHERE id IN (
        SELECT o.id FROM outbox o JOIN targets t ON t.id = o.target_id AND t.enabled = 1
        WHERE o.state = 'pending' AND o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until <= @now)
          AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.message_id = o.message_id AND p.target_id = o.target_id
                          AND p.state = 'pending' AND p.id < o.id)
        ORDER BY o.next_attempt_at, o.id LIMIT @limit)
      RETURNING id, event_id, message_id, target_id, format, attempts`)
      // Rows as arrays: cheaper than objects with named keys (see ForwardingWorker.readFacts).
      .raw(true);
    this.deliveredStmt = db.prepare(
      `UPDATE outbox SET state = 'delivered', done_at = ?, last_code = ?, last_duration_ms = ?, last_excerpt = ?, last_error = NULL, lease_until = NULL WHERE id = ?`,
    );
    this.retryStmt = db.prepare(`UPDATE outbox SET next_attempt_at = ?, last_code = ?, last_error = ?, lease_until = NULL WHERE id = ?`);
    this.failedStmt = db.prepare(`UPDATE outbox SET state = 'failed', done_at = ?, last_code = ?, last_error = ?, lease_until = NULL WHERE id = ?`);
    this.attemptStmt = db.prepare('INSERT INTO delivery_attempts (outbox_id, attempt, at, duration_ms, outcome, code, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.releaseStmt = db.prepare('UPDATE outbox SET lease_until = NULL, next_attempt_at = ?, attempts = attempts - 1 WHERE id = ?');
  }

  /** Queues an event for a target. Call inside recordStatus's transaction. */
  insert(eventId: number, messageId: string, targetId: number, format: Format, now: number): void {
    this.insertStmt.run(eventId, Number(messageId), targetId, format, now, now);
  }

  /**
   * Queues an event for a target and claims it at once, leased until `leaseUntil`: the worker
   * takes it after the commit (ForwardingWorker.takeClaimed) without a claim of its own. When an
   * earlier row of the message still waits for the target, the row is only queued (insert) and
   * null returned: events of one message reach a target in order. Call inside recordStatus's
   * transaction.
   */
  insertClaimed(eventId: number, messageId: string, targetId: number, format: Format, now: number, leaseUntil: number): ClaimedRow | null {
    const id = Number(messageId);
    if (this.waitingStmt.get(id, targetId) !== undefined) {
      this.insertStmt.run(eventId, id, targetId, format, now, now);
      return null;
    }
    const rowId = this.insertLeasedStmt.run(eventId, id, targetId, format, leaseUntil, leaseUntil, now).lastInsertRowid;
    return { id: Number(rowId), eventId, messageId, targetId, format, attempt: 1 };
  }

  /** Leases up to `limit` due rows until `leaseUntil`; each claim counts as an attempt. */
  claim(now: number, leaseUntil: number, limit: number): ClaimedRow[] {
    return this.claimStmt.all({ now, leaseUntil, limit }).map(([id, eventId, messageId, targetId, format, attempts]) => ({
      id,
      eventId,
      messageId: String(messageId),
      targetId,
      format,
      attempt: attempts,
    }));
  }

  /**
   * Extends the lease of claimed rows still waiting or in progress (ids as a JSON array): a row
   * the worker holds longer than a lease must not be claimed again.
   */
  renew(ids: number[], leaseUntil: number): number {
    this.renewStmt ??= this.db.prepare(`UPDATE outbox SET lease_until = ?, next_attempt_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND state = 'pending' AND lease_until IS NOT NULL`);
    return this.renewStmt.run(leaseUntil, leaseUntil, JSON.stringify(ids)).changes;
  }

  /** Gives a claimed row back untried (shutdown before it was sent): due again at `now`. */
  release(id: number, now: number): void {
    this.releaseStmt.run(now, id);
  }

  /** Marks a row delivered and records the attempt that delivered it (no recordAttempt for it). */
  delivered(id: number, code: string, now: number, durationMs: number, excerpt: string | null): void {
    this.deliveredStmt.run(now, code, durationMs, excerpt, id);
  }

  /** Schedules the next attempt. */
  retryAt(id: number, at: number, code: string, error: string): void {
    this.retryStmt.run(at, code, error, id);
  }

  failed(id: number, code: string, error: string, now: number): void {
    this.failedStmt.run(now, code, error, id);
  }

  /** Records an attempt that did not deliver (a delivering one goes with `delivered`). */
  recordAttempt(a: AttemptRecord): void {
    this.attemptStmt.run(a.outboxId, a.attempt, a.at, a.durationMs, a.outcome, a.code, a.excerpt);
  }

  list(filter: OutboxFilter): OutboxRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) (where.push('o.state = ?'), params.push(filter.state));
    if (filter.targetId !== undefined) (where.push('o.target_id = ?'), params.push(filter.targetId));
    if (filter.messageId !== undefined) (where.push('o.message_id = ?'), params.push(Number(filter.messageId)));
    if (filter.since !== undefined) (where.push('o.created_at >= ?'), params.push(filter.since));
    const rows = this.db
      .prepare(`SELECT o.*, t.name AS target_name FROM outbox o LEFT JOIN targets t ON t.id = o.target_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.id DESC LIMIT ?`)
      .all(...params, filter.limit) as Row[];
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      messageId: String(r.message_id),
      targetId: r.target_id,
      targetName: r.target_name ?? null,
      format: r.format,
      state: r.state,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastCode: r.last_code,
      lastError: r.last_error,
      createdAt: r.created_at,
      doneAt: r.done_at,
    }));
  }

  /** Every attempt of a row in order, the delivering one (kept in the row) last. */
  attempts(outboxId: number): AttemptRecord[] {
    const out = (this.db.prepare('SELECT * FROM delivery_attempts WHERE outbox_id = ? ORDER BY id').all(outboxId) as Array<Record<string, unknown>>).map((r) => ({
      outboxId: r.outbox_id as number,
      attempt: r.attempt as number,
      at: r.at as number,
      durationMs: r.duration_ms as number,
      outcome: r.outcome as string,
      code: r.code as string | null,
      excerpt: r.excerpt as string | null,
    }));
    const done = this.db
      .prepare(`SELECT attempts, done_at, last_duration_ms, last_code, last_excerpt FROM outbox WHERE id = ? AND state = 'delivered' AND last_duration_ms IS NOT NULL`)
      .get(outboxId) as { attempts: number; done_at: number; last_duration_ms: number; last_code: string | null; last_excerpt: string | null } | undefined;
    if (done) out.push({ outboxId, attempt: done.attempts, at: done.done_at, durationMs: done.last_duration_ms, outcome: 'delivered', code: done.last_code, excerpt: done.last_excerpt });
    return out;
  }

  /** Puts failed rows back to pending for another round of attempts; returns how many. */
  retryFailed(filter: { id?: number; targetId?: number; since?: number }, now: number): number {
    const where = [`state = 'failed'`];
    const params: unknown[] = [];
    if (filter.id !== undefined) (where.push('id = ?'), params.push(filter.id));
    if (filter.targetId !== undefined) (where.push('target_id = ?'), params.push(filter.targetId));
    if (filter.since !== undefined) (where.push('created_at >= ?'), params.push(filter.since));
    return this.db
      .prepare(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, done_at = NULL, lease_until = NULL WHERE ${where.join(' AND ')}`)
      .run(now, ...params).changes;
  }

  /**
   * Rows by state, of one target or all, for the CLI (`forwarding status`, `target show`): pending
   * and failed from their partial indexes, delivered the rest of a count of the smallest index.
   * A GROUP BY over the table read every row: 2 s at a million, a read long enough to hold off
   * the checkpointer's RESTART and with it the server's writes.
   */
  counts(targetId?: number): { pending: number; delivered: number; failed: number } {
    return this.db.transaction(() => {
      const total = (
        targetId === undefined
          ? this.db.prepare('SELECT count(*) FROM outbox').pluck().get()
          : this.db.prepare('SELECT count(*) FROM outbox INDEXED BY outbox_by_message WHERE target_id = ?').pluck().get(targetId)
      ) as number;
      let pending = 0;
      let failed = 0;
      for (const d of this.liveDepth()) {
        if (targetId !== undefined && d.targetId !== targetId) continue;
        if (d.state === 'pending') pending += d.n;
        else failed += d.n;
      }
      return { pending, delivered: total - pending - failed, failed };
    })();
  }

  /**
   * Pending rows (the depth) and failed ones by target, for the metrics scrape: counted in the
   * partial indexes of those states, so the cost follows their number, not the outbox's size
   * (depth() reads every row: a second on the event loop at a million).
   */
  liveDepth(): Array<{ targetId: number; state: 'pending' | 'failed'; n: number }> {
    this.liveDepthStmt ??= this.db.prepare(`
      SELECT target_id, 'pending' AS state, count(*) AS n FROM outbox INDEXED BY outbox_due WHERE state = 'pending' GROUP BY target_id
      UNION ALL
      SELECT target_id, 'failed', count(*) FROM outbox INDEXED BY outbox_failed WHERE state = 'failed' GROUP BY target_id`);
    return (this.liveDepthStmt.all() as Array<{ target_id: number; state: 'pending' | 'failed'; n: number }>).map((r) => ({ targetId: r.target_id, state: r.state, n: r.n }));
  }

  /** The earliest next attempt of a pending row, or null. */
  nextDue(): number | null {
    this.nextDueStmt ??= this.db.prepare(`SELECT min(next_attempt_at) AS t FROM outbox WHERE state = 'pending'`);
    return (this.nextDueStmt.get() as { t: number | null }).t;
  }
}
