/**
 * Who is signed in to the console, and CSRF protection.
 *
 * A sign-in makes a random session id; the browser keeps it in a signed cookie (HttpOnly,
 * SameSite=Strict), the database keeps only its SHA-256 (`console_sessions`), so sign-out and
 * expiry are real and survive restarts. Every visitor also gets a signed random CSRF seed in a
 * cookie of its own; every form carries the HMAC of that seed, and every POST is refused (403)
 * unless the two match and any Origin header names this server. That covers the sign-in form,
 * which is posted before there is a session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Account } from '../store/accounts.js';
import type { Store } from '../store/store.js';
import { cookie, CookieSigner, parseCookies } from './cookies.js';

export const SESSION_COOKIE = 'smscd_session';
export const CSRF_COOKIE = 'smscd_csrf';
const SECRET_KEY = 'console.secret';

/** The signed-in user: an account, or the operator (who sees every account). */
export type Viewer = { kind: 'account'; account: Account } | { kind: 'operator'; user: string };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Sessions and CSRF tokens of the console. */
export class ConsoleAuth {
  private readonly signer: CookieSigner;

  constructor(
    private readonly store: Store,
    private readonly operatorUser: string,
    private readonly sessionHours: number,
    private readonly secure: boolean,
  ) {
    let secret = store.settings.get(SECRET_KEY);
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      store.settings.set(SECRET_KEY, secret);
    }
    this.signer = new CookieSigner(secret);
  }

  /** The signed-in viewer of a request, or null. */
  viewer(request: FastifyRequest): Viewer | null {
    const signed = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const id = signed ? this.signer.unsign(signed) : null;
    if (!id) return null;
    const session = this.store.consoleSessions.byIdHash(sha256(id), Date.now());
    if (!session) return null;
    if (session.operator) return { kind: 'operator', user: this.operatorUser };
    const account = session.accountId === null ? undefined : this.store.accounts.byId(session.accountId);
    return account ? { kind: 'account', account } : null;
  }

  /** Starts a session for `viewer` and sets its cookie. */
  signIn(reply: FastifyReply, viewer: Viewer): void {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.store.consoleSessions.removeExpired(now);
    this.store.consoleSessions.add(sha256(id), {
      accountId: viewer.kind === 'account' ? viewer.account.id : null,
      operator: viewer.kind === 'operator',
      createdAt: now,
      expiresAt: now + this.sessionHours * 3_600_000,
    });
    reply.header('set-cookie', cookie(SESSION_COOKIE, this.signer.sign(id), { secure: this.secure, maxAgeSec: this.sessionHours * 3600 }));
  }

  /** Ends the request's session (if any) and clears its cookie. */
  signOut(request: FastifyRequest, reply: FastifyReply): void {
    const signed = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const id = signed ? this.signer.unsign(signed) : null;
    if (id) this.store.consoleSessions.remove(sha256(id));
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', { secure: this.secure, maxAgeSec: 0 }));
  }

  /**
   * The CSRF token for the forms of this response. A visitor without a (valid) seed cookie gets a
   * new seed; the cookie is appended to any other Set-Cookie of the response.
   */
  csrfToken(request: FastifyRequest, reply: FastifyReply): string {
    const signed = parseCookies(request.headers.cookie).get(CSRF_COOKIE);
    let seed = signed ? this.signer.unsign(signed) : null;
    if (!seed) {
      seed = randomBytes(18).toString('base64url');
      const had = reply.getHeader('set-cookie');
      const set = cookie(CSRF_COOKIE, this.signer.sign(seed), { secure: this.secure });
      reply.header('set-cookie', had === undefined ? set : [...(Array.isArray(had) ? had : [String(had)]), set]);
      // Later forms of the same response use the same seed.
      request.headers.cookie = `${request.headers.cookie ? `${request.headers.cookie}; ` : ''}${CSRF_COOKIE}=${encodeURIComponent(this.signer.sign(seed))}`;
    }
    return this.signer.csrfToken(seed);
  }

  /** Refuses (403) a POST whose CSRF token does not match its seed cookie, or whose Origin is another site's. */
  checkCsrf(request: FastifyRequest, token: string): void {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      let host: string | null = null;
      try {
        host = new URL(origin).host;
      } catch {
        host = null;
      }
      if (host !== request.headers.host) throw new HttpError(403, 'csrf', `this form was posted from another site (${origin})`);
    }
    const signed = parseCookies(request.headers.cookie).get(CSRF_COOKIE);
    const seed = signed ? this.signer.unsign(signed) : null;
    if (!seed || !token || !this.signer.csrfMatches(seed, token)) {
      throw new HttpError(403, 'csrf', 'the form was missing its security token or it has expired: reload the page and send it again');
    }
  }
}
