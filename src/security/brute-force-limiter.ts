/**
 * Brute-force protection as pure policy: counts failed logins per remote address and per
 * systemId in a sliding window and locks a key for a while once it has too many. It knows
 * nothing about SMPP, HTTP or SMTP and reads the time only through the clock it is given, so it
 * is tested by tables (test/security/brute-force-limiter.test.ts). One instance is shared by
 * every interface of an App: failures over the API count against an SMPP bind of the same
 * systemId from the same address, and the other way round.
 */

/** The `security.bruteForce` settings. */
export interface BruteForceSettings {
  /** Failed logins from one remote address within `windowSec` before it is locked; 0 = no per-address limit. @defaultValue 20 */
  readonly maxFailuresPerAddress: number;
  /** Failed logins for one systemId within `windowSec` before it is locked; 0 = no per-systemId limit. @defaultValue 5 */
  readonly maxFailuresPerSystemId: number;
  /** s over which failures are counted. @defaultValue 300 */
  readonly windowSec: number;
  /** s a key stays locked. @defaultValue 300 */
  readonly lockoutSec: number;
  /** ms each failed attempt's answer is held back before the lock (successes are never delayed). @defaultValue 500 */
  readonly delayMs: number;
}

/** Who is trying: the remote address, and the systemId when the attempt names one (Bearer tokens do not). */
export interface LoginAttempt {
  readonly address: string;
  readonly systemId?: string | null;
}

/** A key that is locked, and for how much longer. */
export interface Lockout {
  /** Which limit: the remote address's or the systemId's. */
  readonly kind: 'address' | 'systemId';
  /** The address or the systemId. */
  readonly key: string;
  /** ms since the epoch when the lock ends. */
  readonly until: number;
  /** Whole seconds until the lock ends, at least 1 (for Retry-After and messages). */
  readonly retryAfterSec: number;
}

/** What recording a failure led to. */
export interface FailureOutcome {
  /** Locks this failure started (none, or the address's and/or the systemId's). */
  readonly lockouts: readonly Lockout[];
  /** ms to hold the failure answer back. */
  readonly delayMs: number;
}

/** Most keys of each kind remembered; beyond it expired entries are swept, then the oldest dropped. */
export const MAX_KEYS = 100_000;

interface Entry {
  /** ms timestamps of failures within the window, oldest first (at most the limit). */
  failures: number[];
  /** ms; 0 = not locked */
  lockedUntil: number;
}

/** One kind of key (addresses or systemIds) with its own limit. */
class KeyTable {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly kind: Lockout['kind'],
    private readonly max: number,
    private readonly windowMs: number,
    private readonly lockoutMs: number,
    private readonly maxKeys: number,
  ) {}

  get enabled(): boolean {
    return this.max > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  locked(key: string, now: number): Lockout | null {
    const entry = this.entries.get(key);
    if (!entry || entry.lockedUntil <= now) return null;
    return lockout(this.kind, key, entry.lockedUntil, now);
  }

  /** Records a failure; returns the lock it started, if any. A key already locked stays as it is. */
  fail(key: string, now: number): Lockout | null {
    if (!this.enabled) return null;
    let entry = this.entries.get(key);
    if (entry && entry.lockedUntil > now) return null;
    if (!entry) {
      if (this.entries.size >= this.maxKeys) this.makeRoom(now);
      entry = { failures: [], lockedUntil: 0 };
    } else {
      // Re-inserted so that the map's order stays oldest-activity first (what makeRoom drops).
      this.entries.delete(key);
    }
    this.entries.set(key, entry);
    entry.lockedUntil = 0;
    const since = now - this.windowMs;
    entry.failures = entry.failures.filter((t) => t > since);
    entry.failures.push(now);
    if (entry.failures.length < this.max) return null;
    entry.failures = [];
    entry.lockedUntil = now + this.lockoutMs;
    return lockout(this.kind, key, entry.lockedUntil, now);
  }

  /** Forgets the key's failures (not a lock that is in force). */
  clear(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (entry && entry.lockedUntil <= now) this.entries.delete(key);
  }

  /**
   * Frees at least a tenth of the table, so that a flood of fresh keys costs one sweep per tenth
   * and not one per key: expired entries first, then the oldest unlocked ones, then the oldest.
   */
  private makeRoom(now: number): void {
    const since = now - this.windowMs;
    const target = Math.floor(this.maxKeys * 0.9);
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntil <= now && entry.failures.every((t) => t <= since)) this.entries.delete(key);
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= target) return;
      if (entry.lockedUntil <= now) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= target) return;
      this.entries.delete(key);
    }
  }
}

function lockout(kind: Lockout['kind'], key: string, until: number, now: number): Lockout {
  return { kind, key, until, retryAfterSec: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/** Counts failed logins and says which attempts are locked out. */
export class BruteForceLimiter {
  private readonly addresses: KeyTable;
  private readonly systemIds: KeyTable;

  constructor(
    readonly settings: BruteForceSettings,
    /** ms since the epoch. @defaultValue Date.now */
    private readonly now: () => number = Date.now,
    maxKeys = MAX_KEYS,
  ) {
    const windowMs = settings.windowSec * 1000;
    const lockoutMs = settings.lockoutSec * 1000;
    this.addresses = new KeyTable('address', settings.maxFailuresPerAddress, windowMs, lockoutMs, maxKeys);
    this.systemIds = new KeyTable('systemId', settings.maxFailuresPerSystemId, windowMs, lockoutMs, maxKeys);
  }

  /** Whether any limit is on. */
  get enabled(): boolean {
    return this.addresses.enabled || this.systemIds.enabled;
  }

  /** Keys remembered (for tests of the memory bound). */
  get size(): { addresses: number; systemIds: number } {
    return { addresses: this.addresses.size, systemIds: this.systemIds.size };
  }

  /** The lock in force for this attempt (the address's first), or null when it may be checked. */
  check(attempt: LoginAttempt): Lockout | null {
    const now = this.now();
    return this.addresses.locked(attempt.address, now) ?? (attempt.systemId ? this.systemIds.locked(attempt.systemId, now) : null);
  }

  /** Records a failed login. */
  failed(attempt: LoginAttempt): FailureOutcome {
    if (!this.enabled) return { lockouts: [], delayMs: 0 };
    const now = this.now();
    const lockouts = [this.addresses.fail(attempt.address, now), attempt.systemId ? this.systemIds.fail(attempt.systemId, now) : null].filter((l): l is Lockout => l !== null);
    return { lockouts, delayMs: this.settings.delayMs };
  }

  /** A successful login: the systemId's failures are forgotten (the address's stay counted). */
  succeeded(attempt: LoginAttempt): void {
    if (attempt.systemId) this.systemIds.clear(attempt.systemId, this.now());
  }
}
