/**
 * The delivery scheduler in the store's CommitTurn (store.commitFlush async): deliveries due now
 * are recorded in the turn's transaction, and announced (receipts, forwards) only once it is
 * flushed, after the answers of the submits it carried (SPEC §3: the receipt never before the
 * response).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { StatusRecorder } from '../../src/delivery/record-status.js';
import { DeliveryScheduler } from '../../src/delivery/scheduler.js';
import { targetFactory } from '../../src/forwarding/targets/factory.js';
import { ForwardingWorker } from '../../src/forwarding/worker.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { addAccount, addHttpTarget, newMessage, tempDir } from '../helpers/store-fixtures.js';

test('a message due at once: stored and answered, then delivered in a flushed transaction, announced after the answer', async (t) => {
  const store = Store.open({ path: join(tempDir(t), 'smscd.db'), commitFlush: 'async' });
  t.after(() => store.close());
  const account = addAccount(store, 'acme');
  const order: string[] = [];
  const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [] });
  const scheduler = new DeliveryScheduler(
    store,
    recorder,
    (recorded) => order.push(`announced ${recorded.length}, flush running: ${store.walSync!.busy}`),
    pino({ level: 'silent' }),
  );
  t.after(() => scheduler.stop());
  const intake = new GroupCommitter<number, string>(
    (items) => store.transaction(() => items.map(() => store.messages.insert(newMessage(account.id, { registeredDelivery: 1 }), { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 0, finalDueAt: 0 }))),
    100,
    undefined,
    store.turn,
  );

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) intake.add(i, (err, id) => (assert.equal(err, null), ids.push(id!), order.push(`answered ${id}`)));
  scheduler.wake(0);
  await eventually(() => assert.ok(order.some((o) => o.startsWith('announced')), `wanted the deliveries announced, had ${order.join('; ')}`));
  assert.deepEqual(order.slice(0, 3), ids.map((id) => `answered ${id}`), 'every answer first');
  assert.deepEqual(order.slice(3), ['announced 3, flush running: false'], 'then the deliveries, once flushed');
  for (const id of ids) assert.equal(store.messages.byId(id)?.status, 'delivered');
  assert.equal(store.receipts.forMessage(ids[0]!).length, 1, 'a receipt is owed');
  // The last step's status update also lists the event on its message and removes the timer.
  for (const id of ids) {
    assert.deepEqual(store.events.forMessage(id).map((e) => e.status), ['delivered'], 'the event is listed on its message');
    assert.equal(store.db.prepare('SELECT sim_due_at FROM messages WHERE id = ?').pluck().get(Number(id)), null, 'no timer left');
  }
});

test('a run whose transaction fails hands its steps back: they are delivered by the next run, once', async (t) => {
  const store = Store.open({ path: join(tempDir(t), 'smscd.db'), commitFlush: 'async' });
  t.after(() => store.close());
  const account = addAccount(store, 'acme');
  const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [] });
  // The first step recorded throws: the run's savepoint rolls back, and nothing of it is written.
  const record = recorder.record.bind(recorder);
  let failures = 0;
  recorder.record = (...args) => {
    if (failures++ === 0) throw new Error('disk I/O error (injected)');
    return record(...args);
  };
  const announced: number[] = [];
  const errors: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  const scheduler = new DeliveryScheduler(store, recorder, (recorded) => announced.push(...recorded.map((r) => r.eventId)), log);
  t.after(() => scheduler.stop());
  const ids = store.transaction(() => [0, 1].map(() => store.messages.insert(newMessage(account.id, { registeredDelivery: 1 }), { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 0, finalDueAt: 0 })));
  scheduler.start();
  await eventually(() => assert.equal(announced.length, 2, `wanted both delivered after the retry, had ${announced.join(', ')}`), 5_000);
  assert.equal(errors.length, 1, 'the failed run is logged once');
  assert.match(errors[0]!, /simulated delivery step failed, retrying/);
  const events = ids.flatMap((id) => store.events.forMessage(id));
  assert.equal(events.length, 2, 'one status event each: the failed run wrote none');
  assert.deepEqual([...announced].sort(), events.map((e) => e.id).sort(), 'each announced once');
  for (const id of ids) assert.equal(store.messages.byId(id)?.status, 'delivered');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal(announced.length, 2, 'nothing delivered twice');
});

test('stopped between its commit and the flush: the forwards claimed for the worker are given back, not left leased until the lease ends', async (t) => {
  // The WAL flush is finished by hand, so the scheduler can be stopped while it runs (a graceful
  // stop in that instant: app.close stops the scheduler, then the worker, then waits for flushes).
  const flushes: Array<(err: Error | null) => void> = [];
  const store = Store.open({ path: join(tempDir(t), 'smscd.db'), commitFlush: 'async' }, (_fd, done) => flushes.push(done));
  t.after(() => store.close());
  const account = addAccount(store, 'acme');
  const target = addHttpTarget(store, 'hook');
  const config = loadConfig({ env: {} }).forwarding;
  const log = pino({ level: 'silent' });
  // The real worker, with its targets loaded but not started: it takes rows only from the hand-off.
  const worker = new ForwardingWorker(store, config, targetFactory(config), 'smscd', log);
  worker.reloadTargets();
  const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [{ targetId: target.id, format: 'json' }] }, worker);
  const announced: number[] = [];
  const scheduler = new DeliveryScheduler(
    store,
    recorder,
    (recorded, claimed) => {
      announced.push(...recorded.map((r) => r.eventId));
      worker.takeClaimed(claimed);
    },
    log,
  );
  t.after(() => scheduler.stop());
  const ids = store.transaction(() => [0, 1].map(() => store.messages.insert(newMessage(account.id, { registeredDelivery: 1 }), { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 0, finalDueAt: 0 })));
  scheduler.start();
  await eventually(() => assert.equal(flushes.length, 1, 'the run committed and waits for its flush'));
  const rows = () => ids.flatMap((id) => store.outbox.list({ messageId: id, limit: 10 }));
  assert.deepEqual(rows().map((r) => r.attempts), [1, 1], 'claimed as they were inserted: leased, attempt 1');
  assert.ok(rows().every((r) => r.nextAttemptAt > Date.now() + 30_000), 'due again only when the lease ends');

  scheduler.stop();
  await worker.stop();
  const stoppedAt = Date.now();
  flushes.shift()!(null);
  assert.deepEqual(announced, [], 'nothing announced once stopped');
  assert.deepEqual(
    rows().map((r) => ({ state: r.state, attempts: r.attempts, dueNow: r.nextAttemptAt <= stoppedAt + 1000 })),
    [
      { state: 'pending', attempts: 0, dueNow: true },
      { state: 'pending', attempts: 0, dueNow: true },
    ],
    'given back: due at once after the restart, no attempt counted',
  );
  assert.equal(store.receipts.forMessage(ids[0]!).length, 1, 'the receipt is owed, for after the restart');
});
