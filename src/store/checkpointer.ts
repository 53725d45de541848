/**
 * WAL checkpoints on a worker thread (`store.checkpoint` = background). SQLite's automatic
 * checkpoint runs inside the COMMIT that pushes the WAL past its limit: under load that was a
 * copy of a thousand pages and two fsyncs on the event loop every few tenths of a second, the
 * largest stalls of the submit path. Here a thread with its own connection checkpoints every
 * `intervalMs`; the server's connection keeps an automatic checkpoint far above that only as a
 * backstop, should the thread fall behind.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../log.js';
import type { CheckpointWorkerData } from './checkpoint-worker.js';

/** ms between two background checkpoints */
const INTERVAL_MS = 100;
/**
 * WAL pages (4 KiB) past which the thread restarts the WAL: 256 MiB. A RESTART holds off the
 * writer until it is done: it copies what the last PASSIVE left and fsyncs the WAL and the
 * database file with the write lock held, 8–15 ms once the database has grown (2–3 ms since the
 * thread syncs the database file first, outside the lock: checkpoint-worker.ts). The WAL fills at
 * ~85 MB/s at 5,000 submits/s with receipts, so at 64 MiB that was 20 stalls in 15 s — about 1 %
 * of all submits waited out one, which is where p99 submit_sm_resp sits. At 256 MiB it is 5
 * (bench:latency alternated, p99 at 5,000/s: server side 19.6 / 15.5 / 17.2 ms at 64 MiB against
 * 11.1 / 9.4 / 14.6 ms). The cost is disk: the file keeps its largest size, a little over this.
 * After a RESTART the thread makes the first write itself, which writes and syncs the new WAL
 * header (checkpoint-worker.ts takeOverRestart), instead of the server's next commit.
 */
const RESTART_PAGES = 65_536;
/** The server's own automatic checkpoint (pages), the backstop should the thread fall behind: twice that. */
const BACKSTOP_PAGES = 2 * RESTART_PAGES;

/** Moves the checkpoints of the database `db` (open on `path`) to a thread. */
export function checkpointInBackground(db: Database.Database, path: string, log: Logger): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  return new Checkpointer({ path, intervalMs: INTERVAL_MS, restartPages: RESTART_PAGES }, log);
}

/** Runs checkpoints of one database file on a worker thread. */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | null = null;

  constructor(data: CheckpointWorkerData, log: Logger) {
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: data });
    this.worker.on('message', (message: { error?: string }) => log.warn({ err: message.error }, 'background checkpoint failed'));
    this.worker.on('error', (err) => log.error({ err }, 'checkpoint thread failed; SQLite checkpoints on commit from now on'));
    // The thread must not keep a finished process alive.
    this.worker.unref();
  }

  /** Stops the thread after its current checkpoint; resolves once its connection is closed. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      // Held by the event loop again until the thread has closed its connection and exited.
      this.worker.ref();
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
