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
import { CommitTurn, GroupCommitter, isBusy, QUIET_MS } from '../../src/store/group-commit.js';
import { Store } from '../../src/store/store.js';
import { WalSync } from '../../src/store/wal-sync.js';
import { addAccount, newMessage } from '../helpers/store-fixtures.js';

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

/** A Store on a fresh file with a scratch table, and a second connection to the same file (to hold the write lock). */
function storeAndOtherConnection(t: TestContext, commitFlush: 'inline' | 'async'): { store: Store; other: Database.Database; insert: Database.Statement<[number]> } {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
  const store = Store.open({ path: join(dir, 'smscd.db'), commitFlush });
  const other = new Database(join(dir, 'smscd.db'));
  t.after(() => (other.close(), store.close(), rmSync(dir, { recursive: true, force: true })));
  store.db.exec('CREATE TABLE scratch (x INTEGER NOT NULL)');
  return { store, other, insert: store.db.prepare<[number]>('INSERT INTO scratch VALUES (?)') };
}

test('while another connection holds the write lock the turn neither fails nor blocks the event loop; it commits once the lock is free', async (t) => {
  for (const commitFlush of ['inline', 'async'] as const) {
    const { store, other, insert } = storeAndOtherConnection(t, commitFlush);
    const committer = new GroupCommitter<number, number>((items) => store.transaction(() => items.map((x) => Number(insert.run(x).lastInsertRowid))), 100, undefined, store.turn);

    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    let answered = false;
    const answer = added(committer, 42).then((r) => ((answered = true), r));
    // Timers keep firing meanwhile: SQLite's busy handler would have slept through them.
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => void (++ticks < 20 ? setTimeout(tick, 1) : resolve());
      tick();
    });
    assert.equal(answered, false, `${commitFlush}: no answer while the lock is held`);
    assert.ok(Date.now() - started < 1000, `${commitFlush}: the event loop ran on (20 timers in ${Date.now() - started} ms)`);
    other.exec('COMMIT');
    const { err, result } = await answer;
    assert.equal(err, null, `${commitFlush}: the write is not failed for a busy lock`);
    assert.equal(result, 1);
    assert.deepEqual(store.db.prepare('SELECT x FROM scratch').all(), [{ x: 42 }]);
    // Statements other than the turn's BEGIN still wait for the lock as configured.
    assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000, `${commitFlush}: busy_timeout restored`);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, `${commitFlush}: synchronous FULL outside the turn`);
  }
});

test('Store.writeWithoutWaiting: SQLITE_BUSY at once when the lock is taken; no fsync of its own when group commits flush off the event loop; settings restored', (t) => {
  for (const commitFlush of ['inline', 'async'] as const) {
    const { store, other, insert } = storeAndOtherConnection(t, commitFlush);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    assert.throws(() => store.writeWithoutWaiting(() => insert.run(1)), (err: unknown) => isBusy(err), `${commitFlush}: SQLITE_BUSY`);
    assert.ok(Date.now() - started < 1000, `${commitFlush}: without waiting for the busy timeout`);
    other.exec('COMMIT');
    let synchronousInside = -1;
    store.writeWithoutWaiting(() => {
      synchronousInside = store.db.pragma('synchronous', { simple: true }) as number;
      insert.run(2);
    });
    // NORMAL (1) commits a WAL transaction without fsync; inline keeps FULL (2), the flush in COMMIT.
    assert.equal(synchronousInside, commitFlush === 'async' ? 1 : 2, `${commitFlush}: synchronous inside`);
    assert.deepEqual(store.db.prepare('SELECT x FROM scratch').all(), [{ x: 2 }]);
    assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000, `${commitFlush}: busy_timeout restored`);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, `${commitFlush}: synchronous FULL restored`);
  }
});

test('a write lock held past the give-up time fails the waiting members with SQLITE_BUSY; the next turn commits', async () => {
  const { db, done } = setup();
  const other = new Database(db.name);
  const turn = new CommitTurn(
    (fn) => {
      db.pragma('busy_timeout = 0');
      db.transaction(fn).immediate();
    },
    null,
    50,
  );
  const insertA = db.prepare('INSERT INTO a VALUES (?)');
  const committer = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))(), 100, undefined, turn);
  other.exec('BEGIN IMMEDIATE');
  const started = Date.now();
  const { err } = await added(committer, 1);
  assert.match(String((err as Error & { code?: string }).code), /SQLITE_BUSY/);
  assert.ok(Date.now() - started >= 50, 'it kept trying until the give-up time');
  other.exec('COMMIT');
  assert.equal((await added(committer, 2)).err, null, 'a later turn starts its wait afresh');
  assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 2 }]);
  other.close();
  done();
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

  /**
   * A CommitTurn over a plain database whose durability is a real WalSync with a flush the test
   * finishes by hand (`finish`, the oldest running flush unless told which), so the order of
   * commits, flushes and answers is exact. One flush at a time unless `slots` says more.
   */
  function handFlushed(
    plain: (db: Database.Database, fn: () => void) => void = () => assert.fail('the flushing turn must not use the plain transaction'),
    slots = 1,
  ): { db: Database.Database; wal: WalSync; turn: CommitTurn; finish: (err?: Error, which?: number) => void; flushes: () => number; done: () => void } {
    const { db, done } = setup();
    const pending: Array<(err: Error | null) => void> = [];
    let flushes = 0;
    const wal = new WalSync(
      db.name,
      (_fd, cb) => {
        flushes++;
        pending.push(cb);
      },
      slots,
    );
    const turn = new CommitTurn((fn) => plain(db, fn), {
      transactionWithoutFlush: (fn) => db.transaction(fn).immediate(),
      flush: (cb) => wal.flush(cb),
      get canCommit() {
        return wal.canCommit;
      },
      whenCommitAllowed: (fn) => wal.whenCommitAllowed(fn),
      get flushing() {
        return wal.busy;
      },
    });
    const finish = (err?: Error, which = 0): void => {
      const [cb] = pending.splice(which, 1);
      assert.ok(cb, `no flush ${which} is running`);
      cb(err ?? null);
    };
    return { db, wal, turn, finish, flushes: () => flushes, done: () => (wal.close(), done()) };
  }

  const turns = (n: number): Promise<void> => new Promise<void>((resolve) => {
    const step = (left: number): void => (left === 0 ? resolve() : void setImmediate(() => step(left - 1)));
    step(n);
  });

  test('one slot: turns commit while a flush runs and share the next flush; answers in order, each after the flush covering it', async () => {
    const { db, turn, finish, flushes, done } = handFlushed();
    const insertA = db.prepare('INSERT INTO a VALUES (?)');
    const committer = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))(), 100, undefined, turn);
    const stored = (): number[] => db.prepare('SELECT x FROM a ORDER BY x').all().map((r) => (r as { x: number }).x);
    const answered: number[] = [];
    const add = (x: number): Promise<{ err: Error | null; result: number | undefined }> => added(committer, x).then((r) => (answered.push(x), r));

    const first = add(1);
    await turns(2);
    assert.deepEqual(stored(), [1], 'the first turn committed before its flush');
    assert.equal(flushes(), 1);
    const second = add(2);
    await turns(2);
    assert.deepEqual(stored(), [1, 2], 'the second turn commits while the first is being flushed');
    assert.equal(flushes(), 1, 'its flush waits for the running one');
    const third = add(3);
    await turns(2);
    assert.deepEqual(stored(), [1, 2, 3], 'so does a third: it does not wait for a flush to commit');
    assert.equal(flushes(), 1);
    assert.deepEqual(answered, [], 'no answer before its flush is done');

    finish();
    assert.equal((await first).err, null);
    assert.deepEqual(answered, [1], 'the others wait for the flush covering them');
    assert.equal(flushes(), 2, 'ONE flush started at once for both commits queued behind the first');
    const fourth = add(4);
    await turns(2);
    assert.deepEqual(stored(), [1, 2, 3, 4]);
    assert.equal(flushes(), 2, 'a commit made while that flush runs waits for the next one');

    finish(new Error('EIO: fdatasync failed'));
    assert.match(String((await second).err), /EIO/, 'a failed flush is the answer of the commits it covered');
    assert.match(String((await third).err), /EIO/, 'all of them');
    assert.match(String((await fourth).err), /EIO/, 'and of the commit queued behind it, whose frames follow the lost ones');
    assert.deepEqual(answered, [1, 2, 3, 4]);
    assert.equal(flushes(), 2, 'nothing is flushed for a commit already failed');
    done();
  });

  test('three slots: each commit is flushed at once; a later flush done first releases the earlier commits too, in order; a full set of slots batches the rest; a failure fails all not released', async () => {
    const { db, turn, finish, flushes, done } = handFlushed(undefined, 3);
    const insertA = db.prepare('INSERT INTO a VALUES (?)');
    const committer = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))(), 100, undefined, turn);
    const answered: number[] = [];
    const add = (x: number): Promise<{ err: Error | null; result: number | undefined }> => added(committer, x).then((r) => (answered.push(x), r));

    const first = add(1);
    await turns(2);
    const second = add(2);
    await turns(2);
    assert.equal(flushes(), 2, "the second commit's flush starts without waiting for the first");
    finish(undefined, 1); // the second flush is done first: it covers the first commit's pages too
    assert.deepEqual([(await first).err, (await second).err], [null, null]);
    assert.deepEqual(answered, [1, 2], 'both answered, in commit order, before the first flush is done');
    finish(); // the first flush, late: nothing left to release
    await turns(2);
    assert.deepEqual(answered, [1, 2]);

    const third = add(3);
    await turns(2);
    const fourth = add(4);
    await turns(2);
    const fifth = add(5);
    await turns(2);
    assert.equal(flushes(), 5, 'three flushes running');
    const sixth = add(6);
    await turns(2);
    const seventh = add(7);
    await turns(2);
    assert.equal(flushes(), 5, 'no free slot: the next commits wait');
    finish(); // the third commit's flush frees a slot: ONE flush for both waiting commits
    assert.equal((await third).err, null);
    assert.equal(flushes(), 6);
    assert.deepEqual(answered, [1, 2, 3], 'the others wait for a flush covering them');

    finish(new Error('EIO: fdatasync failed')); // the fourth commit's flush
    for (const p of [fourth, fifth, sixth, seventh]) assert.match(String((await p).err), /EIO/, 'everything not yet released fails: earlier pages may be lost, later frames follow them');
    assert.deepEqual(answered, [1, 2, 3, 4, 5, 6, 7]);
    finish();
    finish(); // the fifth's and the batch's flushes end after the failure: nothing left to answer
    const eighth = add(8);
    await turns(2);
    finish();
    assert.equal((await eighth).err, null, 'a commit after the failure is flushed as usual');
    done();
  });

  test('submits alone in a quiet spell are flushed inside their commit; after other writes, or while a flush runs, after it off the loop', async () => {
    let flushedInside = 0;
    const { db, turn, finish, flushes, done } = handFlushed((db, fn) => {
      flushedInside++;
      db.transaction(fn).immediate();
    });
    const insertA = db.prepare('INSERT INTO a VALUES (?)');
    const write = (items: number[]): number[] => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))();
    const submits = new GroupCommitter<number, number>(write, 100, undefined, turn, true);
    const outcomes = new GroupCommitter<number, number>(write, 100, undefined, turn);
    const answered: number[] = [];
    const add = (c: GroupCommitter<number, number>, x: number): Promise<{ err: Error | null; result: number | undefined }> => added(c, x).then((r) => (answered.push(x), r));

    assert.deepEqual(await add(submits, 1), { err: null, result: 1 }, 'answered once committed');
    assert.deepEqual([flushedInside, flushes()], [1, 0], 'quiet: the flush was inside the commit, none off the loop');

    const outcome = add(outcomes, 10);
    await turns(2);
    assert.deepEqual([flushedInside, flushes()], [1, 1], 'another writer commits without a flush and waits for one off the loop');
    const second = add(submits, 2);
    await turns(2);
    assert.deepEqual([flushedInside, flushes()], [1, 1], 'submits commit while that flush runs, and wait for the next one');
    assert.deepEqual(answered, [1], 'nothing more answered before its flush');
    finish();
    await outcome;
    assert.equal(flushes(), 2);
    finish();
    assert.equal((await second).err, null);
    const third = add(submits, 3);
    await turns(2);
    assert.deepEqual([flushedInside, flushes()], [1, 3], `within ${QUIET_MS} ms of the other writer, submits alone still flush off the loop`);
    finish();
    await third;

    await new Promise((resolve) => setTimeout(resolve, QUIET_MS + 50));
    await add(submits, 4);
    assert.deepEqual([flushedInside, flushes()], [2, 3], 'quiet again: inside the commit');
    assert.deepEqual(answered, [1, 10, 2, 3, 4], 'answers in commit order');
    done();
  });

  test('a reader waiting for everything to be settled holds off new commits, so it is not starved', async () => {
    const { db, wal, turn, finish, done } = handFlushed();
    const insertA = db.prepare('INSERT INTO a VALUES (?)');
    const committer = new GroupCommitter<number, number>((items) => db.transaction(() => items.map((x) => Number(insertA.run(x).lastInsertRowid)))(), 100, undefined, turn);
    const count = (): number => (db.prepare('SELECT count(*) AS n FROM a').get() as { n: number }).n;
    const first = added(committer, 1);
    await turns(2);
    const events: string[] = [];
    wal.afterFlush(() => events.push(`after flush: ${count()} stored`));
    wal.whenSettled(() => events.push(`settled: ${count()} stored, flush running ${wal.busy}`));
    assert.equal(wal.canCommit, false, 'no commit while a reader waits for the running flush');
    const second = added(committer, 2);
    await turns(3);
    assert.equal(count(), 1, 'the second turn waits for the reader');
    finish();
    await first;
    assert.deepEqual(events, ['after flush: 1 stored', 'settled: 1 stored, flush running false'], 'the reader saw only flushed rows');
    await turns(2);
    assert.equal(count(), 2, 'then the waiting turn commits');
    finish();
    assert.equal((await second).err, null);
    done();
  });

  test('the receipt pusher reads only receipts whose flush is done, and only after the answers committed with them', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-turn-'));
    const flushes: Array<(err: Error | null) => void> = [];
    const store = Store.open({ path: join(dir, 'smscd.db'), commitFlush: 'async' }, (_fd, cb) => flushes.push(cb));
    t.after(() => (store.close(), rmSync(dir, { recursive: true, force: true })));
    const account = addAccount(store, 'acme');
    const message = store.messages.insert(newMessage(account.id));
    const committer = new GroupCommitter<number, number>((items) => store.transaction(() => items.map(() => store.receipts.insert(account.id, message, 0, Date.now() + 60_000))), 100, undefined, store.turn);
    const unbounded = Number.MAX_SAFE_INTEGER;
    assert.equal(store.receiptReadBound(), unbounded, 'no flush running: every committed receipt is on disk');

    const boundsAtAnswer: number[] = [];
    // The bound as the answer callback sees it (a promise's then would run after the flush's other work).
    const answer = (x: number): Promise<{ err: Error | null; result: number | undefined }> =>
      new Promise((resolve) => committer.add(x, (err, result) => (boundsAtAnswer.push(store.receiptReadBound()), resolve({ err, result }))));
    const first = answer(1);
    await turns(2);
    const second = answer(2);
    await turns(2);
    assert.equal(flushes.length, 2, 'the second turn committed, and its flush runs beside the first');
    assert.equal(store.receiptReadBound(), 0, 'neither receipt may be read while its flush runs');
    flushes.shift()!(null);
    const r1 = (await first).result!;
    assert.equal(boundsAtAnswer[0], 0, 'the first answer goes out before its receipt may');
    assert.equal(store.receiptReadBound(), r1, 'then the first receipt may be read, not the second');
    flushes.shift()!(null);
    const r2 = (await second).result!;
    assert.ok(r2 > r1);
    assert.equal(store.receiptReadBound(), unbounded, 'both flushed, nothing running: every receipt may be read');
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
