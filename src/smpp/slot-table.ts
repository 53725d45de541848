/**
 * A table of values keyed by the integers of requests in flight (SMPP sequence numbers, receipt
 * row ids): key `k` lives in slot `k % capacity` of two preallocated arrays, so a set and a delete
 * per PDU only write a slot. The arrays grow (double) when two keys in flight share a slot, up to
 * MAX_SLOTS; beyond it the rare key that still collides waits in a Map.
 *
 * Why not a Map: a Map with steady churn (a set and a delete per PDU) builds a new hash table every
 * few hundred operations, and once the Map has lived long enough to be in V8's old space the new
 * table is built there too. The discarded table is garbage, but until the next major GC it still
 * points at the young values it held, so scavenges keep those values — with their closures and
 * rows — alive and promote them. In the soak that was ~3 MB/s promoted to die in old space: the
 * old-space sawtooth that made RSS swing ±20 %, and scavenges twice as long. A slot cleared on
 * delete points at nothing.
 */

/** Slots before a collision makes the table grow. @defaultValue 256 */
const INITIAL_SLOTS = 256;
/** Most slots (1 MiB of keys and values); keys in flight further apart than this share a Map. */
export const MAX_SLOTS = 65_536;
/** The key of an empty slot (keys are non-negative integers). */
const EMPTY = -1;

/** Values keyed by non-negative integers in flight together. */
export class SlotTable<V> {
  private keys: Float64Array;
  private slots: Array<V | undefined>;
  private mask: number;
  private count = 0;
  /** Keys whose slot was taken when the table was already at MAX_SLOTS. */
  private readonly overflow = new Map<number, V>();

  constructor(private readonly initialSlots = INITIAL_SLOTS) {
    if (!Number.isInteger(Math.log2(initialSlots)) || initialSlots > MAX_SLOTS) throw new RangeError(`initialSlots must be a power of two up to ${MAX_SLOTS}`);
    this.mask = initialSlots - 1;
    this.keys = new Float64Array(initialSlots).fill(EMPTY);
    this.slots = new Array<V | undefined>(initialSlots).fill(undefined);
  }

  /** How many keys are in the table. */
  get size(): number {
    return this.count;
  }

  /** Slots allocated (for tests and metrics). */
  get capacity(): number {
    return this.mask + 1;
  }

  get(key: number): V | undefined {
    // `key & mask` is `key % capacity` for every integer key below 2^53: ToInt32 keeps the low bits.
    const i = key & this.mask;
    if (this.keys[i] === key) return this.slots[i];
    return this.overflow.size === 0 ? undefined : this.overflow.get(key);
  }

  has(key: number): boolean {
    return this.keys[key & this.mask] === key || (this.overflow.size > 0 && this.overflow.has(key));
  }

  /** Sets `key` (a non-negative integer) to `value`. */
  set(key: number, value: V): void {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`slot table keys are non-negative integers, not ${key}`);
    let i = key & this.mask;
    while (this.keys[i] !== EMPTY && this.keys[i] !== key) {
      if (this.capacity >= MAX_SLOTS) {
        if (!this.overflow.has(key)) this.count++;
        this.overflow.set(key, value);
        return;
      }
      this.grow();
      i = key & this.mask;
    }
    if (this.keys[i] === EMPTY) this.count++;
    this.keys[i] = key;
    this.slots[i] = value;
  }

  /** Removes `key`; false when it was not there. */
  delete(key: number): boolean {
    const i = key & this.mask;
    if (this.keys[i] === key) {
      this.keys[i] = EMPTY;
      this.slots[i] = undefined;
      this.count--;
    } else if (this.overflow.size === 0 || !this.overflow.delete(key)) {
      return false;
    } else {
      this.count--;
    }
    // Empty after a spread-out burst: back to the small arrays, so one stuck request does not
    // keep a megabyte for the life of the session.
    if (this.count === 0 && this.capacity > this.initialSlots) this.resize(this.initialSlots);
    return true;
  }

  /** Every entry, in slot order (not insertion order), then the overflow. */
  *entries(): IterableIterator<[number, V]> {
    const { keys, slots } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield [keys[i]!, slots[i] as V];
    yield* this.overflow.entries();
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }

  clear(): void {
    this.overflow.clear();
    this.count = 0;
    this.mask = this.initialSlots - 1;
    this.keys = new Float64Array(this.initialSlots).fill(EMPTY);
    this.slots = new Array<V | undefined>(this.initialSlots).fill(undefined);
  }

  /** Doubles the slots until the keys in the table (slots and overflow) no longer collide, or MAX_SLOTS is reached. */
  private grow(): void {
    let slots = this.capacity * 2;
    while (!this.resize(slots) && slots < MAX_SLOTS) slots *= 2;
  }

  /** Moves every entry into `n` slots; false when some collided (they went to the overflow). */
  private resize(n: number): boolean {
    const entries = [...this.entries()];
    this.mask = n - 1;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.slots = new Array<V | undefined>(n).fill(undefined);
    this.overflow.clear();
    let clean = true;
    for (const [key, value] of entries) {
      const i = key & this.mask;
      if (this.keys[i] === EMPTY) {
        this.keys[i] = key;
        this.slots[i] = value;
      } else {
        this.overflow.set(key, value);
        clean = false;
      }
    }
    return clean;
  }
}
