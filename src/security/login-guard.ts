/**
 * The brute-force limiter as one interface (SMPP, API, e-mail) uses it: refuses locked attempts
 * before any password is checked, and for each failure counts it, logs a lock that it starts
 * (systemId and remote address, never the password) and holds the failure answer back with a
 * timer, never by blocking the event loop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { BruteForceLimiter, Lockout, LoginAttempt } from './brute-force-limiter.js';

/** The interfaces that authenticate clients (the `interface` label of the auth metrics). */
export type LoginInterface = 'smpp' | 'api' | 'email' | 'console';

/** The text every interface answers a locked attempt with. */
export function lockoutText(lock: Lockout): string {
  return `too many failed attempts, try again in ${lock.retryAfterSec} s`;
}

/** Brute-force protection for one interface. */
export class LoginGuard {
  constructor(
    private readonly limiter: BruteForceLimiter,
    private readonly iface: LoginInterface,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** The lock in force for this attempt, or null; the caller refuses without checking the password. */
  locked(attempt: LoginAttempt): Lockout | null {
    return this.limiter.check(attempt);
  }

  /** Records a failed login; resolves once the failure answer may be sent. */
  async failed(attempt: LoginAttempt): Promise<void> {
    const outcome = this.limiter.failed(attempt);
    this.metrics.authFailures.inc({ interface: this.iface });
    for (const lock of outcome.lockouts) {
      this.metrics.authLockouts.inc({ interface: this.iface });
      this.log.warn(
        { interface: this.iface, lockedBy: lock.kind, systemId: attempt.systemId ?? null, remoteAddress: attempt.address, lockoutSec: lock.retryAfterSec },
        `too many failed logins: ${lock.kind === 'address' ? 'remote address' : 'systemId'} locked out`,
      );
    }
    if (outcome.delayMs > 0) await sleep(outcome.delayMs);
  }

  /** A successful login (clears the systemId's failures). */
  succeeded(attempt: LoginAttempt): void {
    this.limiter.succeeded(attempt);
  }
}
