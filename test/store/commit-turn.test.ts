/**
 * CommitTurn: the group committers of one connection share one transaction per turn of the event
 * loop (one fsync), each committer's write a savepoint in it, against a real SQLite database;
 * with commitFlush async, the flush runs after the commit and the answers wait for it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { CommitTurn, GroupCommitter } from '../../src/store/group-commit.js';
import { Store } from '../../src/store/store.js';

function setup(): { db: Database.Database; commits: () => number; turn: CommitTurn; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
  const db = new Database(join(dir, 'db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER NOT NULL)');
  let commits = 0;
  const turn = new CommitTurn((fn) => {
    db.transaction(fn).immediate();
    commits++;
  });
  return { db, commits: () => commits, turn, done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

const added = <T, R>(c: GroupCommitter<T, R>, item: T): Promise<{ err: Error | null; result: R | undefined }> =>
  new Promise((resolve) => c.add(item, (err, result) => resolve({ err, result })));

test('two committers in one turn: one transaction; answers only after it committed', async () => {
  const { db, commits, turn, done } = setup();
  const insertA = db.prepare('INSERT INTO a VALUES (?)');
  const insertB = db.prepare('INSERT INTO b VALUES (?)');
  const seenCommitted: number[] = [];
  const a = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))(), 100, undefined, turn);
  const b = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertB.run(x).lastInsertRowid)))(), 100, undefined, turn);
  const answers = await Promise.all([
    added(a, 1).then((r) => (seenCommitted.push(commits()), r)),
    added(b, 2),
    added(a, 3),
  ]);
  assert.deepEqual(answers.map((x) => x.err), [null, null, null]);
  assert.equal(commits(), 1, 'one transaction for both committers');
  assert.deepEqual(seenCommitted, [1], 'the callback ran after the commit');
  assert.deepEqual(db.prepare('SELECT x FROM a ORDER BY x').all(), [{ x: 1 }, { x: 3 }]);
  done();
});

test('a committer whose write throws fails alone; the other commits', async () => {
  const { db, turn, done } = setup();
  const good = new GroupCommitter<number, undefined>((items) => db.transaction(() => items.map((x) => void db.prepare('INSERT INTO a VALUES (?)').run(x)))(), 100, undefined, turn);
  // NOT NULL: the second insert throws, and this committer's savepoint takes its first insert back.
  const bad = new GroupCommitter<number | null, undefined>((items) => db.transaction(() => items.map((x) => void db.prepare('INSERT INTO b VALUES (?)').run(x)))(), 100, undefined, turn);
  const [ok, failed1, failed2] = await Promise.all([added(good, 7), added(bad, 8), added(bad, null)]);
  assert.equal(ok.err, null);
  assert.match(String(failed1.err), /NOT NULL/);
  assert.match(String(failed2.err), /NOT NULL/);
  assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 7 }]);
  assert.deepEqual(db.prepare('SELECT x FROM b').all(), [], 'nothing of the failed group is stored');
  done();
});

test('a failed commit fails every committer of the turn', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
  const turn = new CommitTurn(() => {
    throw new Error('disk I/O error');
  });
  const a = new GroupCommitter<number, number>((items) => items, 10, undefined, turn);
  const b = new GroupCommitter<number, number>((items) => items, 10, undefined, turn);
  const [x, y] = await Promise.all([added(a, 1), added(b, 2)]);
  assert.match(String(x.err), /disk I\/O error/);
  assert.match(String(y.err), /disk I\/O error/);
  assert.equal(x.result, undefined, 'no result for an uncommitted write');
  rmSync(dir, { recursive: true, force: true });
});

describe('with the flush off the event loop (store.commitFlush async, WalSync)', () => {
  /** A real Store with commitFlush async, and a committer inserting into a scratch table. */
  function asyncStore(t: TestContext): { store: Store; committer: GroupCommitter<number, number> } {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
    const store = Store.open({ path: join(dir, 'smscd.db'), commitFlush: 'async' });
    t.after(() => (store.close(), rmSync(dir, { recursive: true, force: true })));
    store.db.exec('CREATE TABLE scratch (x INTEGER NOT NULL)');
    const insert = store.db.prepare('INSERT INTO scratch VALUES (?)');
    const committer = new GroupCommitter<number, number>((items) => store.transaction(() => items.map((x) => Number(insert.run(x).lastInsertRowid))), 100, undefined, store.turn);
    return { store, committer };
  }

  test('the turn commits without the flush, holds the answers until it is done, and commits nothing meanwhile', async () => {
    // A durability whose flush finishes when the test says so: the order is then exact, whatever the disk.
    const { db, done } = setup();
    const insertA = db.prepare('INSERT INTO a VALUES (?)');
    let busy = false;
    let finishFlush: ((err: Error | null) => void) | null = null;
    let settledWaiters: Array<() => void> = [];
    let flushStarted!: () => void;
    const flushed = new Promise<void>((resolve) => (flushStarted = resolve));
    const turn = new CommitTurn(() => assert.fail('the flushing turn must not use the plain transaction'), {
      transactionWithoutFlush: (fn) => db.transaction(fn).immediate(),
      flush: (doneFlush) => {
        busy = true;
        finishFlush = (err) => {
          busy = false;
          doneFlush(err);
          const waiters = settledWaiters;
          settledWaiters = [];
          for (const fn of waiters) fn();
        };
        flushStarted();
      },
      get busy() {
        return busy;
      },
      whenSettled: (fn) => (busy ? settledWaiters.push(fn) : fn()),
    });
    const committer = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => (assert.equal(busy, false, 'no write while a flush runs'), Number(insertA.run(x).lastInsertRowid))))(), 100, undefined, turn);
    const answered: number[] = [];
    const first = added(committer, 1).then((r) => (answered.push(1), r));
    await flushed;
    assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 1 }], 'committed before the flush');
    const second = added(committer, 2).then((r) => (answered.push(2), r));
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(answered, [], 'no answer before the flush is done');
    assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 1 }], 'the second write waits for the flush');
    finishFlush!(null);
    assert.deepEqual((await first).err, null);
    // The second transaction starts after the first flush and has its own flush.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(db.prepare('SELECT x FROM a ORDER BY x').all(), [{ x: 1 }, { x: 2 }]);
    assert.deepEqual(answered, [1], 'the second answer waits for its own flush');
    finishFlush!(new Error('EIO: fdatasync failed'));
    assert.match(String((await second).err), /EIO/, 'a failed flush is the answer of the commits it covered');
    done();
  });

  test('a real store: answers come after the WAL flush and the connection stays FULL', async (t) => {
    const { store, committer } = asyncStore(t);
    assert.ok(store.walSync, 'wanted a WalSync for FULL with commitFlush async');
    let sawBusy = false;
    const answers = await Promise.all(
      [1, 2, 3].map((x) =>
        added(committer, x).then((r) => {
          sawBusy ||= store.walSync!.busy;
          return r;
        }),
      ),
    );
    assert.deepEqual(answers.map((a) => a.err), [null, null, null]);
    assert.equal(sawBusy, false, 'answers only once the flush is over');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'the connection is back at FULL for everything else');
  });

  test('without async (inline) or under NORMAL there is no WalSync and whenSettled runs at once', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const options of [{ commitFlush: 'inline' as const }, { commitFlush: 'async' as const, synchronous: 'NORMAL' as const }]) {
      const store = Store.open({ path: join(dir, `${options.commitFlush}-${options.synchronous ?? 'FULL'}.db`), ...options });
      assert.equal(store.walSync, null, `wanted no WalSync for ${JSON.stringify(options)}`);
      let ran = false;
      store.whenSettled(() => (ran = true));
      assert.equal(ran, true);
      store.close();
    }
  });
});
