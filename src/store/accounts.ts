/** Repository for the `accounts` table. */
import type { Database, Statement } from 'better-sqlite3';

/** A customer, as stored. Hashes never leave the process: see `publicAccount`. */
export interface Account {
  id: number;
  systemId: string;
  passwordHash: string;
  /** Concurrent SMPP binds allowed. */
  maxBinds: number;
  /** Messages per second, 0 = unlimited. */
  rate: number;
  /** CIDRs or addresses a bind may come from; empty = any. */
  allowedIps: string[];
  email: string | null;
  apiTokenHash: string | null;
  /** Format of receipts to an API request's notificationCallbackUrl, or none. */
  apiFormat: FixedFormat;
  /** Format of receipts mailed back to the sender of an e-mail, or none. */
  emailFormat: FixedFormat;
  createdAt: number;
  updatedAt: number;
}

/** The account setting for channels whose target is fixed (SPEC §5): a format, or none. */
export type FixedFormat = 'json' | 'xml' | 'none';

/** The fields of a new account. */
export type NewAccount = Pick<Account, 'systemId' | 'passwordHash' | 'maxBinds' | 'rate' | 'allowedIps' | 'email' | 'apiTokenHash'> & Partial<Pick<Account, 'apiFormat' | 'emailFormat'>>;

/** What `account set` may change. */
export type AccountPatch = Partial<Omit<NewAccount, 'systemId'>>;

/** An account without its secrets, for printing. */
export type PublicAccount = Omit<Account, 'passwordHash' | 'apiTokenHash' | 'createdAt' | 'updatedAt'> & {
  hasApiToken: boolean;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601 */
  updatedAt: string;
};

interface Row {
  id: number;
  system_id: string;
  password_hash: string;
  max_binds: number;
  rate: number;
  allowed_ips: string;
  email: string | null;
  api_token_hash: string | null;
  api_format: FixedFormat;
  email_format: FixedFormat;
  created_at: number;
  updated_at: number;
}

function fromRow(row: Row): Account {
  return {
    id: row.id,
    systemId: row.system_id,
    passwordHash: row.password_hash,
    maxBinds: row.max_binds,
    rate: row.rate,
    allowedIps: JSON.parse(row.allowed_ips) as string[],
    email: row.email,
    apiTokenHash: row.api_token_hash,
    apiFormat: row.api_format,
    emailFormat: row.email_format,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The printable view of an account. */
export function publicAccount(account: Account): PublicAccount {
  const { passwordHash: _p, apiTokenHash, createdAt, updatedAt, ...rest } = account;
  return { ...rest, hasApiToken: apiTokenHash !== null, createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString() };
}

/** Reads and writes accounts. */
export class AccountRepository {
  private readonly byIdStmt: Statement<[number], Row>;
  private readonly bySystemIdStmt: Statement<[string], Row>;
  private readonly listStmt: Statement<[], Row>;
  private readonly byTokenStmt: Statement<[string], Row>;
  private readonly tokenHashStmt: Statement<[number], { api_token_hash: string | null }>;

  constructor(private readonly db: Database) {
    this.byTokenStmt = db.prepare('SELECT * FROM accounts WHERE api_token_hash = ?');
    this.tokenHashStmt = db.prepare('SELECT api_token_hash FROM accounts WHERE id = ?');
    this.byIdStmt = db.prepare('SELECT * FROM accounts WHERE id = ?');
    this.bySystemIdStmt = db.prepare('SELECT * FROM accounts WHERE system_id = ?');
    this.listStmt = db.prepare('SELECT * FROM accounts ORDER BY system_id');
  }

  add(account: NewAccount, now = Date.now()): Account {
    const info = this.db
      .prepare(
        `INSERT INTO accounts (system_id, password_hash, max_binds, rate, allowed_ips, email, api_token_hash, api_format, email_format, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(account.systemId, account.passwordHash, account.maxBinds, account.rate, JSON.stringify(account.allowedIps), account.email, account.apiTokenHash, account.apiFormat ?? 'json', account.emailFormat ?? 'json', now, now);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  /** Applies a patch; returns the updated account, or undefined when there is none. */
  update(systemId: string, patch: AccountPatch, now = Date.now()): Account | undefined {
    const columns: Record<keyof AccountPatch, string> = {
      passwordHash: 'password_hash',
      maxBinds: 'max_binds',
      rate: 'rate',
      allowedIps: 'allowed_ips',
      email: 'email',
      apiTokenHash: 'api_token_hash',
      apiFormat: 'api_format',
      emailFormat: 'email_format',
    };
    const sets: string[] = ['updated_at = @updatedAt'];
    const params: Record<string, unknown> = { updatedAt: now, systemId };
    for (const key of Object.keys(patch) as Array<keyof AccountPatch>) {
      const value = patch[key];
      if (value === undefined) continue;
      sets.push(`${columns[key]} = @${key}`);
      params[key] = key === 'allowedIps' ? JSON.stringify(value) : value;
    }
    this.db.prepare(`UPDATE accounts SET ${sets.join(', ')} WHERE system_id = @systemId`).run(params);
    return this.bySystemId(systemId);
  }

  remove(systemId: string): boolean {
    return this.db.prepare('DELETE FROM accounts WHERE system_id = ?').run(systemId).changes > 0;
  }

  byId(id: number): Account | undefined {
    const row = this.byIdStmt.get(id);
    return row && fromRow(row);
  }

  /** The current API token hash of an account (undefined: no such account); one indexed column, for re-checking a remembered token. */
  apiTokenHashOf(id: number): string | null | undefined {
    return this.tokenHashStmt.get(id)?.api_token_hash;
  }

  /** The account whose API token hashes to `hash`. */
  byApiTokenHash(hash: string): Account | undefined {
    const row = this.byTokenStmt.get(hash);
    return row && fromRow(row);
  }

  /** The accounts registered with this e-mail address (compared without regard to case). */
  byEmail(address: string): Account[] {
    return (this.db.prepare('SELECT * FROM accounts WHERE lower(email) = lower(?) ORDER BY id').all(address) as Row[]).map(fromRow);
  }

  bySystemId(systemId: string): Account | undefined {
    const row = this.bySystemIdStmt.get(systemId);
    return row && fromRow(row);
  }

  list(): Account[] {
    return this.listStmt.all().map(fromRow);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
  }
}
