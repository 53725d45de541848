/**
 * Signed cookies: `value.signature`, the signature an HMAC-SHA256 of the value with the console's
 * secret (stored once in `settings`), so a cookie the server did not set is ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs and checks cookie values, and derives CSRF tokens, with one secret. */
export class CookieSigner {
  constructor(private readonly secret: string) {}

  private mac(value: string): string {
    return createHmac('sha256', this.secret).update(value).digest('base64url');
  }

  sign(value: string): string {
    return `${value}.${this.mac(value)}`;
  }

  /** The value of a signed cookie, or null when the signature does not match. */
  unsign(signed: string): string | null {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1));
    const expected = Buffer.from(this.mac(value));
    return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
  }

  /** The CSRF token of a visitor's CSRF seed: forms carry it, the seed travels in a cookie. */
  csrfToken(seed: string): string {
    return this.mac(`csrf:${seed}`);
  }

  /** Whether `token` is the CSRF token of `seed`, in constant time. */
  csrfMatches(seed: string, token: string): boolean {
    const given = Buffer.from(token);
    const expected = Buffer.from(this.csrfToken(seed));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** The cookies of a request's Cookie header. Malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    try {
      out.set(name, decodeURIComponent(pair.slice(eq + 1).trim()));
    } catch {
      // a value that is not valid percent-encoding is not one of ours
    }
  }
  return out;
}

/** A Set-Cookie value for the console: HttpOnly, SameSite=Strict, path /console, Secure over HTTPS. */
export function cookie(name: string, value: string, options: { secure: boolean; maxAgeSec?: number }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${options.maxAgeSec}`);
  return parts.join('; ');
}
