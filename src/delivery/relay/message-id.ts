/**
 * Upstream message id normalisation (SPEC §4 relay; notes/references.md "id format mismatches").
 * Upstreams write the same id in different forms in submit_sm_resp, in the receipt text and in
 * receipted_message_id: hex in one place and decimal in another, upper or lower case, with or
 * without leading zeros. Each form is turned into one key, the one the id mapping is stored under.
 */
import type { MessageIdFormat } from '../../config/schema.js';

/** A message id that cannot be read in the configured format. */
export class MessageIdFormatError extends Error {
  constructor(
    readonly raw: string,
    readonly format: MessageIdFormat,
  ) {
    super(`upstream message id ${JSON.stringify(raw)} is not ${format === 'hex' ? 'hexadecimal' : 'decimal'}`);
    this.name = 'MessageIdFormatError';
  }
}

/** Longest id SMPP 3.4 allows (65 octets with the NUL). */
const MAX_ID = 64;

/**
 * The key an upstream id is stored and matched under:
 * - `as-is`: the id itself (surrounding white space removed), case and zeros kept;
 * - `hex` / `decimal`: the number it denotes, written in decimal without leading zeros, so
 *   "00001A2F", "1a2f" (hex) and "6703" (decimal) all give "6703".
 * Throws MessageIdFormatError when the id is empty, too long, or not a number in that format.
 */
export function normaliseMessageId(raw: string, format: MessageIdFormat): string {
  const id = raw.trim();
  if (id.length === 0 || id.length > MAX_ID) throw new MessageIdFormatError(raw, format);
  switch (format) {
    case 'as-is':
      return id;
    case 'hex':
      if (!/^(0x)?[0-9a-f]+$/i.test(id)) throw new MessageIdFormatError(raw, format);
      return BigInt(id.toLowerCase().startsWith('0x') ? id : `0x${id}`).toString(10);
    case 'decimal':
      if (!/^[0-9]+$/.test(id)) throw new MessageIdFormatError(raw, format);
      return BigInt(id).toString(10);
  }
}
