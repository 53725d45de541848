/** WAL checkpoints on a worker thread (store.checkpoint background): pages reach the database file without a checkpoint on the event loop. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { Checkpointer, checkpointInBackground } from '../../src/store/checkpointer.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/store-fixtures.js';

test('the thread copies committed pages into the database file; the server connection only keeps a far backstop', async (t) => {
  const path = join(tempDir(t), 'smscd.db');
  const store = Store.open({ path });
  t.after(() => store.close());
  const checkpointer = checkpointInBackground(store.db, path, pino({ level: 'silent' }));
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 131_072, 'the backstop, far above the thread’s restart point');
  store.db.exec('CREATE TABLE filler (x BLOB)');
  const before = statSync(path).size;
  const insert = store.db.prepare('INSERT INTO filler VALUES (randomblob(3000))');
  for (let i = 0; i < 20; i++) store.transaction(() => { for (let j = 0; j < 50; j++) insert.run(); });
  // About 3 MB went into the WAL; the thread moves it into the database file.
  await eventually(() => assert.ok(statSync(path).size > before + 2_000_000, `wanted the database file grown by the checkpoint, had ${statSync(path).size} bytes (was ${before})`));
  await checkpointer.stop();
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n, 1000);
});

test('after a RESTART the thread makes the first write itself, so the new WAL header is written and synced off the event loop', async (t) => {
  const path = join(tempDir(t), 'smscd.db');
  const store = Store.open({ path });
  t.after(() => store.close());
  const version = store.db.pragma('user_version', { simple: true });
  store.db.exec('CREATE TABLE filler (x BLOB)');
  const checkpointer = new Checkpointer({ path, intervalMs: 20, restartPages: 100 }, pino({ level: 'silent' }));
  const insert = store.db.prepare('INSERT INTO filler VALUES (randomblob(3000))');
  store.transaction(() => { for (let j = 0; j < 200; j++) insert.run(); });
  // Nothing else writes. Left to itself, SQLite would start the WAL over at the server's next
  // commit; the thread's own one-page write does it instead, leaving a WAL of one frame.
  const walFrames = (): number => (store.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
  await eventually(() => assert.equal(walFrames(), 1, 'the WAL was started over by the thread’s write'));
  await checkpointer.stop();
  assert.equal(store.db.pragma('user_version', { simple: true }), version, 'the write changed nothing');
  store.transaction(() => insert.run());
  assert.equal(walFrames() > 1, true, 'the server’s next commit appends to the restarted WAL');
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n, 201);
});
