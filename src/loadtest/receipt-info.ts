/**
 * What a load client reads from a delivery receipt (SMPP 3.4 §2.11, §5.2.12 and Appendix B): the
 * message id it is for, its stat, and whether it is final. Only SMPP 3.4 is assumed: the
 * receipted_message_id TLV is optional, so the Appendix B text is the fallback for everything.
 */
import { Tlv, type Pdu } from '../smpp/pdu-codec.js';

/** esm_class bits 2–5: the message type (SMPP 3.4 §5.2.12). */
const ESM_TYPE_MASK = 0x3c;
/** esm_class message type: SMSC delivery receipt. */
const ESM_DELIVERY_RECEIPT = 0x04;
/** esm_class message type: SME delivery acknowledgement. */
const ESM_DELIVERY_ACK = 0x08;
/** esm_class message type: SME manual/user acknowledgement. */
const ESM_USER_ACK = 0x10;
/** esm_class message type: intermediate delivery notification. */
const ESM_INTERMEDIATE = 0x20;

/** message_state TLV values (SMPP 3.4 §5.3.2.35) → the Appendix B stat that names them. */
const STAT_OF_STATE: Readonly<Record<number, string>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** The start of an Appendix B receipt text: an id, then a stat further on. */
const APPENDIX_B = /^id:\S+\s.*\bstat:\S+/s;

/** The stat counted for a receipt that carries neither `stat:` nor message_state. */
export const NO_STAT = '(none)';

/** A deliver_sm (or data_sm) as a load client sees it. */
export interface ReceiptInfo {
  /** False for a mobile-originated message or anything else that is not a receipt. */
  isReceipt: boolean;
  /** The id of the receipted message as the SMSC wrote it, or null when it has none. */
  messageId: string | null;
  /** Appendix B `stat:` (DELIVRD, UNDELIV, …), else the name of message_state, else NO_STAT. */
  stat: string;
  /** False for an intermediate notification (esm_class 0x20, or stat ENROUTE). */
  final: boolean;
}

/** Reads a deliver_sm or data_sm as pdu-codec decoded it. */
export function parseReceipt(pdu: Pdu): ReceiptInfo {
  const esmClass = typeof pdu.fields['esm_class'] === 'number' ? pdu.fields['esm_class'] : 0;
  const type = esmClass & ESM_TYPE_MASK;
  const dataCoding = typeof pdu.fields['data_coding'] === 'number' ? pdu.fields['data_coding'] : 0;
  const shortMessage = pdu.fields['short_message'];
  const text = octetsText(Buffer.isBuffer(shortMessage) ? shortMessage : undefined, dataCoding) || octetsText(pdu.tlvs.get(Tlv.message_payload), dataCoding);
  const tlvId = cString(pdu.tlvs.get(Tlv.receipted_message_id));
  // Some SMSCs mark receipts only by the TLV or the Appendix B text, with esm_class 0.
  const isReceipt =
    type === ESM_DELIVERY_RECEIPT ||
    type === ESM_DELIVERY_ACK ||
    type === ESM_USER_ACK ||
    type === ESM_INTERMEDIATE ||
    tlvId !== null ||
    APPENDIX_B.test(text);
  const state = pdu.tlvs.get(Tlv.message_state);
  const stat = /(?:^|\s)stat:(\S+)/.exec(text)?.[1] ?? statOfState(state?.length === 1 ? state[0] : undefined);
  return {
    isReceipt,
    messageId: isReceipt ? (tlvId || (/(?:^|\s)id:(\S+)/.exec(text)?.[1] ?? null)) : null,
    stat,
    final: type !== ESM_INTERMEDIATE && stat !== 'ENROUTE',
  };
}

/**
 * Receipt text is ASCII (Appendix B) in every single-octet coding; in UCS2 (data_coding 8) its
 * octets are UTF-16BE.
 */
function octetsText(octets: Buffer | undefined, dataCoding: number): string {
  if (octets === undefined || octets.length === 0) return '';
  if (dataCoding !== 8) return octets.toString('latin1');
  const swapped = Buffer.from(octets.subarray(0, octets.length & ~1));
  return swapped.swap16().toString('utf16le');
}

/** A C-Octet String TLV value without its NUL (some SMSCs leave it out); null when absent or empty. */
function cString(value: Buffer | undefined): string | null {
  if (value === undefined) return null;
  const end = value.indexOf(0);
  const text = value.toString('latin1', 0, end < 0 ? value.length : end);
  return text === '' ? null : text;
}

function statOfState(state: number | undefined): string {
  return state === undefined ? NO_STAT : (STAT_OF_STATE[state] ?? NO_STAT);
}
