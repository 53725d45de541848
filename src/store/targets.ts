/** Repository for `targets`: where events are forwarded. */
import type { Database } from 'better-sqlite3';
import type { Format, TargetSpec, TargetType } from '../forwarding/targets/target.js';

/** A stored target with its state. */
export interface TargetRow extends TargetSpec {
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

  list(): TargetRow[] {
    return (this.db.prepare('SELECT * FROM targets ORDER BY name').all() as Row[]).map(fromRow);
  }

  /** Removes a target, its rules (cascade) and its undelivered outbox rows. */
  remove(name: string): boolean {
    const target = this.byName(name);
    if (!target) return false;
    this.db.prepare(`DELETE FROM outbox WHERE target_id = ? AND state = 'pending'`).run(target.id);
    return this.db.prepare('DELETE FROM targets WHERE id = ?').run(target.id).changes > 0;
  }

  /** Enables or disables (with the reason, e.g. "HTTP 410 Gone") a target. */
  setEnabled(id: number, enabled: boolean, reason: string | null, now = Date.now()): void {
    this.db.prepare('UPDATE targets SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?').run(enabled ? 1 : 0, enabled ? null : reason, now, id);
  }
}
