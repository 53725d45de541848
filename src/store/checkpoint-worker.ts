/**
 * The checkpointer's thread (see checkpointer.ts): its own connection copies WAL pages back into
 * the database file, so the event loop never does that work nor waits for its two fsyncs.
 */
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the checkpointer hands its thread. */
export interface CheckpointWorkerData {
  path: string;
  /** ms between passive checkpoints */
  intervalMs: number;
  /** WAL size (pages) past which a RESTART checkpoint lets the writer start the WAL over. */
  restartPages: number;
}

const { path, intervalMs, restartPages } = workerData as CheckpointWorkerData;
const db = new Database(path);
// A RESTART waits for the writer's transaction to end; the writer waits at most this long for ours.
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
// This connection commits only takeOverRestart's write, whose durability does not matter (it
// changes nothing); checkpoints still sync the WAL before and the database after (SQLite's NORMAL).
db.pragma('synchronous = NORMAL');
/** The database file, to sync it outside SQLite's locks before a RESTART. */
const dbFd = openSync(path, 'r+');
const readVersion = db.prepare<[], number>('PRAGMA user_version').pluck();

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): void {
  try {
    // PASSIVE copies what it can without taking any lock the writer needs.
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    // Under steady writes the WAL is never fully copied at the moment the writer looks, so it
    // would only grow: past restartPages, RESTART holds off writers for the short remainder and
    // lets the next transaction start the WAL from the beginning.
    if (passive && passive.log > restartPages) {
      // A RESTART syncs the database file with the write lock held, and under steady writes the
      // PASSIVE runs never sync it (they never copy the whole WAL): the kernel holds every page
      // they copied since the last RESTART, seconds of writes, and that sync writes them all
      // while every commit waits. Synced here first, without any lock, the RESTART's own sync has
      // only the last PASSIVE's pages left: the write lock held 2.2 ms (median of 7) against 6.5
      // (12) in bench:latency at 5,000/s on a calm disk. On a slow disk the sync held under the
      // lock would be that whole backlog's write time.
      fdatasyncSync(dbFd);
      const [restart] = db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[];
      if (restart && restart.busy === 0) takeOverRestart();
    }
  } catch (err) {
    parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * Makes this connection the first writer after a RESTART. That writer starts the WAL over: it
 * writes a new header and fsyncs it (SQLite does, whatever the synchronous setting but OFF) —
 * on the server's connection, inside its next group commit on the event loop, a 2–6 ms stall
 * once a second at 5,000 submits/s. Here it happens on this thread, with a write that changes
 * nothing (user_version set to itself, one page). Should the server's commit come first, it
 * restarts the WAL itself, as before.
 */
function takeOverRestart(): void {
  db.transaction(() => {
    db.pragma(`user_version = ${readVersion.get() ?? 0}`);
  }).immediate();
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  closeSync(dbFd);
  parentPort?.close();
});
