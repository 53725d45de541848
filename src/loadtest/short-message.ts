/**
 * The short_message a load test sends, encoded here with an explicit data_coding rather than by
 * the `smpp` package (whose 'ASCII' is really GSM and which mislabels it; see the package notes).
 */
import { UsageError } from '../errors.js';
import { encodeGsm7, encodeUcs2 } from '../smpp/text.js';

/** The data_coding values the load test can encode (SMPP 3.4 §5.2.19), by the names `--data-coding` accepts. */
export const DATA_CODINGS: Readonly<Record<string, number>> = {
  gsm: 0,
  default: 0,
  ascii: 1,
  ia5: 1,
  latin1: 3,
  ucs2: 8,
};

/** Most octets of short_message (SMPP 3.4 §5.2.22: sm_length is at most 254). */
const MAX_SHORT_MESSAGE_OCTETS = 254;

/** A data_coding given as a number (0, 1, 3, 8) or a name from DATA_CODINGS; a UsageError otherwise. */
export function parseDataCoding(value: number | string): number {
  const text = String(value).trim().toLowerCase();
  const code = /^\d+$/.test(text) ? Number(text) : DATA_CODINGS[text];
  if (code === undefined || !Object.values(DATA_CODINGS).includes(code)) {
    throw new UsageError(`--data-coding must be 0 (gsm), 1 (ascii), 3 (latin1) or 8 (ucs2), not "${String(value)}".`);
  }
  return code;
}

/** The octets of `text` in `dataCoding` (0 GSM 7-bit unpacked, 1 ASCII, 3 Latin-1, 8 UCS2); a UsageError when it does not fit. */
export function encodeShortMessage(text: string, dataCoding: number): Buffer {
  let octets: Buffer | null;
  switch (dataCoding) {
    case 0:
      octets = encodeGsm7(text);
      break;
    case 1:
      octets = /^[\x00-\x7f]*$/.test(text) ? Buffer.from(text, 'latin1') : null;
      break;
    case 3:
      octets = /^[\x00-\xff]*$/.test(text) ? Buffer.from(text, 'latin1') : null;
      break;
    case 8:
      octets = encodeUcs2(text);
      break;
    default:
      throw new UsageError(`--data-coding ${dataCoding} is not one the load test can encode.`);
  }
  if (octets === null) throw new UsageError(`--text has characters that data_coding ${dataCoding} cannot encode; try --data-coding ucs2.`);
  if (octets.length > MAX_SHORT_MESSAGE_OCTETS) {
    throw new UsageError(`--text is ${octets.length} octets in data_coding ${dataCoding}; short_message holds at most ${MAX_SHORT_MESSAGE_OCTETS}.`);
  }
  return octets;
}
