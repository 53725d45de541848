/**
 * Standard Webhooks request signatures (SPEC §5 http; https://www.standardwebhooks.com):
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
 * base64-decoded part of a `whsec_<base64>` secret.
 */
import { createHmac } from 'node:crypto';

/** The prefix that marks a Standard Webhooks secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The HMAC key inside a `whsec_<base64>` secret; throws if `secret` is not one (it would sign with garbage). */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error(`a webhook secret starts with "${WEBHOOK_SECRET_PREFIX}"`);
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips characters it does not know; a typo must not become another key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
    throw new Error(`the part after "${WEBHOOK_SECRET_PREFIX}" of a webhook secret is base64`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('a webhook secret is not empty');
  return key;
}

/** The `webhook-signature` value (`v1,<base64>`) for one request; throws if `secret` is not a `whsec_` secret. */
export function signWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestampSec}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}
