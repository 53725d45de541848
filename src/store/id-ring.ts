/**
 * A cache of recent rows by id, for what this process has just written and will read back soon:
 * the receipts it recorded (SmppReceiptRepository) and the simulator timers of the messages it
 * stored (SimulatedDeliveryRepository). A cache and nothing more: the owner still checks the
 * database for whether a row is live, and reads in full a row the ring does not hold.
 *
 * A fixed ring indexed by `id % slots`: ids come in order, so a newer row simply takes an old
 * one's slot; no growth, no hash table churning in old space.
 */
export class IdRing<T> {
  private readonly ids: Float64Array;
  private readonly values: Array<T | undefined>;

  constructor(private readonly slots: number) {
    this.ids = new Float64Array(slots);
    this.values = new Array<T | undefined>(slots).fill(undefined);
  }

  /** Remembers a row just written (its transaction may still roll back: see clear). */
  put(id: number, value: T): void {
    const slot = id % this.slots;
    this.ids[slot] = id;
    this.values[slot] = value;
  }

  /** The value held for this id, if it still is. */
  get(id: number): T | undefined {
    const slot = id % this.slots;
    return this.ids[slot] === id ? this.values[slot] : undefined;
  }

  /** Forgets one id (its row is done, or changed). */
  drop(id: number): void {
    const slot = id % this.slots;
    if (this.ids[slot] !== id) return;
    this.ids[slot] = 0;
    this.values[slot] = undefined;
  }

  /**
   * Forgets everything: a transaction rolled back, and with it rows whose ids SQLite may hand out
   * again for different content.
   */
  clear(): void {
    this.ids.fill(0);
    this.values.fill(undefined);
  }
}
