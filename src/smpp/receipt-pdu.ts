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
  return Array.from(text)
    .slice(0, 20)
    .map((c) => (c >= ' ' && c <= '~' ? c : '?'))
    .join('');
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
