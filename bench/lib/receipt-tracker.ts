// Matches delivery receipts (deliver_sm) to the message ids of accepted submits, for the receipt
// benchmark: how many arrived, when, which came twice, which matched nothing, and whether they
// say what the server was told to simulate (stat:DELIVRD, message_state 2, esm_class 0x04).
import type smpp from 'smpp';

/** message_state DELIVERED. */
const DELIVERED = 2;
/** esm_class message type: SMSC delivery receipt. */
const ESM_RECEIPT = 0x04;

export interface ReceiptCounts {
  /** submit_sm_resp OK seen (receipts expected). */
  expected: number;
  /** Receipts matched to an accepted message, each message counted once. */
  matched: number;
  /** Receipts for a message that already had one. */
  duplicates: number;
  /** Receipts whose id matches no accepted message (so far). */
  unmatched: number;
  /** Receipts without a receipted_message_id TLV and without `id:` in the text. */
  withoutId: number;
  /** Matched receipts that are not a final DELIVRD receipt (esm_class, message_state or stat). */
  notDelivered: number;
  /** performance.now() of the first and the last matched receipt. */
  firstAt: number | null;
  lastAt: number | null;
}

/** Result of waiting for the receipts. */
export interface WaitResult {
  complete: boolean;
  /** Why it stopped waiting when not complete. */
  reason?: string;
}

export class ReceiptTracker {
  /** Accepted message ids → whether their receipt came. */
  private readonly owed = new Map<string, boolean>();
  /** Receipts that came before their submit_sm_resp was seen (possible across binds). */
  private readonly early = new Set<string>();
  private counts = { matched: 0, duplicates: 0, withoutId: 0, notDelivered: 0 };
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private lastProgressAt = performance.now();
  private waiter: (() => void) | null = null;

  /** Call with every submit_sm_resp. */
  accepted(pdu: smpp.PDU): void {
    this.lastProgressAt = performance.now();
    if (pdu.command_status !== 0) return;
    const id = String(pdu['message_id'] ?? '');
    if (this.early.delete(id)) {
      this.owed.set(id, true);
      this.counts.matched += 1;
      this.wake();
    } else {
      this.owed.set(id, false);
    }
  }

  /** Call with every deliver_sm. */
  receipt(pdu: smpp.PDU): void {
    const now = performance.now();
    this.lastProgressAt = now;
    const text = messageText(pdu['short_message']);
    const id = receiptId(pdu, text);
    if (id === null) {
      this.counts.withoutId += 1;
      return;
    }
    const state = this.owed.get(id);
    if (state === true || this.early.has(id)) {
      this.counts.duplicates += 1;
      return;
    }
    if (!isFinalDelivered(pdu, text)) this.counts.notDelivered += 1;
    this.firstAt ??= now;
    this.lastAt = now;
    if (state === undefined) {
      this.early.add(id);
      return;
    }
    this.owed.set(id, true);
    this.counts.matched += 1;
    this.wake();
  }

  snapshot(): ReceiptCounts {
    return {
      expected: this.owed.size,
      ...this.counts,
      unmatched: this.early.size,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }

  /** Resolves once `expected` receipts matched, or when nothing happened for `stallMs`. */
  waitFor(expected: number, stallMs: number): Promise<WaitResult> {
    // The stall clock starts now: time spent before the wait (e.g. binding) is not a stall.
    this.lastProgressAt = performance.now();
    return new Promise<WaitResult>((resolve) => {
      const check = setInterval(() => {
        const idle = performance.now() - this.lastProgressAt;
        if (idle > stallMs) done({ complete: false, reason: `no receipt for ${Math.round(idle / 1000)} s` });
      }, 250);
      const done = (result: WaitResult): void => {
        clearInterval(check);
        this.waiter = null;
        resolve(result);
      };
      this.waiter = () => {
        if (this.counts.matched >= expected) done({ complete: true });
      };
      this.waiter();
    });
  }

  private wake(): void {
    this.waiter?.();
  }
}

function isFinalDelivered(pdu: smpp.PDU, text: string): boolean {
  const esm = typeof pdu['esm_class'] === 'number' ? pdu['esm_class'] : -1;
  return (esm & 0x3c) === ESM_RECEIPT && pdu['message_state'] === DELIVERED && /\bstat:DELIVRD\b/.test(text);
}

/** The receipted_message_id TLV, else `id:` of the Appendix B text, else null. */
function receiptId(pdu: smpp.PDU, text: string): string | null {
  const tlv = pdu['receipted_message_id'];
  if (typeof tlv === 'string' && tlv.length > 0) return tlv;
  const match = /(?:^|\s)id:(\S+)/.exec(text);
  return match ? match[1]! : null;
}

/** short_message as text; the `smpp` package decodes it to `{ message }`, or leaves a Buffer. */
function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'object' && value !== null) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Buffer.isBuffer(message)) return message.toString('latin1');
  }
  return '';
}
