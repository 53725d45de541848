/**
 * Password and token hashing. Passwords: scrypt with a per-account random salt, stored as
 * `scrypt$N$r$p$salt$hash`. API tokens are long random strings, so a SHA-256 digest suffices.
 */
import { createHash, randomBytes, randomInt, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** Hashes a password for storage. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks a password against a stored hash without blocking the event loop. */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return Promise.resolve(false);
  const expected = Buffer.from(hash, 'base64');
  return new Promise((resolve) => {
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, (err, key) => {
      resolve(!err && key.length === expected.length && timingSafeEqual(key, expected));
    });
  });
}

/** A new random password of `length` characters from an unambiguous alphabet. */
export function generatePassword(length = 8): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A new API token (shown once) and the digest that is stored. */
export function generateApiToken(): { token: string; hash: string } {
  const token = `smscd_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashApiToken(token) };
}

/** The stored form of an API token. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
