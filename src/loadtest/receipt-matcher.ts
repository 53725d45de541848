/**
 * Matches delivery receipts to accepted messages for the load test, with memory bounded by what
 * is in flight: an id is held while its receipt is awaited, then only in a bounded set of recently
 * finished ids (to tell duplicates and late receipts from unmatched ones).
 */
import { convertMessageId, messageIdKey, reverseConversion, type IdConversion } from './message-id.js';
import type { ReceiptInfo } from './receipt-info.js';

/** How much the matcher remembers beyond the awaited ids. */
export interface MatcherLimits {
  /**
   * Finished ids kept to recognise duplicate and late receipts; older ones are forgotten, so a
   * duplicate of one of them counts as unmatched.
   * @defaultValue 100000
   */
  recent?: number;
  /**
   * Receipts kept that came before their submit_sm_resp (possible across binds); the oldest is
   * counted as unmatched when there are more.
   * @defaultValue 10000
   */
  early?: number;
}

/** What the matcher counted. */
export interface ReceiptCounts {
  /** Receipts matched to an accepted message (duplicates excluded), by stat. */
  byStat: Record<string, number>;
  /** Messages whose final receipt came (each once, late ones included). */
  finals: number;
  /** Matched intermediate notifications (ENROUTE, esm_class 0x20). */
  intermediates: number;
  /** Final receipts for a message that already had one. */
  duplicates: number;
  /** Receipts that came after their message stopped being awaited (the receipt timeout passed). */
  late: number;
  /** Receipts that matched no accepted message, those without an id included. */
  unmatched: number;
  /** Receipts with neither a receipted_message_id TLV nor `id:` in the text. */
  withoutId: number;
  /** Awaited messages whose receipt timeout passed without a final receipt. */
  expired: number;
}

/** A receipt that came before its submit_sm_resp. */
interface EarlyReceipt {
  stat: string;
  final: boolean;
  /** performance.now() when it came. */
  at: number;
}

/** State of a finished id. */
type Finished = 'received' | 'expired';

const DEFAULT_RECENT = 100_000;
const DEFAULT_EARLY = 10_000;

/** The receipt book-keeping of one load test run. */
export class ReceiptMatcher {
  /** Key → performance.now() when its submit_sm was sent; in acceptance order. */
  private readonly awaiting = new Map<string, number>();
  private readonly recent = new Map<string, Finished>();
  private readonly early = new Map<string, EarlyReceipt[]>();
  private earlyCount = 0;
  /**
   * How receipts write ids differently: undefined until the first match decides it, null when they
   * write them the same way (after case and leading zeros). Deciding once keeps sequential decimal
   * ids from ever being read as hex.
   */
  private conversion: IdConversion | null | undefined = undefined;
  private readonly byStat: Record<string, number> = {};
  private counts = { finals: 0, intermediates: 0, duplicates: 0, late: 0, unmatched: 0, withoutId: 0, expired: 0 };
  private readonly recentLimit: number;
  private readonly earlyLimit: number;

  constructor(limits: MatcherLimits = {}) {
    this.recentLimit = limits.recent ?? DEFAULT_RECENT;
    this.earlyLimit = limits.early ?? DEFAULT_EARLY;
  }

  /** Messages whose final receipt is still awaited. */
  get awaitingCount(): number {
    return this.awaiting.size;
  }

  /**
   * Awaits the receipt of an accepted message. Returns the submit-to-receipt latencies (ms) of
   * final receipts for it that had already come.
   */
  accepted(messageId: string, sentAt: number): number[] {
    const key = messageIdKey(messageId);
    // An SMSC may reuse ids (a counter that wrapped): the new message is not a duplicate.
    this.recent.delete(key);
    this.awaiting.set(key, sentAt);
    const alternative = this.conversion ? convertMessageId(key, reverseConversion(this.conversion)) : null;
    const early = this.takeEarly(key) ?? (alternative === null ? undefined : this.takeEarly(alternative));
    if (!early) return [];
    const latencies: number[] = [];
    for (const receipt of early) {
      const latency = this.match(key, receipt.stat, receipt.final, receipt.at);
      if (latency !== null) latencies.push(latency);
    }
    return latencies;
  }

  /** Counts a receipt. Returns the submit-to-receipt latency (ms) when it is the first final receipt of an awaited message. */
  receipt(info: ReceiptInfo, at: number): number | null {
    if (info.messageId === null) {
      this.counts.withoutId += 1;
      this.counts.unmatched += 1;
      return null;
    }
    const key = this.find(info.messageId);
    if (key !== null) return this.match(key, info.stat, info.final, at);
    this.keepEarly(messageIdKey(info.messageId), { stat: info.stat, final: info.final, at });
    return null;
  }

  /** Stops awaiting the messages sent before `sentBefore` (performance.now()); returns how many. */
  expire(sentBefore: number): number {
    let n = 0;
    // Acceptance order is close to send order; stopping at the first younger entry keeps this
    // O(expired), at the cost of an entry waiting one sweep longer when responses came out of order.
    for (const [key, sentAt] of this.awaiting) {
      if (sentAt >= sentBefore) break;
      this.awaiting.delete(key);
      this.remember(key, 'expired');
      n += 1;
    }
    this.counts.expired += n;
    return n;
  }

  /** The counts so far; receipts still held as early count as unmatched. */
  snapshot(): ReceiptCounts {
    return { byStat: { ...this.byStat }, ...this.counts, unmatched: this.counts.unmatched + this.earlyCount };
  }

  /** The key under which `messageId` is awaited or finished, or null. */
  private find(messageId: string): string | null {
    const key = messageIdKey(messageId);
    if (this.known(key)) {
      this.conversion ??= null;
      return key;
    }
    if (this.conversion === null) return null;
    const candidates: IdConversion[] = this.conversion ? [this.conversion] : ['decimalToHex', 'hexToDecimal'];
    for (const conversion of candidates) {
      const alternative = convertMessageId(messageId, conversion);
      if (alternative !== null && alternative !== key && this.known(alternative)) {
        this.conversion = conversion;
        return alternative;
      }
    }
    return null;
  }

  private known(key: string): boolean {
    return this.awaiting.has(key) || this.recent.has(key);
  }

  private match(key: string, stat: string, final: boolean, at: number): number | null {
    const sentAt = this.awaiting.get(key);
    const finished = this.recent.get(key);
    if (final && finished === 'received') {
      this.counts.duplicates += 1;
      return null;
    }
    this.byStat[stat] = (this.byStat[stat] ?? 0) + 1;
    if (!final) {
      this.counts.intermediates += 1;
      return null;
    }
    this.counts.finals += 1;
    if (sentAt === undefined) {
      // Awaited no more: its receipt timeout had passed.
      this.counts.late += 1;
      this.remember(key, 'received');
      return null;
    }
    this.awaiting.delete(key);
    this.remember(key, 'received');
    return at - sentAt;
  }

  private remember(key: string, state: Finished): void {
    this.recent.delete(key); // re-insert at the end: the newest is forgotten last
    this.recent.set(key, state);
    if (this.recent.size > this.recentLimit) this.recent.delete(this.recent.keys().next().value!);
  }

  private keepEarly(key: string, receipt: EarlyReceipt): void {
    const list = this.early.get(key);
    if (list) list.push(receipt);
    else this.early.set(key, [receipt]);
    this.earlyCount += 1;
    while (this.earlyCount > this.earlyLimit) {
      const [oldest, receipts] = this.early.entries().next().value!;
      this.early.delete(oldest);
      this.earlyCount -= receipts.length;
      this.counts.unmatched += receipts.length;
    }
  }

  private takeEarly(key: string): EarlyReceipt[] | undefined {
    const list = this.early.get(key);
    if (!list) return undefined;
    this.early.delete(key);
    this.earlyCount -= list.length;
    return list;
  }
}
