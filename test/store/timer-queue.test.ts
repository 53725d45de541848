// The simulator's in-memory due order (src/store/timer-queue.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimerQueue } from '../../src/store/timer-queue.js';

test('pops in due order, ties by id, across growth and interleaved pushes', () => {
  const queue = new TimerQueue();
  const model: Array<[number, number]> = [];
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const popped: Array<[number, number]> = [];
  const expected: Array<[number, number]> = [];
  for (let round = 0; round < 20; round++) {
    // Pushes beyond the initial capacity (1,024) make it grow; due times repeat to exercise ties.
    for (let i = 0; i < 300; i++) {
      const entry: [number, number] = [random(500), random(100_000)];
      queue.push(entry[0], entry[1]);
      model.push(entry);
    }
    model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 0; i < 100; i++) {
      expected.push(model.shift()!);
      const due = queue.peekDue()!;
      popped.push([due, queue.pop()]);
    }
  }
  assert.deepEqual(popped, expected);
  assert.equal(queue.size, model.length);
  assert.equal(queue.minId(), Math.min(...model.map(([, id]) => id)));
});

test('an empty queue has no due time and no lowest id', () => {
  const queue = new TimerQueue();
  assert.equal(queue.peekDue(), null);
  assert.equal(queue.minId(), null);
  queue.push(5, 1);
  queue.pop();
  assert.equal(queue.size, 0);
  assert.equal(queue.peekDue(), null);
});
