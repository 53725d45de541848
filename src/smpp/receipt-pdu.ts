/**
 * The delivery receipt PDU (SPEC §3, SMPP 3.4 §2.11 and Appendix B): deliver_sm from the original
 * destination back to the original source, esm_class 0x04 (final) or 0x20 (intermediate), the
 * Appendix B text in plain ASCII with data_coding 0, and the TLVs receipted_message_id,
 * message_state and network_error_code.
 */
import { smsStatusInfo } from '../delivery/status.js';
import type { OwedReceipt } from '../store/smpp-receipts.js';
import { formatReceiptDate } from './smpp-time.js';

/** esm_class of an SMSC delivery receipt. */
const ESM_RECEIPT = 0x04;
/** esm_class of an intermediate delivery notification. */
const ESM_INTERMEDIATE = 0x20;
/** network_error_code type 3: GSM. */
const NETWORK_TYPE_GSM = 3;

/** The first 20 characters of the text, as printable ASCII ('?' for anything else). */
export function receiptText(text: string | null): string {
  if (!text) return '';
  let out = '';
  let n = 0;
  // By code point (for…of), so a character outside the BMP is one '?', as it is one character.
  for (const c of text) {
    if (n++ === 20) break;
    out += c >= ' ' && c <= '~' ? c : '?';
  }
  return out;
}

/** Appendix B: `id:… sub:001 dlvrd:001 submit date:… done date:… stat:… err:… text:…`. */
export function receiptBody(r: OwedReceipt): string {
  const { stat, success, final } = smsStatusInfo(r.status);
  const dlvrd = final && success ? '001' : '000';
  const err = String(r.errorCode % 1000).padStart(3, '0');
  return (
    `id:${r.messageId} sub:001 dlvrd:${dlvrd} submit date:${formatReceiptDate(r.submittedAt)} ` +
    `done date:${formatReceiptDate(r.occurredAt)} stat:${stat} err:${err} text:${receiptText(r.text)}`
  );
}

/** The deliver_sm fields for a receipt, in the `smpp` package's field names. */
export function receiptFields(r: OwedReceipt): Record<string, unknown> {
  const { final, messageState } = smsStatusInfo(r.status);
  return {
    service_type: '',
    source_addr_ton: r.destTon,
    source_addr_npi: r.destNpi,
    source_addr: r.destAddr,
    dest_addr_ton: r.sourceTon,
    dest_addr_npi: r.sourceNpi,
    destination_addr: r.sourceAddr,
    esm_class: final ? ESM_RECEIPT : ESM_INTERMEDIATE,
    data_coding: 0,
    short_message: Buffer.from(receiptBody(r), 'ascii'),
    receipted_message_id: r.messageId,
    message_state: messageState,
    network_error_code: Buffer.from([NETWORK_TYPE_GSM, (r.errorCode >> 8) & 0xff, r.errorCode & 0xff]),
  };
}

const DELIVER_SM = 0x00000005;

/**
 * The receipt as deliver_sm bytes (SMPP 3.4 §4.6.1), encoded by hand: one is written per
 * message on the hot path. Byte for byte what the `smpp` package makes of `receiptFields`.
 */
export function encodeReceipt(r: OwedReceipt, sequence: number): Buffer {
  // The fields of receiptFields, without building that object and its two Buffers per receipt.
  const { final, messageState } = smsStatusInfo(r.status);
  const text = Buffer.from(receiptBody(r), 'ascii');
  const src = Buffer.from(r.destAddr, 'latin1');
  const dst = Buffer.from(r.sourceAddr, 'latin1');
  const id = Buffer.from(r.messageId, 'latin1');
  const length =
    16 + // header
    1 + // service_type ""
    2 + src.length + 1 + // source ton, npi, addr
    2 + dst.length + 1 + // dest ton, npi, addr
    3 + // esm_class, protocol_id, priority_flag
    2 + // schedule_delivery_time "", validity_period ""
    4 + // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    1 + text.length + // sm_length, short_message
    4 + id.length + 1 + // receipted_message_id
    4 + 1 + // message_state
    4 + 3; // network_error_code
  const out = Buffer.alloc(length);
  let o = 0;
  o = out.writeUInt32BE(length, o);
  o = out.writeUInt32BE(DELIVER_SM, o);
  o = out.writeUInt32BE(0, o);
  o = out.writeUInt32BE(sequence >>> 0, o);
  o += 1; // service_type: empty C-Octet String
  out[o++] = r.destTon;
  out[o++] = r.destNpi;
  o += src.copy(out, o) + 1;
  out[o++] = r.sourceTon;
  out[o++] = r.sourceNpi;
  o += dst.copy(out, o) + 1;
  out[o++] = final ? ESM_RECEIPT : ESM_INTERMEDIATE;
  o += 2; // protocol_id 0, priority_flag 0
  o += 2; // schedule_delivery_time, validity_period: empty
  o += 2; // registered_delivery 0, replace_if_present_flag 0
  o += 2; // data_coding 0, sm_default_msg_id 0
  out[o++] = text.length;
  o += text.copy(out, o);
  o = out.writeUInt16BE(0x001e, o);
  o = out.writeUInt16BE(id.length + 1, o);
  o += id.copy(out, o) + 1;
  o = out.writeUInt16BE(0x0427, o);
  o = out.writeUInt16BE(1, o);
  out[o++] = messageState;
  o = out.writeUInt16BE(0x0423, o);
  o = out.writeUInt16BE(3, o);
  out[o++] = NETWORK_TYPE_GSM;
  out[o++] = (r.errorCode >> 8) & 0xff;
  out[o] = r.errorCode & 0xff;
  return out;
}
