/**
 * Reading an upstream's delivery receipt (SMPP 3.4 §2.11, Appendix B; SPEC §2 statuses): the
 * status, error and id from the TLVs when present, else from the `id:… stat:… err:…` text.
 */

/** The fields of an Appendix B receipt text that the relay uses; absent ones are undefined. */
export interface ReceiptTextFields {
  id?: string;
  stat?: string;
  err?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
}

/**
 * Parses `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`. Field names are
 * matched case-insensitively, in any order, and missing fields are allowed: upstreams differ.
 * Everything after `text:` is ignored (it may contain anything, including "stat:").
 */
export function parseReceiptText(text: string): ReceiptTextFields {
  const head = text.split(/\btext:/i)[0] ?? '';
  const out: ReceiptTextFields = {};
  const re = /(id|sub|dlvrd|submit date|done date|stat|err):\s*(\S*)/gi;
  for (let m = re.exec(head); m !== null; m = re.exec(head)) {
    const value = m[2]!;
    switch (m[1]!.toLowerCase()) {
      case 'id':
        out.id ??= value;
        break;
      case 'dlvrd':
        out.dlvrd ??= value;
        break;
      case 'submit date':
        out.submitDate ??= value;
        break;
      case 'done date':
        out.doneDate ??= value;
        break;
      case 'stat':
        out.stat ??= value;
        break;
      case 'err':
        out.err ??= value;
        break;
    }
  }
  return out;
}

/** Appendix B `stat:` words → our statuses (SPEC §2). Some SMSCs write variants; those are listed too. */
const STAT_WORDS: Record<string, string> = {
  DELIVRD: 'delivered',
  DELIVERED: 'delivered',
  UNDELIV: 'undelivered',
  UNDELIVERABLE: 'undelivered',
  EXPIRED: 'expired',
  DELETED: 'deleted',
  ACCEPTD: 'accepted',
  ACCEPTED: 'accepted',
  REJECTD: 'rejected',
  REJECTED: 'rejected',
  ENROUTE: 'enroute',
  UNKNOWN: 'unknown',
  SCHEDULED: 'enroute',
  SKIPPED: 'rejected',
};

/** Our status for a `stat:` word, or undefined when the word is not one we know. */
export function statusFromStat(word: string): string | undefined {
  return STAT_WORDS[word.trim().toUpperCase()];
}

/** SMPP message_state (3.4 §5.2.28; 5.0 adds 0 SCHEDULED, 9 SKIPPED) → our status. */
const MESSAGE_STATES: Record<number, string> = {
  0: 'enroute',
  1: 'enroute',
  2: 'delivered',
  3: 'expired',
  4: 'deleted',
  5: 'undelivered',
  6: 'accepted',
  7: 'unknown',
  8: 'rejected',
  9: 'rejected',
};

/** Our status for a message_state value, or undefined. */
export function statusFromMessageState(state: number): string | undefined {
  return MESSAGE_STATES[state];
}

/** What the relay takes from one upstream receipt. */
export interface UpstreamReceipt {
  /** The id as the upstream wrote it, and where it was found. */
  rawId: string;
  idSource: 'tlv' | 'text';
  status: string;
  errorCode: number;
}

/** The parts of a decoded deliver_sm the reading needs. */
export interface ReceiptInput {
  esmClass: number;
  text: string;
  receiptedMessageId?: string;
  messageState?: number;
  /** network_error_code: [type, code high octet, code low octet] */
  networkErrorCode?: Buffer;
}

/** esm_class message type bits (SMPP 3.4 §5.2.12): 0x04 SMSC delivery receipt, 0x20 intermediate notification. */
const ESM_TYPE_MASK = 0x3c;
const ESM_RECEIPT = 0x04;
const ESM_INTERMEDIATE = 0x20;

/** Whether a deliver_sm is a receipt or an intermediate notification (and not an MO message). */
export function isReceipt(esmClass: number): boolean {
  const type = esmClass & ESM_TYPE_MASK;
  return type === ESM_RECEIPT || type === ESM_INTERMEDIATE;
}

/**
 * Reads a receipt; returns a reason string instead when it cannot be used (no id, no status).
 * TLVs win over the text: they are typed, the text is free-form.
 */
export function readReceipt(input: ReceiptInput): UpstreamReceipt | string {
  const text = parseReceiptText(input.text);
  const tlvId = input.receiptedMessageId?.trim();
  const rawId = tlvId ? tlvId : text.id;
  if (!rawId) return 'no receipted_message_id and no id: in the text';
  let status = input.messageState !== undefined ? statusFromMessageState(input.messageState) : undefined;
  status ??= text.stat !== undefined ? statusFromStat(text.stat) : undefined;
  if (status === undefined && (input.esmClass & ESM_TYPE_MASK) === ESM_INTERMEDIATE) status = 'enroute';
  if (status === undefined) return `unknown status (message_state ${String(input.messageState)}, stat ${JSON.stringify(text.stat)})`;
  let errorCode = 0;
  const nec = input.networkErrorCode;
  if (nec && nec.length >= 3) errorCode = (nec[1]! << 8) | nec[2]!;
  else if (text.err !== undefined && /^[0-9]{1,5}$/.test(text.err)) errorCode = Number(text.err);
  return { rawId, idSource: tlvId ? 'tlv' : 'text', status, errorCode };
}
