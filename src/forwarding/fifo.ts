/**
 * A first-in first-out queue that takes from the front in O(1). The forwarding worker keeps up
 * to a claim batch (hundreds of rows) per target and takes one row per send: `splice(0, 1)` on
 * that array copied the rest every time, 4 % of the worker's CPU at 2,500 forwards/s (profile
 * of bench:forward, issue 7).
 */
export class Fifo<T> {
  private items: T[] = [];
  /** Index of the first item still queued. */
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns up to `n` items from the front, oldest first. */
  take(n: number): T[] {
    const end = Math.min(this.head + n, this.items.length);
    const out = this.items.slice(this.head, end);
    this.head = end;
    // Taken slots are dropped once they are half the array, so the array never grows without
    // bound and the copy costs O(1) per item taken, amortised.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** The queued items, oldest first, without removing them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
