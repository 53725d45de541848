/**
 * CommitTurn: the group committers of one connection share one transaction per turn of the event
 * loop (one fsync), each committer's write a savepoint in it, against a real SQLite database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CommitTurn, GroupCommitter } from '../../src/store/group-commit.js';

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
