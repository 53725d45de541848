/**
 * API authentication (SPEC §6): HTTP Basic with an account's systemId and password, or a Bearer
 * API token. Successful Basic checks are remembered for a minute (keyed by a hash of the
 * credentials), because scrypt is deliberately slow and an API client sends them on every request;
 * Bearer tokens for a minute too, so a request costs one lookup by primary key.
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../errors.js';
import type { Account } from '../store/accounts.js';
import { hashApiToken, verifyPassword } from '../store/secrets.js';
import type { Store } from '../store/store.js';

/** ms a verified Basic credential is remembered */
const BASIC_CACHE_MS = 60_000;
const BASIC_CACHE_MAX = 10_000;

/** websms statusCode for invalid credentials. */
export const INVALID_CREDENTIALS = 4001;

/** Authenticates API requests. */
export class ApiAuth {
  private readonly verified = new Map<string, { accountId: number; passwordHash: string; until: number }>();
  /** Bearer tokens looked up recently: the hash and lookup are skipped on the next request. */
  private readonly tokens = new Map<string, { accountId: number; tokenHash: string; until: number }>();

  constructor(private readonly store: Store) {}

  /** Forgets remembered credentials (an account changed). */
  clear(): void {
    this.verified.clear();
    this.tokens.clear();
  }

  /** The account of an Authorization header, or an HttpError 401 saying what is wrong. */
  async authenticate(header: string | undefined): Promise<Account> {
    if (!header) throw new HttpError(401, INVALID_CREDENTIALS, 'missing Authorization header (Basic or Bearer)');
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) {
      if (!value) throw new HttpError(401, INVALID_CREDENTIALS, 'invalid API token');
      const now = Date.now();
      const remembered = this.tokens.get(value);
      if (remembered && remembered.until > now) {
        // Counts only while the account still has the token it was found by.
        const account = this.store.accounts.byId(remembered.accountId);
        if (account && account.apiTokenHash === remembered.tokenHash) return account;
      }
      const tokenHash = hashApiToken(value);
      const account = this.store.accounts.byApiTokenHash(tokenHash);
      if (!account) throw new HttpError(401, INVALID_CREDENTIALS, 'invalid API token');
      if (this.tokens.size >= BASIC_CACHE_MAX) this.tokens.clear();
      this.tokens.set(value, { accountId: account.id, tokenHash, until: now + BASIC_CACHE_MS });
      return account;
    }
    if (!/^basic$/i.test(scheme)) throw new HttpError(401, INVALID_CREDENTIALS, `unsupported authorization scheme "${scheme}" (use Basic or Bearer)`);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new HttpError(401, INVALID_CREDENTIALS, 'malformed Basic credentials');
    const systemId = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = createHash('sha256').update(decoded).digest('base64');
    const now = Date.now();
    const account = this.store.accounts.bySystemId(systemId);
    const remembered = this.verified.get(key);
    // A remembered check counts only while the account still has the password it was checked against.
    if (remembered && remembered.until > now && account && account.id === remembered.accountId && account.passwordHash === remembered.passwordHash) return account;
    if (!account || !(await verifyPassword(password, account.passwordHash))) throw new HttpError(401, INVALID_CREDENTIALS, 'invalid credentials');
    if (this.verified.size >= BASIC_CACHE_MAX) this.verified.clear();
    this.verified.set(key, { accountId: account.id, passwordHash: account.passwordHash, until: now + BASIC_CACHE_MS });
    return account;
  }
}
