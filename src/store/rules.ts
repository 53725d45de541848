/** Repository for `rules`: per (account, channel, message type), forward to a target or nowhere. */
import type { Database } from 'better-sqlite3';
import type { Format } from '../forwarding/targets/target.js';

/** Channels a rule can name: the message channels, and `whatsapp` for WhatsApp messages from any channel. */
export const RULE_CHANNELS = ['smpp', 'api', 'email', 'console', 'whatsapp'] as const;
/** One of RULE_CHANNELS. */
export type RuleChannel = (typeof RULE_CHANNELS)[number];

/** A stored rule. `targetId` null = "none": no forwarding (and for smpp: no SMPP receipts). */
export interface Rule {
  id: number;
  accountId: number;
  channel: RuleChannel;
  messageType: 'sms' | 'whatsapp';
  targetId: number | null;
  /** null = the default selection (all SMS statuses a receipt was asked for; WhatsApp delivered and read) */
  statuses: string[] | null;
  /** null = the target's format */
  format: Format | null;
  createdAt: number;
}

interface Row {
  id: number;
  account_id: number;
  channel: RuleChannel;
  message_type: 'sms' | 'whatsapp';
  target_id: number | null;
  statuses: string | null;
  format: Format | null;
  created_at: number;
}

function fromRow(r: Row): Rule {
  return {
    id: r.id,
    accountId: r.account_id,
    channel: r.channel,
    messageType: r.message_type,
    targetId: r.target_id,
    statuses: r.statuses === null ? null : (JSON.parse(r.statuses) as string[]),
    format: r.format,
    createdAt: r.created_at,
  };
}

/** Reads and writes rules. */
export class RuleRepository {
  constructor(private readonly db: Database) {}

  add(rule: Omit<Rule, 'id' | 'createdAt'>, now = Date.now()): Rule {
    const info = this.db
      .prepare('INSERT INTO rules (account_id, channel, message_type, target_id, statuses, format, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(rule.accountId, rule.channel, rule.messageType, rule.targetId, rule.statuses === null ? null : JSON.stringify(rule.statuses), rule.format, now);
    return fromRow(this.db.prepare('SELECT * FROM rules WHERE id = ?').get(Number(info.lastInsertRowid)) as Row);
  }

  list(accountId?: number): Rule[] {
    const rows = (accountId === undefined ? this.db.prepare('SELECT * FROM rules ORDER BY id').all() : this.db.prepare('SELECT * FROM rules WHERE account_id = ? ORDER BY id').all(accountId)) as Row[];
    return rows.map(fromRow);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes > 0;
  }
}
