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
import { StatusRecorder } from '../../src/delivery/record-status.js';
import { DeliveryScheduler } from '../../src/delivery/scheduler.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { addAccount, newMessage, tempDir } from '../helpers/store-fixtures.js';

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
});
