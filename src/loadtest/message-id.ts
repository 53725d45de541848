/**
 * Message id comparison for receipts. SMPP 3.4 §5.2.23 makes message_id an opaque C-string, but
 * SMSCs disagree with themselves about how they write it: case and leading zeros change between
 * the submit_sm_resp and the receipt, and some write it in hex in one place and in decimal in the
 * other (Kannel's `msg-id-type` exists for exactly that).
 */

/** An id made only of hex digits (decimal ids are a subset). */
const HEX_DIGITS = /^[0-9a-f]+$/i;
const DECIMAL_DIGITS = /^[0-9]+$/;

/** How a receipt may write an id differently from its submit_sm_resp. */
export type IdConversion = 'decimalToHex' | 'hexToDecimal';

/**
 * The key a message id is matched by: an id of hex digits only is compared case-insensitively and
 * without leading zeros; any other id is opaque and compared as it is.
 */
export function messageIdKey(id: string): string {
  if (!HEX_DIGITS.test(id)) return id;
  return id.replace(/^0+(?=.)/, '').toLowerCase();
}

/**
 * The key of `id` read in the other base: `decimalToHex` reads a decimal id and gives the key of
 * the same number in hex, `hexToDecimal` the reverse; null when `id` is not in the base read.
 */
export function convertMessageId(id: string, conversion: IdConversion): string | null {
  if (conversion === 'decimalToHex') return DECIMAL_DIGITS.test(id) ? BigInt(id).toString(16) : null;
  return HEX_DIGITS.test(id) ? BigInt(`0x${id}`).toString(10) : null;
}

/** The conversion that undoes `conversion` (to look up a receipt from its submit_sm_resp's id). */
export function reverseConversion(conversion: IdConversion): IdConversion {
  return conversion === 'decimalToHex' ? 'hexToDecimal' : 'decimalToHex';
}
