/**
 * The receipts this process has just recorded, kept by id so the receipt pusher need not read
 * back what the delivery step had in hand. Reading an owed receipt joins three tables — the
 * receipt, its status event and its message, a row at a random place of the file — and was the
 * largest single cost of pushing receipts (≈ 10 % of the event loop in bench:receipts).
 *
 * A cache and nothing more: the database still says which receipts are pending (SmppReceipt-
 * Repository.pendingAfter reads that), and a receipt the cache does not hold is read in full.
 * What it holds never changes once stored (the event's status and time, the message's addresses
 * and text). It is a fixed ring indexed by `id % slots`: receipt ids come in order, so a newer
 * receipt simply takes an old one's slot; no growth, no hash table churning in old space.
 */
import type { OwedReceipt } from './smpp-receipts.js';

/** Enough for the receipts between recording and acknowledgement at tens of thousands a second. */
const SLOTS = 16_384;

export class RecentReceipts {
  private readonly ids = new Float64Array(SLOTS);
  private readonly receipts: Array<OwedReceipt | undefined> = new Array<OwedReceipt | undefined>(SLOTS).fill(undefined);

  /** Remembers a receipt just inserted (its transaction may still roll back: see clear). */
  put(receipt: OwedReceipt): void {
    const slot = receipt.id % SLOTS;
    this.ids[slot] = receipt.id;
    this.receipts[slot] = receipt;
  }

  /** The receipt with this id, if it is still held. */
  get(id: number): OwedReceipt | undefined {
    const slot = id % SLOTS;
    return this.ids[slot] === id ? this.receipts[slot] : undefined;
  }

  /** Forgets a receipt that is done (acknowledged or refused). */
  drop(id: number): void {
    const slot = id % SLOTS;
    if (this.ids[slot] !== id) return;
    this.ids[slot] = 0;
    this.receipts[slot] = undefined;
  }

  /**
   * Forgets everything: a transaction rolled back, and with it receipt, event or message rows
   * whose ids SQLite may hand out again for different content.
   */
  clear(): void {
    this.ids.fill(0);
    this.receipts.fill(undefined);
  }
}
