/**
 * The delivery scheduler and the group-commit flush (store.commitFlush async): a message whose
 * group commit is still being flushed has no submit_sm_resp yet, so its status (and receipt) must
 * wait for the flush to release the answers (SPEC §3: the receipt never before the response).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { StatusRecorder } from '../../src/delivery/record-status.js';
import { DeliveryScheduler } from '../../src/delivery/scheduler.js';
import { Store } from '../../src/store/store.js';
import { addAccount, newMessage, tempDir } from '../helpers/store-fixtures.js';

test('a due delivery waits while a group-commit flush runs, and is recorded right after it', async (t) => {
  const store = Store.open({ path: join(tempDir(t), 'smscd.db'), commitFlush: 'async' });
  t.after(() => store.close());
  const account = addAccount(store, 'acme');
  const id = store.transaction(() => store.messages.insert(newMessage(account.id, { registeredDelivery: 1 }), { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 0, finalDueAt: 0 }));
  const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [] });
  const recorded: number[] = [];
  const scheduler = new DeliveryScheduler(store, recorder, (r) => recorded.push(...r.map((x) => x.eventId)), pino({ level: 'silent' }));
  t.after(() => scheduler.stop());

  // A flush is running (as after a group commit) for as long as this synchronous code runs.
  const flushed = new Promise<Error | null>((resolve) => store.walSync!.flush(resolve));
  (scheduler as unknown as { run(): void }).run();
  assert.equal(store.messages.byId(id)?.status, 'enroute', 'nothing recorded while the flush runs');
  assert.deepEqual(recorded, []);

  assert.equal(await flushed, null);
  assert.equal(store.messages.byId(id)?.status, 'delivered', 'recorded right after the flush');
  assert.equal(recorded.length, 1);
});
