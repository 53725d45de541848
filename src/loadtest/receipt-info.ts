/**
 * What a load client reads from a delivery receipt (SMPP 3.4 §2.11, §5.2.12 and Appendix B): the
 * message id it is for, its stat, and whether it is final. Only SMPP 3.4 is assumed: the
 * receipted_message_id TLV is optional, so the Appendix B text is the fallback for everything.
 */
import type smpp from 'smpp';

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

/** Reads a decoded deliver_sm or data_sm. */
export function parseReceipt(pdu: smpp.PDU): ReceiptInfo {
  const esmClass = typeof pdu['esm_class'] === 'number' ? pdu['esm_class'] : 0;
  const type = esmClass & ESM_TYPE_MASK;
  const text = shortMessageText(pdu['short_message']) || shortMessageText(pdu['message_payload']);
  // Some SMSCs mark receipts only by the TLV or the Appendix B text, with esm_class 0.
  const isReceipt =
    type === ESM_DELIVERY_RECEIPT ||
    type === ESM_DELIVERY_ACK ||
    type === ESM_USER_ACK ||
    type === ESM_INTERMEDIATE ||
    typeof pdu['receipted_message_id'] === 'string' ||
    APPENDIX_B.test(text);
  const stat = /(?:^|\s)stat:(\S+)/.exec(text)?.[1] ?? statOfState(pdu['message_state']);
  return {
    isReceipt,
    messageId: isReceipt ? receiptId(pdu, text) : null,
    stat,
    final: type !== ESM_INTERMEDIATE && stat !== 'ENROUTE',
  };
}

/** The receipted_message_id TLV, else `id:` of the Appendix B text, else null. */
export function receiptId(pdu: smpp.PDU, text: string): string | null {
  const tlv = pdu['receipted_message_id'];
  if (typeof tlv === 'string' && tlv.length > 0) return tlv;
  const match = /(?:^|\s)id:(\S+)/.exec(text);
  return match ? match[1]! : null;
}

/** short_message (or message_payload) as text; the `smpp` package decodes it to `{ message }`, or leaves a Buffer. */
export function shortMessageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'object' && value !== null) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Buffer.isBuffer(message)) return message.toString('latin1');
  }
  return '';
}

function statOfState(state: unknown): string {
  return typeof state === 'number' ? (STAT_OF_STATE[state] ?? NO_STAT) : NO_STAT;
}
