import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SLOTS, SlotTable } from '../../src/smpp/slot-table.js';

/** The table's entries as a Map, for comparing with a Map fed the same operations. */
function asMap<V>(t: SlotTable<V>): Map<number, V> {
  return new Map([...t.entries()].sort((a, b) => a[0] - b[0]));
}

describe('SlotTable', () => {
  it('sets, gets and deletes like a Map for keys in flight together', () => {
    const t = new SlotTable<string>(8);
    for (let k = 1; k <= 5; k++) t.set(k, `v${k}`);
    assert.equal(t.size, 5);
    assert.equal(t.get(3), 'v3');
    assert.equal(t.has(6), false);
    assert.equal(t.get(6), undefined);
    t.set(3, 'again');
    assert.equal(t.size, 5, 'setting an existing key does not count it twice');
    assert.equal(t.get(3), 'again');
    assert.equal(t.delete(3), true);
    assert.equal(t.delete(3), false);
    assert.equal(t.has(3), false);
    assert.deepEqual([...asMap(t).keys()], [1, 2, 4, 5]);
    assert.equal(t.capacity, 8, 'keys 1..5 fit 8 slots without growing');
  });

  it('keys a capacity apart both stay: the table grows instead of overwriting', () => {
    const t = new SlotTable<number>(8);
    t.set(1, 10);
    t.set(9, 90); // 9 % 8 == 1 % 8
    assert.equal(t.capacity, 16);
    assert.equal(t.get(1), 10);
    assert.equal(t.get(9), 90);
    assert.equal(t.get(17), undefined, '17 shares a slot with 1 in 16 slots but is not there');
  });

  it('one request stuck while sequence numbers run on: grows to MAX_SLOTS, then the overflow takes the rest', () => {
    const t = new SlotTable<number>(256);
    t.set(1, 1); // never answered
    // A window of 10 moving over 200,000 sequence numbers.
    for (let k = 2; k < 200_000; k++) {
      t.set(k, k);
      if (k >= 12) assert.equal(t.delete(k - 10), true, `key ${k - 10} was set and must delete`);
    }
    assert.equal(t.capacity, MAX_SLOTS);
    assert.equal(t.get(1), 1, 'the stuck request is still found');
    assert.equal(t.size, 11);
    for (let k = 199_990; k < 200_000; k++) assert.equal(t.get(k), k);
    // Everything answered: back to the small arrays.
    for (const [k] of [...t.entries()]) t.delete(k);
    assert.equal(t.size, 0);
    assert.equal(t.capacity, 256);
  });

  it('keys far apart (sequence numbers wrapping at 0x7fffffff) collide into the overflow, not into gigabytes', () => {
    const t = new SlotTable<string>(256);
    t.set(0x7fffffff - MAX_SLOTS + 1, 'old');
    t.set(0x7fffffff - MAX_SLOTS * 2 + 1, 'older'); // same slot at every size up to MAX_SLOTS
    t.set(1, 'wrapped');
    assert.ok(t.capacity <= MAX_SLOTS);
    assert.equal(t.get(0x7fffffff - MAX_SLOTS + 1), 'old');
    assert.equal(t.get(0x7fffffff - MAX_SLOTS * 2 + 1), 'older');
    assert.equal(t.get(1), 'wrapped');
    assert.equal(t.size, 3);
    assert.equal(t.delete(0x7fffffff - MAX_SLOTS * 2 + 1), true);
    assert.equal(t.size, 2);
  });

  it('matches a Map over a random run of sets and deletes', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const t = new SlotTable<number>(16);
    const m = new Map<number, number>();
    let next = 0;
    for (let step = 0; step < 50_000; step++) {
      if (random() < 0.55 || m.size === 0) {
        // Mostly increasing keys, now and then one far ahead.
        const key = random() < 0.01 ? next + Math.floor(random() * 1_000_000) : next++;
        t.set(key, step);
        m.set(key, step);
      } else {
        const keys = [...m.keys()];
        const key = keys[Math.floor(random() * keys.length)]!;
        assert.equal(t.delete(key), m.delete(key));
      }
      assert.equal(t.size, m.size);
    }
    assert.deepEqual(asMap(t), new Map([...m].sort((a, b) => a[0] - b[0])));
  });

  it('refuses keys that are not non-negative integers', () => {
    const t = new SlotTable<number>();
    assert.throws(() => t.set(-1, 0), RangeError);
    assert.throws(() => t.set(1.5, 0), RangeError);
    assert.throws(() => new SlotTable<number>(100), RangeError);
  });

  it('clear empties it', () => {
    const t = new SlotTable<number>(4);
    for (let k = 0; k < 100; k += 3) t.set(k, k);
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(t.has(3), false);
    assert.deepEqual([...t.values()], []);
  });
});
