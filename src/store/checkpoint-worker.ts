/**
 * The checkpointer's thread (see checkpointer.ts): its own connection copies WAL pages back into
 * the database file, so the event loop never does that work nor waits for its two fsyncs.
 */
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
  parentPort?.close();
});
