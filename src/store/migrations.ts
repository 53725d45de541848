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
  {
    version: 2,
    name: 'delivery: status events, owed SMPP receipts, simulator timers',
    up(db) {
      db.exec(`
        ALTER TABLE messages ADD COLUMN done_at INTEGER;                     -- ms, when final
        ALTER TABLE messages ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;

        -- The spine: one row per change of a message's status.
        CREATE TABLE status_events (
          id          INTEGER PRIMARY KEY,
          message_id  INTEGER NOT NULL,
          status      TEXT NOT NULL,
          final       INTEGER NOT NULL,
          error_code  INTEGER NOT NULL DEFAULT 0,
          origin      TEXT NOT NULL,      -- simulator | cancel | expiry | relay | …
          occurred_at INTEGER NOT NULL    -- ms since epoch
        );
        CREATE INDEX status_events_by_message ON status_events (message_id, id);

        -- SMPP receipts owed to an account, in the order they go out (id).
        CREATE TABLE smpp_receipts (
          id         INTEGER PRIMARY KEY,
          account_id INTEGER NOT NULL,
          message_id INTEGER NOT NULL,
          event_id   INTEGER NOT NULL,
          state      TEXT NOT NULL DEFAULT 'pending', -- pending | acked | rejected | expired
          attempts   INTEGER NOT NULL DEFAULT 0,
          expires_at INTEGER NOT NULL,
          done_at    INTEGER
        );
        CREATE INDEX smpp_receipts_pending ON smpp_receipts (account_id, id) WHERE state = 'pending';
        CREATE INDEX smpp_receipts_by_message ON smpp_receipts (message_id);

        -- The simulator's timers: the next step of each message still in delivery.
        CREATE TABLE simulated_deliveries (
          message_id   INTEGER PRIMARY KEY,
          next_status  TEXT NOT NULL,     -- enroute, or the final status
          final_status TEXT NOT NULL,
          error_code   INTEGER NOT NULL,
          due_at       INTEGER NOT NULL,  -- ms since epoch
          final_due_at INTEGER NOT NULL
        );
        CREATE INDEX simulated_deliveries_due ON simulated_deliveries (due_at);
      `);
    },
  },
  {
    version: 3,
    name: 'forwarding: targets, rules, outbox, attempts',
    up(db) {
      db.exec(`
        CREATE TABLE targets (
          id              INTEGER PRIMARY KEY,
          name            TEXT NOT NULL UNIQUE,
          type            TEXT NOT NULL,          -- http | smtp | sqs
          url             TEXT,
          to_address      TEXT,
          queue_url       TEXT,
          format          TEXT NOT NULL,          -- json | xml
          secret          TEXT,                   -- whsec_… (never printed)
          enabled         INTEGER NOT NULL DEFAULT 1,
          disabled_reason TEXT,
          created_at      INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL
        );

        -- For (account, channel, message type): forward to a target, or nowhere (target_id NULL).
        CREATE TABLE rules (
          id           INTEGER PRIMARY KEY,
          account_id   INTEGER NOT NULL,
          channel      TEXT NOT NULL,
          message_type TEXT NOT NULL,
          target_id    INTEGER REFERENCES targets (id) ON DELETE CASCADE,
          statuses     TEXT,                      -- JSON array, NULL = the default selection
          format       TEXT,                      -- NULL = the target's format
          created_at   INTEGER NOT NULL
        );
        CREATE INDEX rules_by_account ON rules (account_id, channel, message_type);

        -- One row per (event, target): delivered at least once, in order per message and target.
        CREATE TABLE outbox (
          id              INTEGER PRIMARY KEY,
          event_id        INTEGER NOT NULL,
          message_id      INTEGER NOT NULL,
          target_id       INTEGER NOT NULL,
          format          TEXT NOT NULL,
          state           TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | failed
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          lease_until     INTEGER,
          last_code       TEXT,
          last_error      TEXT,
          created_at      INTEGER NOT NULL,
          done_at         INTEGER
        );
        CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
        CREATE INDEX outbox_order ON outbox (message_id, target_id, id) WHERE state = 'pending';
        CREATE INDEX outbox_by_event ON outbox (event_id);

        CREATE TABLE delivery_attempts (
          id          INTEGER PRIMARY KEY,
          outbox_id   INTEGER NOT NULL,
          attempt     INTEGER NOT NULL,
          at          INTEGER NOT NULL,
          duration_ms INTEGER NOT NULL,
          outcome     TEXT NOT NULL,               -- delivered | retry | failed | disable
          code        TEXT,
          excerpt     TEXT
        );
        CREATE INDEX delivery_attempts_by_outbox ON delivery_attempts (outbox_id);
      `);
    },
  },
  {
    version: 4,
    name: 'HTTP API and WhatsApp: transfer ids, callback targets, fixed-target formats, lifecycle steps',
    up(db) {
      db.exec(`
        -- websms transferId: one per send request, shared by its recipients' messages.
        ALTER TABLE messages ADD COLUMN transfer_id TEXT;
        -- The fixed target of a message (an API notificationCallbackUrl), a 'callback' target row.
        ALTER TABLE messages ADD COLUMN callback_target_id INTEGER;
        CREATE INDEX messages_by_transfer ON messages (transfer_id) WHERE transfer_id IS NOT NULL;

        -- configured (smscd target add) or callback (made for a notificationCallbackUrl).
        ALTER TABLE targets ADD COLUMN kind TEXT NOT NULL DEFAULT 'configured';

        -- Format of receipts to the fixed targets of the api and email channels: json, xml or none.
        ALTER TABLE accounts ADD COLUMN api_format TEXT NOT NULL DEFAULT 'json';
        ALTER TABLE accounts ADD COLUMN email_format TEXT NOT NULL DEFAULT 'json';

        -- Steps after the next one, as a JSON array of [status, dueAt] (the WhatsApp lifecycle).
        ALTER TABLE simulated_deliveries ADD COLUMN remaining TEXT;
      `);
    },
  },
  {
    version: 5,
    name: 'e-mail interface: statuses for the fixed target, the mail a message came in; API token index',
    up(db) {
      db.exec(`
        -- WhatsApp by e-mail: the statuses mailed back (delivered, read), comma-separated; NULL = default.
        ALTER TABLE messages ADD COLUMN callback_statuses TEXT;
        -- The Message-ID and Subject of the mail a message came in, so receipts thread as replies.
        ALTER TABLE messages ADD COLUMN reply_message_id TEXT;
        ALTER TABLE messages ADD COLUMN reply_subject TEXT;
        -- Bearer authentication looks accounts up by the hash of their API token.
        CREATE INDEX accounts_by_api_token ON accounts (api_token_hash) WHERE api_token_hash IS NOT NULL;
      `);
    },
  },
  {
    version: 6,
    name: 'relay: messages routed to an upstream SMSC, upstream id mapping, held receipts',
    up(db) {
      db.exec(`
        -- One row per message routed to an upstream, written with the message (one transaction).
        CREATE TABLE relay_messages (
          message_id      INTEGER PRIMARY KEY,
          upstream        TEXT NOT NULL,           -- relay.upstreams[].name
          state           TEXT NOT NULL,           -- queued (also while its submit_sm is out) | submitted | done
          attempts        INTEGER NOT NULL DEFAULT 0, -- submits answered with a temporary error
          next_attempt_at INTEGER NOT NULL,        -- ms since epoch
          expires_at      INTEGER NOT NULL,        -- ms: queued until then, then EXPIRED
          upstream_id     TEXT,                    -- normalised (the mapping key)
          upstream_raw_id TEXT,                    -- as the upstream wrote it in submit_sm_resp
          last_error      TEXT,
          created_at      INTEGER NOT NULL,
          submitted_at    INTEGER,
          done_at         INTEGER
        );
        CREATE INDEX relay_messages_due ON relay_messages (upstream, next_attempt_at, message_id) WHERE state = 'queued';
        CREATE INDEX relay_messages_expiry ON relay_messages (expires_at) WHERE state = 'queued';
        CREATE INDEX relay_messages_by_upstream_id ON relay_messages (upstream, upstream_id) WHERE upstream_id IS NOT NULL;

        -- Receipts whose upstream id is not known yet (they overtook their submit_sm_resp).
        CREATE TABLE relay_held_receipts (
          id          INTEGER PRIMARY KEY,
          upstream    TEXT NOT NULL,
          upstream_id TEXT NOT NULL,               -- normalised
          raw_id      TEXT NOT NULL,
          status      TEXT NOT NULL,
          error_code  INTEGER NOT NULL,
          received_at INTEGER NOT NULL,
          hold_until  INTEGER NOT NULL
        );
        CREATE INDEX relay_held_by_id ON relay_held_receipts (upstream, upstream_id);
        CREATE INDEX relay_held_until ON relay_held_receipts (hold_until);
      `);
    },
  },
  {
    version: 7,
    name: 'console: signed-in sessions of the web console',
    up(db) {
      db.exec(`
        -- One row per console sign-in. The cookie carries the random id; only its SHA-256 is stored,
        -- so a copy of the database signs nobody in.
        CREATE TABLE console_sessions (
          id_hash      TEXT PRIMARY KEY,
          account_id   INTEGER REFERENCES accounts (id) ON DELETE CASCADE, -- null for the operator
          operator     INTEGER NOT NULL DEFAULT 0,
          created_at   INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL
        );
        CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
      `);
    },
  },
  {
    version: 8,
    name: 'performance: simulator timers in the message row, SMPP receipts indexed by event',
    up(db) {
      // Both changes cut the pages a delivery writes at random places of the file (each one a
      // 4 KiB WAL frame per commit): a timer of its own table cost an insert and a delete per
      // message, and an index on message_id took entries in delivery order, not id order.
      db.exec(`
        ALTER TABLE messages ADD COLUMN sim_next_status TEXT;      -- enroute, or the final status
        ALTER TABLE messages ADD COLUMN sim_final_status TEXT;
        ALTER TABLE messages ADD COLUMN sim_error_code INTEGER;
        ALTER TABLE messages ADD COLUMN sim_due_at INTEGER;        -- ms since epoch; NULL = no timer
        ALTER TABLE messages ADD COLUMN sim_final_due_at INTEGER;  -- ms since epoch
        ALTER TABLE messages ADD COLUMN sim_remaining TEXT;        -- JSON [[status, dueAt], …] after the next step
        UPDATE messages SET sim_next_status = s.next_status, sim_final_status = s.final_status, sim_error_code = s.error_code,
               sim_due_at = s.due_at, sim_final_due_at = s.final_due_at, sim_remaining = s.remaining
          FROM simulated_deliveries s WHERE s.message_id = messages.id;
        DROP TABLE simulated_deliveries;
        CREATE INDEX messages_sim_due ON messages (sim_due_at, id) WHERE sim_due_at IS NOT NULL;

        DROP INDEX smpp_receipts_by_message;
        CREATE INDEX smpp_receipts_by_event ON smpp_receipts (event_id);
      `);
    },
  },
  {
    version: 9,
    name: 'performance: simulator timers in due order in memory instead of an index',
    up(db) {
      // Keyed by due time, every new timer landed at a random place of the index: 3.2 of the 12
      // pages each commit wrote at 5,000 submits/s with receipts. SimulatedDeliveryRepository
      // now keeps the order in memory and reads the timers back from the table at start.
      db.exec('DROP INDEX messages_sim_due;');
    },
  },
  {
    version: 10,
    name: "performance: a message's status events listed in its row instead of an index",
    up(db) {
      // The index took an entry at a random place per event (2 of the 12 pages a commit wrote at
      // 5,000 submits/s with receipts); the list rides on the message row each status change
      // rewrites anyway (StatusEventRepository).
      db.exec(`
        ALTER TABLE messages ADD COLUMN event_ids TEXT;  -- ids of its status_events, comma-separated, in order
        UPDATE messages SET event_ids = (
          SELECT group_concat(e.id, ',' ORDER BY e.id) FROM status_events e WHERE e.message_id = messages.id
        ) WHERE id IN (SELECT message_id FROM status_events);
        DROP INDEX status_events_by_message;
      `);
    },
  },
  {
    version: 11,
    name: 'performance: the attempt that delivers a forward kept in its outbox row',
    up(db) {
      // Most forwards succeed at once; a delivery_attempts row (and its index entry) for each cost
      // a statement per forward. Rows delivered before this keep their attempt in the table: with
      // last_duration_ms NULL, OutboxRepository.attempts does not add one from the row.
      db.exec(`
        ALTER TABLE outbox ADD COLUMN last_duration_ms INTEGER;  -- ms, of the attempt that delivered it
        ALTER TABLE outbox ADD COLUMN last_excerpt TEXT;         -- the answer's excerpt, of that attempt
      `);
    },
  },
  {
    version: 12,
    name: "performance: outbox indexes for a message's rows and for the metrics scrape",
    up(db) {
      // outbox_by_event served no query, and outbox_order (pending rows only) lost its entry when a
      // row was delivered: two index writes per forward at insert and one more at delivery. One
      // index of every row by (message, target) serves the order check — a message has a handful of
      // rows per target, their state read from the row — and lists a message's deliveries, which
      // scanned the whole outbox for rows no longer pending.
      // The scrape's gauges (OutboxRepository.liveDepth) count pending and failed rows by target
      // from the partial indexes alone: target_id joins outbox_due, and failed rows get theirs
      // (few, and the operator page lists them newest first). Counting every state read the whole
      // table on the event loop: a second per scrape at a million rows.
      db.exec(`
        DROP INDEX outbox_by_event;
        DROP INDEX outbox_order;
        CREATE INDEX outbox_by_message ON outbox (message_id, target_id, id);
        DROP INDEX outbox_due;
        CREATE INDEX outbox_due ON outbox (next_attempt_at, id, target_id) WHERE state = 'pending';
        CREATE INDEX outbox_failed ON outbox (id, target_id) WHERE state = 'failed';
      `);
    },
  },
];
