/** Repository for the `sessions` table: the history of SMPP binds. */
import type { Database } from 'better-sqlite3';

/** A bind that succeeded. */
export interface BindRecord {
  accountId: number;
  systemId: string;
  bindType: 'transmitter' | 'receiver' | 'transceiver';
  interfaceVersion: number;
  remoteAddress: string;
}

/** A stored bind. */
export interface SessionRow extends BindRecord {
  id: number;
  boundAt: number;
  unboundAt: number | null;
  reason: string | null;
}

/** Records binds and their ends. */
export class SessionRepository {
  constructor(private readonly db: Database) {}

  /** Records a bind; returns the session id. */
  opened(bind: BindRecord, now = Date.now()): number {
    const info = this.db
      .prepare(
        `INSERT INTO sessions (account_id, system_id, bind_type, interface_version, remote_address, bound_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(bind.accountId, bind.systemId, bind.bindType, bind.interfaceVersion, bind.remoteAddress, now);
    return Number(info.lastInsertRowid);
  }

  closed(id: number, reason: string, now = Date.now()): void {
    this.db.prepare('UPDATE sessions SET unbound_at = ?, reason = ? WHERE id = ? AND unbound_at IS NULL').run(now, reason, id);
  }

  /** Ends every session left open by a process that did not shut down cleanly. */
  closeAbandoned(now = Date.now()): number {
    return this.db.prepare(`UPDATE sessions SET unbound_at = ?, reason = 'server restarted' WHERE unbound_at IS NULL`).run(now).changes;
  }

  recent(limit = 100): SessionRow[] {
    const rows = this.db.prepare('SELECT * FROM sessions ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as number,
      accountId: r.account_id as number,
      systemId: r.system_id as string,
      bindType: r.bind_type as BindRecord['bindType'],
      interfaceVersion: r.interface_version as number,
      remoteAddress: r.remote_address as string,
      boundAt: r.bound_at as number,
      unboundAt: r.unbound_at as number | null,
      reason: r.reason as string | null,
    }));
  }
}
