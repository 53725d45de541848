/**
 * How an API text becomes SMS (3GPP 23.038/23.040): GSM 7-bit when every character fits, else
 * UCS2; one SMS holds 160 septets or 70 UCS2 characters, a part of a long message 153 or 67
 * (the concatenation header takes the rest).
 */
import { encodeGsm7, encodeUcs2, gsm7Septets } from '../smpp/text.js';

/** A text encoded for SMS. */
export interface SmsText {
  dataCoding: 0 | 8;
  body: Buffer;
  /** SMS it takes on air */
  parts: number;
}

/** Encodes a text and counts its parts. */
export function smsText(text: string): SmsText {
  const septets = gsm7Septets(text);
  if (septets !== null) {
    return { dataCoding: 0, body: encodeGsm7(text)!, parts: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = text.length; // UTF-16 code units = UCS2 characters on air (surrogate pairs take two)
  return { dataCoding: 8, body: encodeUcs2(text), parts: units <= 70 ? 1 : Math.ceil(units / 67) };
}
