/**
 * API authentication (SPEC §6): HTTP Basic with an account's systemId and password, or a Bearer
 * API token. Successful Basic checks are remembered for a minute (keyed by a hash of the
 * credentials), because scrypt is deliberately slow and an API client sends them on every request;
 * and parallel requests with the same credentials share one check while it runs: a client opening
 * 50 connections at once otherwise queued 50 scrypt runs on libuv's 4 threads, and on a slow
 * machine its first answers came seconds late (bench:api's warm-up got none in 2 s).
 * Bearer tokens for a minute too, so a request costs one indexed read of one column.
 * Brute-force protection (src/security): an unknown user, a wrong password or an unknown token is
 * answered 401 only after `security.bruteForce.delayMs`; while the remote address (or the Basic
 * systemId) is locked out, requests are answered 429 with Retry-After before anything is checked.
 * A missing or malformed header is not counted: it guesses nothing.
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../errors.js';
import type { LoginAttempt } from '../security/brute-force-limiter.js';
import { lockoutText, type LoginGuard } from '../security/login-guard.js';
import { plainAddress } from '../smpp/ip-allow.js';
import type { Account } from '../store/accounts.js';
import { hashApiToken, verifyPassword } from '../store/secrets.js';
import type { Store } from '../store/store.js';

/** ms a verified Basic credential is remembered */
const BASIC_CACHE_MS = 60_000;
const BASIC_CACHE_MAX = 10_000;

/** websms statusCode for invalid credentials. */
export const INVALID_CREDENTIALS = 4001;
/** websms statusCode of a lockout after too many failed logins (websms "limit reached"). */
export const LOCKED_OUT = 4013;

/** Authenticates API requests. */
export class ApiAuth {
  private readonly verified = new Map<string, { accountId: number; passwordHash: string; until: number }>();
  /** Bearer tokens looked up recently: the hash and lookup are skipped on the next request. */
  private readonly tokens = new Map<string, { account: Account; tokenHash: string; until: number }>();
  /** Password checks running now, by credentials and stored hash; each settles once for all who wait on it. */
  private readonly checking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: Store,
    private readonly guard: LoginGuard,
    /** Checks a password against a stored hash. @defaultValue verifyPassword (scrypt) */
    private readonly verify: (password: string, stored: string) => Promise<boolean> = verifyPassword,
  ) {}

  /** Forgets remembered credentials (an account changed). */
  clear(): void {
    this.verified.clear();
    this.tokens.clear();
  }

  /**
   * The account of an Authorization header sent from `remoteAddress`, or an HttpError: 401 saying
   * what is wrong, 429 while locked out.
   */
  async authenticate(header: string | undefined, remoteAddress: string): Promise<Account> {
    if (!header) throw new HttpError(401, INVALID_CREDENTIALS, 'missing Authorization header (Basic or Bearer)');
    const address = plainAddress(remoteAddress);
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) {
      if (!value) throw new HttpError(401, INVALID_CREDENTIALS, 'invalid API token');
      const attempt = { address };
      this.refuseIfLocked(attempt);
      const now = Date.now();
      const remembered = this.tokens.get(value);
      // Counts only while the account still has the token it was found by (checked on every
      // request, so a new token refuses the old one at once); any other change to the account
      // clears this cache (clear(), on every CLI change).
      if (remembered && remembered.until > now && this.store.accounts.apiTokenHashOf(remembered.account.id) === remembered.tokenHash) return remembered.account;
      const tokenHash = hashApiToken(value);
      const account = this.store.accounts.byApiTokenHash(tokenHash);
      if (!account) {
        await this.guard.failed(attempt);
        throw new HttpError(401, INVALID_CREDENTIALS, 'invalid API token');
      }
      if (this.tokens.size >= BASIC_CACHE_MAX) this.tokens.clear();
      this.tokens.set(value, { account, tokenHash, until: now + BASIC_CACHE_MS });
      return account;
    }
    if (!/^basic$/i.test(scheme)) throw new HttpError(401, INVALID_CREDENTIALS, `unsupported authorization scheme "${scheme}" (use Basic or Bearer)`);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new HttpError(401, INVALID_CREDENTIALS, 'malformed Basic credentials');
    const systemId = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const attempt = { address, systemId };
    this.refuseIfLocked(attempt);
    const key = createHash('sha256').update(decoded).digest('base64');
    const now = Date.now();
    const account = this.store.accounts.bySystemId(systemId);
    const remembered = this.verified.get(key);
    // A remembered check counts only while the account still has the password it was checked against.
    if (remembered && remembered.until > now && account && account.id === remembered.accountId && account.passwordHash === remembered.passwordHash) return account;
    if (!account || !(await this.checkOnce(key, password, account.passwordHash))) {
      await this.guard.failed(attempt);
      throw new HttpError(401, INVALID_CREDENTIALS, 'invalid credentials');
    }
    // Locked while the password was checked (parallel attempts): still refused.
    this.refuseIfLocked(attempt);
    this.guard.succeeded(attempt);
    if (this.verified.size >= BASIC_CACHE_MAX) this.verified.clear();
    this.verified.set(key, { accountId: account.id, passwordHash: account.passwordHash, until: now + BASIC_CACHE_MS });
    return account;
  }

  /**
   * One password check per credentials and stored hash at a time: requests arriving while it runs
   * wait for its answer. Each of them still counts as its own attempt (a wrong password fails
   * every one of them with the brute-force guard, as separate checks would).
   */
  private checkOnce(key: string, password: string, passwordHash: string): Promise<boolean> {
    const id = `${key} ${passwordHash}`;
    let check = this.checking.get(id);
    if (!check) {
      check = this.verify(password, passwordHash).finally(() => this.checking.delete(id));
      this.checking.set(id, check);
    }
    return check;
  }

  /** 429 with Retry-After while the attempt's address or systemId is locked out. */
  private refuseIfLocked(attempt: LoginAttempt): void {
    const lock = this.guard.locked(attempt);
    if (lock) throw new HttpError(429, LOCKED_OUT, lockoutText(lock), { 'retry-after': String(lock.retryAfterSec) });
  }
}
