// The forwarding worker's per-target queue (src/forwarding/fifo.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fifo } from '../../src/forwarding/fifo.js';

test('takes in the order pushed, across compactions and interleaved pushes, and iterates what is left', () => {
  const fifo = new Fifo<number>();
  const model: number[] = [];
  let next = 0;
  const taken: number[] = [];
  const expected: number[] = [];
  // Pushes of 700 and takes of 1 to 600 at a time: the front passes 1,024 and the array compacts.
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 700; i++) {
      fifo.push(next);
      model.push(next++);
    }
    const n = 1 + ((round * 97) % 600);
    taken.push(...fifo.take(n));
    expected.push(...model.splice(0, n));
    assert.equal(fifo.length, model.length);
    assert.deepEqual([...fifo], model);
  }
  assert.deepEqual(taken, expected);
  assert.deepEqual(fifo.take(model.length + 5), model, 'taking more than is queued takes everything');
  assert.equal(fifo.length, 0);
  assert.deepEqual(fifo.take(3), []);
  fifo.push(1);
  assert.deepEqual([...fifo], [1], 'usable again once emptied');
});
