/**
 * Numbered schema migrations, applied in order on open; `PRAGMA user_version` records the last
 * one applied. Never edit a migration that has shipped: add the next number.
 */
import { randomInt } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/** One schema step. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'core: accounts, messages, sessions, settings',
    up(db) {
      db.exec(`
        CREATE TABLE accounts (
          id             INTEGER PRIMARY KEY,
          system_id      TEXT NOT NULL UNIQUE,
          password_hash  TEXT NOT NULL,
          max_binds      INTEGER NOT NULL,
          rate           INTEGER NOT NULL,          -- messages per second, 0 = unlimited
          allowed_ips    TEXT NOT NULL DEFAULT '[]', -- JSON array of CIDRs, empty = any
          email          TEXT,
          api_token_hash TEXT,
          created_at     INTEGER NOT NULL,          -- ms since epoch
          updated_at     INTEGER NOT NULL
        );

        -- AUTOINCREMENT: a message id is never reused, even after deletes.
        CREATE TABLE messages (
          id                  INTEGER PRIMARY KEY AUTOINCREMENT,
          account_id          INTEGER NOT NULL,
          channel             TEXT NOT NULL,        -- smpp | api | email | console
          message_type        TEXT NOT NULL,        -- sms | whatsapp
          session_id          INTEGER,
          service_type        TEXT NOT NULL DEFAULT '',
          source_addr         TEXT NOT NULL,
          source_ton          INTEGER NOT NULL DEFAULT 0,
          source_npi          INTEGER NOT NULL DEFAULT 0,
          dest_addr           TEXT NOT NULL,
          dest_ton            INTEGER NOT NULL DEFAULT 0,
          dest_npi            INTEGER NOT NULL DEFAULT 0,
          esm_class           INTEGER NOT NULL DEFAULT 0,
          protocol_id         INTEGER NOT NULL DEFAULT 0,
          priority            INTEGER NOT NULL DEFAULT 0,
          registered_delivery INTEGER NOT NULL DEFAULT 0,
          data_coding         INTEGER NOT NULL DEFAULT 0,
          udh                 BLOB,                 -- user data header, without its length octet
          body                BLOB NOT NULL,        -- user data as sent, without the UDH
          text                TEXT,                 -- body decoded by data_coding, NULL for binary
          part_ref            INTEGER,
          part_number         INTEGER,
          part_count          INTEGER,
          client_ref          TEXT,
          schedule_at         INTEGER,              -- ms since epoch
          expires_at          INTEGER,              -- ms since epoch
          status              TEXT NOT NULL,
          submitted_at        INTEGER NOT NULL,     -- ms since epoch
          updated_at          INTEGER NOT NULL
        );
        CREATE INDEX messages_by_account ON messages (account_id, id);

        CREATE TABLE sessions (
          id                INTEGER PRIMARY KEY,
          account_id        INTEGER,
          system_id         TEXT NOT NULL,
          bind_type         TEXT NOT NULL,          -- transmitter | receiver | transceiver
          interface_version INTEGER NOT NULL,
          remote_address    TEXT NOT NULL,
          bound_at          INTEGER NOT NULL,
          unbound_at        INTEGER,
          reason            TEXT
        );

        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
      // Start ids at a random 12-digit number so that a wiped database does not hand out ids a
      // client may still hold from an earlier run.
      db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?)`).run(
        randomInt(100_000_000_000, 900_000_000_000),
      );
    },
  },
];
