/**
 * The simulator's timers in due order, in memory: a binary min-heap of (due time, message id).
 *
 * The timers themselves are columns of their message's row (SimulatedDeliveryRepository); this
 * is only the order to visit them in. It replaced the index `messages_sim_due` (migration 9):
 * with delays of 1–5 s every new timer landed at a random place of that index, a quarter of all
 * the pages each commit wrote to the WAL at 5,000 submits/s with receipts.
 *
 * Entries may be stale (the timer was removed or moved since): the repository checks each one
 * against its row when it comes due. Two Float64Arrays rather than an array of objects: a
 * million far-off timers (the 1,000,000 stored messages of bench:memory) cost 16 MB and no
 * garbage collector work.
 */

const INITIAL_CAPACITY = 1024;

/** Min-heap of (dueAt, id), earliest due first, then lowest id. */
export class TimerQueue {
  private due = new Float64Array(INITIAL_CAPACITY);
  private ids = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(dueAt: number, id: number): void {
    if (this.count === this.due.length) this.grow();
    let i = this.count++;
    // Sift up: move parents down until the new entry's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(dueAt, id, this.due[parent]!, this.ids[parent]!)) break;
      this.due[i] = this.due[parent]!;
      this.ids[i] = this.ids[parent]!;
      i = parent;
    }
    this.due[i] = dueAt;
    this.ids[i] = id;
  }

  /** The earliest due time, or null when empty. */
  peekDue(): number | null {
    return this.count === 0 ? null : this.due[0]!;
  }

  /** Removes the earliest entry and returns its id (call only when not empty). */
  pop(): number {
    const id = this.ids[0]!;
    const last = --this.count;
    if (last > 0) this.siftDown(this.due[last]!, this.ids[last]!, last);
    return id;
  }

  /** The lowest message id queued, or null when empty (a scan: for the occasional restart mark). */
  minId(): number | null {
    if (this.count === 0) return null;
    let min = this.ids[0]!;
    for (let i = 1; i < this.count; i++) if (this.ids[i]! < min) min = this.ids[i]!;
    return min;
  }

  private siftDown(dueAt: number, id: number, size: number): void {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && this.before(this.due[right]!, this.ids[right]!, this.due[left]!, this.ids[left]!) ? right : left;
      if (!this.before(this.due[child]!, this.ids[child]!, dueAt, id)) break;
      this.due[i] = this.due[child]!;
      this.ids[i] = this.ids[child]!;
      i = child;
    }
    this.due[i] = dueAt;
    this.ids[i] = id;
  }

  private before(dueA: number, idA: number, dueB: number, idB: number): boolean {
    return dueA < dueB || (dueA === dueB && idA < idB);
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    const ids = new Float64Array(this.ids.length * 2);
    due.set(this.due);
    ids.set(this.ids);
    this.due = due;
    this.ids = ids;
  }
}
