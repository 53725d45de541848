/**
 * Opens the SQLite database (WAL, configured `synchronous`) and brings its schema up to date.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';

/** How to open the database. */
export interface OpenOptions {
  path: string;
  /** @defaultValue 'FULL' */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /**
   * Where group commits (Store.turn) are flushed under FULL/EXTRA: `inline` inside COMMIT (the
   * event loop waits), `async` after it on the thread pool, answers held until done (wal-sync.ts).
   * @defaultValue 'inline'
   */
  commitFlush?: 'inline' | 'async';
}

/** How long a statement waits for another connection's lock before SQLITE_BUSY (ms). */
export const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating if needed) and migrates the database. */
export function openDatabase(options: OpenOptions): Database.Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // Group commits nest a savepoint per committer (group-commit.ts), and SQLite keeps a savepoint's
  // undo pages in a statement journal that spills to a temp file past 64 KiB: a delivery batch then
  // cost thousands of pwrite calls a second to /var/tmp on the event loop. Kept in memory, it is
  // bounded by one transaction's pages and never touches the disk (durability is the WAL's).
  db.pragma('temp_store = MEMORY');
  // The CLI and the server share the file: wait for each other's write locks instead of failing.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
