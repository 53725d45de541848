/** Repository for `targets`: where events are forwarded. */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Format, TargetSpec, TargetType } from '../forwarding/targets/target.js';

/** A stored target with its state. */
export interface TargetRow extends TargetSpec {
  /** configured (smscd target add) or callback (made for an API notificationCallbackUrl or an e-mail's sender) */
  kind: 'configured' | 'callback';
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The fields of a new target. */
export type NewTarget = Omit<TargetSpec, 'id'>;

interface Row {
  id: number;
  name: string;
  type: TargetType;
  url: string | null;
  to_address: string | null;
  queue_url: string | null;
  format: Format;
  secret: string | null;
  kind: 'configured' | 'callback';
  enabled: number;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: Row): TargetRow {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    url: r.url,
    to: r.to_address,
    queueUrl: r.queue_url,
    format: r.format,
    secret: r.secret,
    kind: r.kind,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A target without its secret, for printing. */
export function publicTarget(t: TargetRow): Omit<TargetRow, 'secret' | 'createdAt' | 'updatedAt'> & { signed: boolean; createdAt: string } {
  const { secret, createdAt, updatedAt: _u, ...rest } = t;
  return { ...rest, signed: secret !== null, createdAt: new Date(createdAt).toISOString() };
}

/** Reads and writes targets. */
export class TargetRepository {
  constructor(private readonly db: Database) {}

  add(t: NewTarget, now = Date.now()): TargetRow {
    const info = this.db
      .prepare('INSERT INTO targets (name, type, url, to_address, queue_url, format, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.name, t.type, t.url, t.to, t.queueUrl, t.format, t.secret, now, now);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): TargetRow | undefined {
    const row = this.db.prepare('SELECT * FROM targets WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  byName(name: string): TargetRow | undefined {
    const row = this.db.prepare('SELECT * FROM targets WHERE name = ?').get(name) as Row | undefined;
    return row && fromRow(row);
  }

  /** All targets, or those of one kind. */
  list(kind?: 'configured' | 'callback'): TargetRow[] {
    const rows = kind === undefined ? this.db.prepare('SELECT * FROM targets ORDER BY name').all() : this.db.prepare('SELECT * FROM targets WHERE kind = ? ORDER BY name').all(kind);
    return (rows as Row[]).map(fromRow);
  }

  /**
   * The target for an API request's notificationCallbackUrl: one row per distinct URL (kind
   * `callback`), so its deliveries use the same outbox, retries and connection pool as any target.
   */
  callbackFor(url: string, now = Date.now()): TargetRow {
    return this.fixedTarget('http', url, now);
  }

  /**
   * The target for receipts mailed back to the sender of an e-mail (SPEC §7): one `callback`
   * row of type smtp per address, mailed through the relay in `forwarding.smtp`.
   */
  mailbackFor(address: string, now = Date.now()): TargetRow {
    return this.fixedTarget('smtp', address, now);
  }

  private fixedTarget(type: 'http' | 'smtp', destination: string, now: number): TargetRow {
    const name = `${type === 'http' ? 'callback' : 'mailback'}-${createHash('sha256').update(destination).digest('hex').slice(0, 16)}`;
    const existing = this.byName(name);
    if (existing) return existing;
    this.db
      .prepare(`INSERT INTO targets (name, type, url, to_address, format, kind, created_at, updated_at) VALUES (?, ?, ?, ?, 'json', 'callback', ?, ?)`)
      .run(name, type, type === 'http' ? destination : null, type === 'smtp' ? destination : null, now, now);
    return this.byName(name)!;
  }

  /** Removes a target, its rules (cascade) and its undelivered outbox rows. */
  remove(name: string): boolean {
    const target = this.byName(name);
    if (!target) return false;
    this.db.prepare(`DELETE FROM outbox WHERE target_id = ? AND state = 'pending'`).run(target.id);
    return this.db.prepare('DELETE FROM targets WHERE id = ?').run(target.id).changes > 0;
  }

  /** Changes where a target points and how (the console's forwarding settings); its name and state stay. */
  update(id: number, t: Pick<NewTarget, 'type' | 'url' | 'to' | 'queueUrl' | 'format' | 'secret'>, now = Date.now()): TargetRow | undefined {
    this.db.prepare('UPDATE targets SET type = ?, url = ?, to_address = ?, queue_url = ?, format = ?, secret = ?, updated_at = ? WHERE id = ?').run(t.type, t.url, t.to, t.queueUrl, t.format, t.secret, now, id);
    return this.byId(id);
  }

  /** Enables or disables (with the reason, e.g. "HTTP 410 Gone") a target. */
  setEnabled(id: number, enabled: boolean, reason: string | null, now = Date.now()): void {
    this.db.prepare('UPDATE targets SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?').run(enabled ? 1 : 0, enabled ? null : reason, now, id);
  }
}
