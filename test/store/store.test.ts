/**
 * The SQLite store (SPEC §9, §3 "message_id unique across restarts"): migrations, pragmas,
 * password hashing, the accounts repository, message ids, and the group committer.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { publicAccount, type NewAccount } from '../../src/store/accounts.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import type { NewMessage } from '../../src/store/messages.js';
import { migrations } from '../../src/store/migrations.js';
import { hashPassword, verifyPassword } from '../../src/store/secrets.js';
import Database from 'better-sqlite3';
import { Store } from '../../src/store/store.js';

/** A path for a database file that does not exist yet; its directory is removed after the test. */
function freshPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sub', 'smscd.db');
}

/**
 * A database file as migration `version` left it (the same migrations, stopping there), at the
 * returned path and still open in the returned connection: fill it, close it, then open a Store
 * on the path to run the later migrations.
 */
function databaseAtVersion(t: TestContext, version: number): { path: string; db: Database.Database } {
  const path = freshPath(t);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  for (const m of migrations.filter((m) => m.version <= version)) m.up(db);
  db.pragma(`user_version = ${version}`);
  return { path, db };
}

/** Opens a store that is closed after the test. */
function openStore(t: TestContext, path: string): Store {
  const store = Store.open({ path });
  t.after(() => store.close());
  return store;
}

function newAccount(systemId: string, extra: Partial<NewAccount> = {}): NewAccount {
  return {
    systemId,
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
    maxBinds: 2,
    rate: 0,
    allowedIps: [],
    email: null,
    apiTokenHash: null,
    ...extra,
  };
}

function newMessage(accountId: number, text: string): NewMessage {
  return {
    accountId,
    channel: 'smpp',
    messageType: 'sms',
    sessionId: null,
    serviceType: '',
    sourceAddr: '436601234567',
    sourceTon: 1,
    sourceNpi: 1,
    destAddr: '436991234567',
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: 0,
    dataCoding: 0,
    udh: null,
    body: Buffer.from(text),
    text,
    partRef: null,
    partNumber: null,
    partCount: null,
    clientRef: null,
    scheduleAt: null,
    expiresAt: null,
    status: 'enroute',
    submittedAt: Date.now(),
  };
}

describe('opening', () => {
  test('a new file gets every migration (user_version = number of migrations); re-opening is idempotent', (t) => {
    const path = freshPath(t);
    const latest = migrations[migrations.length - 1]!.version;
    assert.equal(latest, migrations.length, 'wanted migrations numbered 1…n');

    const first = Store.open({ path });
    const version = first.db.pragma('user_version', { simple: true });
    assert.equal(version, migrations.length, `wanted user_version ${migrations.length} on a new file, had ${String(version)}`);
    const tables = first.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all();
    assert.deepEqual(tables, ['accounts', 'console_sessions', 'delivery_attempts', 'messages', 'outbox', 'relay_held_receipts', 'relay_messages', 'rules', 'sessions', 'settings', 'smpp_receipts', 'status_events', 'targets']);
    first.accounts.add(newAccount('acme'));
    first.close();

    const second = openStore(t, path);
    const again = second.db.pragma('user_version', { simple: true });
    assert.equal(again, migrations.length, `wanted user_version unchanged on re-open, had ${String(again)}`);
    assert.equal(second.accounts.count(), 1, 'wanted the account written before re-opening kept');
  });

  test('WAL journal mode and synchronous FULL (2) are set', (t) => {
    const store = openStore(t, freshPath(t));
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'wanted synchronous FULL (2) by default');
  });

  test('synchronous follows the option', (t) => {
    const store = Store.open({ path: freshPath(t), synchronous: 'NORMAL' });
    t.after(() => store.close());
    assert.equal(store.db.pragma('synchronous', { simple: true }), 1, 'wanted synchronous NORMAL (1)');
  });
});

describe('passwords', () => {
  test('a hash verifies the right password and not a wrong one; two hashes of one password differ', async () => {
    const hash = hashPassword('s3cret');
    assert.ok(hash.startsWith('scrypt$'), `wanted a scrypt hash, had ${hash}`);
    assert.ok(!hash.includes('s3cret'), 'wanted the password not to appear in its hash');
    assert.equal(await verifyPassword('s3cret', hash), true, 'wanted the right password to verify');
    assert.equal(await verifyPassword('s3cret ', hash), false, 'wanted a wrong password refused');
    assert.equal(await verifyPassword('', hash), false, 'wanted an empty password refused');
    const other = hashPassword('s3cret');
    assert.notEqual(other, hash, 'wanted two hashes of the same password to differ (salt)');
    assert.equal(await verifyPassword('s3cret', other), true);
  });

  test('a malformed stored hash verifies nothing', async () => {
    assert.equal(await verifyPassword('x', 'plain-text'), false);
    assert.equal(await verifyPassword('x', ''), false);
  });
});

describe('accounts', () => {
  test('add, update, remove and list', (t) => {
    const store = openStore(t, freshPath(t));
    const acme = store.accounts.add(newAccount('acme', { rate: 5, allowedIps: ['10.0.0.0/8'], email: 'ops@acme.test' }), 1000);
    store.accounts.add(newAccount('beta'), 1000);
    assert.ok(acme.id > 0);
    assert.equal(acme.systemId, 'acme');
    assert.equal(acme.rate, 5);
    assert.deepEqual(acme.allowedIps, ['10.0.0.0/8']);
    assert.equal(acme.email, 'ops@acme.test');
    assert.equal(acme.createdAt, 1000);
    assert.deepEqual(store.accounts.bySystemId('acme'), acme);
    assert.deepEqual(store.accounts.byId(acme.id), acme);

    assert.deepEqual(
      store.accounts.list().map((a) => a.systemId),
      ['acme', 'beta'],
    );
    assert.throws(() => store.accounts.add(newAccount('acme')), /UNIQUE/, 'wanted a second "acme" refused');

    const updated = store.accounts.update('acme', { rate: 50, maxBinds: 7, allowedIps: [], email: null }, 2000);
    assert.ok(updated, 'wanted the updated account back');
    assert.equal(updated.rate, 50);
    assert.equal(updated.maxBinds, 7);
    assert.deepEqual(updated.allowedIps, []);
    assert.equal(updated.email, null);
    assert.equal(updated.createdAt, 1000);
    assert.equal(updated.updatedAt, 2000);
    assert.equal(updated.passwordHash, acme.passwordHash, 'wanted fields not in the patch kept');
    assert.equal(store.accounts.update('nobody', { rate: 1 }), undefined);

    assert.equal(store.accounts.remove('acme'), true);
    assert.equal(store.accounts.remove('acme'), false, 'wanted a second remove to report nothing removed');
    assert.equal(store.accounts.bySystemId('acme'), undefined);
    assert.deepEqual(
      store.accounts.list().map((a) => a.systemId),
      ['beta'],
    );
    assert.equal(store.accounts.count(), 1);
  });

  test('publicAccount carries no hash fields', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme', { passwordHash: hashPassword('pw'), apiTokenHash: 'f'.repeat(64) }), Date.UTC(2024, 0, 2));
    const view = publicAccount(account);
    assert.ok(!('passwordHash' in view), 'wanted no passwordHash in the public view');
    assert.ok(!('apiTokenHash' in view), 'wanted no apiTokenHash in the public view');
    const json = JSON.stringify(view);
    assert.ok(!json.includes(account.passwordHash) && !json.includes('f'.repeat(64)), `wanted no hash in ${json}`);
    assert.equal(view.hasApiToken, true);
    assert.equal(view.systemId, 'acme');
    assert.equal(view.createdAt, '2024-01-02T00:00:00.000Z');
  });
});

describe('message ids', () => {
  test('are unique and increasing across close and re-open of the same file', (t) => {
    const path = freshPath(t);
    const ids: string[] = [];
    for (let run = 0; run < 3; run++) {
      const store = Store.open({ path });
      try {
        const account = store.accounts.bySystemId('acme') ?? store.accounts.add(newAccount('acme'));
        for (let i = 0; i < 5; i++) {
          const id = store.transaction(() => store.messages.insert(newMessage(account.id, `run ${run} #${i}`)));
          ids.push(id);
          assert.equal(store.messages.byId(id)?.text, `run ${run} #${i}`, `wanted message ${id} readable`);
        }
      } finally {
        store.close();
      }
    }
    assert.equal(new Set(ids).size, ids.length, `wanted ${ids.length} distinct ids, had ${new Set(ids).size}: ${ids.join(' ')}`);
    for (let i = 1; i < ids.length; i++) {
      assert.ok(
        BigInt(ids[i]!) > BigInt(ids[i - 1]!),
        `wanted ids increasing, had ${ids[i - 1]} then ${ids[i]}`,
      );
    }
    for (const id of ids) assert.ok(/^[0-9]{1,64}$/.test(id), `wanted a decimal id of at most 64 characters, had ${id}`);
  });

  test('byId does not find ids that are not ours in form', (t) => {
    const store = openStore(t, freshPath(t));
    for (const id of ['', 'abc', '0', '-1', '1e3', '9'.repeat(65)]) {
      assert.equal(store.messages.byId(id), undefined, `wanted nothing for id ${JSON.stringify(id)}`);
    }
  });
});

describe('simulator timers (columns of messages since migration 8, queued in memory since 9)', () => {
  test('a timer written with its message comes due in order, moves on, and is removed once', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const [a, b, none] = store.transaction(() => [
      store.messages.insert(newMessage(account.id, 'a'), { nextStatus: 'enroute', finalStatus: 'delivered', errorCode: 0, dueAt: 2_000, finalDueAt: 5_000 }),
      store.messages.insert(newMessage(account.id, 'b'), { nextStatus: 'read', finalStatus: 'read', errorCode: 0, dueAt: 1_000, finalDueAt: 9_000, remaining: [['sent', 1_500]] }),
      store.messages.insert(newMessage(account.id, 'no timer')),
    ]);
    assert.equal(store.simulated.nextDue(), 1_000);
    assert.deepEqual(store.simulated.takeDue(999, 10), [], 'nothing due before the first timer');
    assert.deepEqual(store.simulated.takeDue(2_000, 10).map((d) => [d.messageId, d.nextStatus, d.remaining]), [[b, 'read', [['sent', 1_500]]], [a, 'enroute', []]]);
    assert.deepEqual(store.simulated.takeDue(2_000, 10), [], 'a step taken is not taken twice');
    store.transaction(() => {
      store.simulated.advance(a!, 2_000, 5_000);
      store.simulated.reschedule(b!, 'sent', 1_500, []);
    });
    assert.equal(store.simulated.nextDue(), 1_500);
    const steps = store.simulated.takeDue(10_000, 10);
    assert.deepEqual(steps.map((d) => [d.messageId, d.nextStatus, d.dueAt]), [[b, 'sent', 1_500], [a, 'delivered', 5_000]]);
    assert.equal(store.transaction(() => store.simulated.remove(a!)), true);
    assert.equal(store.transaction(() => store.simulated.remove(a!)), false, 'a second remove finds no timer');
    assert.equal(store.transaction(() => store.simulated.remove(none!)), false, 'a message without a timer has none to remove');
    store.simulated.putBack(steps);
    assert.deepEqual(store.simulated.takeDue(10_000, 10).map((d) => d.messageId), [b], 'a step put back comes due again, a removed timer does not');
    assert.equal(store.simulated.nextDue(), null);
    assert.equal(store.messages.byId(a!)?.text, 'a', 'removing the timer leaves the message');
  });

  test('at most `limit` steps are taken; the rest stay queued in order, and a stale entry is skipped', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const ids = store.transaction(() => [5, 3, 3, 1, 4].map((due, i) => store.messages.insert(newMessage(account.id, `m${i}`), { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: due * 1_000, finalDueAt: due * 1_000 })));
    // Moved later: its first entry is stale, its new one counts.
    store.transaction(() => store.simulated.reschedule(ids[3]!, 'delivered', 6_000, []));
    assert.deepEqual(store.simulated.takeDue(10_000, 2).map((d) => d.messageId), [ids[1], ids[2]], 'equal due times in id order; the stale entry (due 1 s) skipped');
    assert.deepEqual(store.simulated.takeDue(10_000, 10).map((d) => [d.messageId, d.dueAt]), [[ids[4], 4_000], [ids[0], 5_000], [ids[3], 6_000]]);
  });

  test('a first step held in memory since its insert is the step its row reads back', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const message = { ...newMessage(account.id, 'held'), messageType: 'whatsapp' as const, registeredDelivery: 1, callbackStatuses: ['delivered', 'read'] };
    const plan = { nextStatus: 'sent', finalStatus: 'read', errorCode: 0, dueAt: 1_000, finalDueAt: 3_000, remaining: [['delivered', 2_000]] as Array<[string, number]> };
    const held = store.transaction(() => store.messages.insert(message, plan));
    const [fromMemory] = store.simulated.takeDue(1_000, 10);
    const read = store.transaction(() => store.messages.insert(message, plan));
    store.simulated.forgetFresh();
    const [fromRow] = store.simulated.takeDue(1_000, 10);
    assert.deepEqual([fromMemory?.messageId, fromRow?.messageId], [held, read]);
    assert.deepEqual({ ...fromMemory, messageId: '' }, { ...fromRow, messageId: '' });
    assert.deepEqual(fromRow?.facts.callbackStatuses, ['delivered', 'read']);
  });

  test('a held step is dropped when its row changes: a status recorded, a timer removed, a rollback', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const plan = { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 1_000, finalDueAt: 1_000 };
    const [changed, removed] = store.transaction(() => [store.messages.insert(newMessage(account.id, 'changed'), plan), store.messages.insert(newMessage(account.id, 'removed'), plan)]);
    store.transaction(() => {
      store.messages.setStatus(changed!, 'accepted', 0, null, 500, 1);
      store.simulated.remove(removed!);
    });
    assert.deepEqual(
      store.simulated.takeDue(1_000, 10).map((d) => [d.messageId, d.facts.status]),
      [[changed, 'accepted']],
      'the status as recorded since, and no step for the removed timer',
    );
    let gone: string | undefined;
    assert.throws(() =>
      store.transaction(() => {
        gone = store.messages.insert(newMessage(account.id, 'rolled back'), plan);
        throw new Error('rollback');
      }),
    );
    const without = store.transaction(() => store.messages.insert(newMessage(account.id, 'no timer')));
    assert.equal(without, gone, 'wanted SQLite to hand out the same id again');
    assert.deepEqual(store.simulated.takeDue(1_000, 10), [], 'the rolled-back timer is not handed out for the message that took its id');
  });

  test('a restart queues every pending timer again, reading from the saved mark on', (t) => {
    const path = freshPath(t);
    const opened: Store[] = [];
    t.after(() => opened.filter((s) => s.db.open).forEach((s) => s.close()));
    const open = (): Store => {
      const store = Store.open({ path });
      opened.push(store);
      return store;
    };
    const plan = (dueAt: number) => ({ nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt, finalDueAt: dueAt });

    const first = open();
    const account = first.accounts.add(newAccount('acme'));
    const [early, pending] = first.transaction(() => [first.messages.insert(newMessage(account.id, 'early'), plan(1_000)), first.messages.insert(newMessage(account.id, 'pending'), plan(9_000))]);
    first.transaction(() => {
      for (const step of first.simulated.takeDue(1_000, 10)) first.simulated.remove(step.messageId);
      first.simulated.saveMark();
    });
    assert.equal(first.settings.get('simulator.timers_from'), pending, 'the mark is the lowest id still queued');
    first.transaction(() => first.simulated.saveMark(Number(early)));
    assert.equal(first.settings.get('simulator.timers_from'), early, 'nor past a step whose transaction has not settled');
    first.transaction(() => first.simulated.saveMark());
    first.close();

    const second = open();
    // A timer before the mark breaks the mark's promise: set here only to show the read starts at the mark.
    second.db.prepare(`UPDATE messages SET sim_due_at = 2000, sim_next_status = 'delivered', sim_final_status = 'delivered' WHERE id = ?`).run(Number(early));
    assert.equal(second.simulated.nextDue(), 9_000, 'only rows from the mark on were read');
    assert.deepEqual(second.simulated.takeDue(9_000, 10).map((d) => d.messageId), [pending]);
    second.transaction(() => {
      second.simulated.remove(pending!);
      second.simulated.saveMark();
    });
    assert.equal(Number(second.settings.get('simulator.timers_from')), Number(pending) + 1, 'with nothing queued, the mark is past the last message');
    second.close();

    // Without a mark (a database from before migration 9), the whole table is read.
    const third = open();
    third.db.prepare(`DELETE FROM settings WHERE key = 'simulator.timers_from'`).run();
    assert.equal(third.simulated.nextDue(), 2_000);
    assert.deepEqual(third.simulated.takeDue(2_000, 10).map((d) => d.messageId), [early]);
  });

  test('migration 8 moves the timers of a version 7 database into their messages', (t) => {
    const { path, db } = databaseAtVersion(t, 7);
    db.prepare(`INSERT INTO accounts (system_id, password_hash, max_binds, rate, created_at, updated_at) VALUES ('acme', 'x', 1, 0, 0, 0)`).run();
    const insert = db.prepare(`INSERT INTO messages (account_id, channel, message_type, source_addr, dest_addr, body, status, submitted_at, updated_at) VALUES (1, 'smpp', 'sms', '1', '2', x'00', 'enroute', 0, 0)`);
    const pending = Number(insert.run().lastInsertRowid);
    const done = Number(insert.run().lastInsertRowid);
    db.prepare(`INSERT INTO simulated_deliveries (message_id, next_status, final_status, error_code, due_at, final_due_at, remaining) VALUES (?, 'enroute', 'undelivered', 13, 4000, 8000, '[["x",5000]]')`).run(pending);
    db.close();

    const store = openStore(t, path);
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    assert.deepEqual(store.simulated.takeDue(4_000, 10), [
      {
        messageId: String(pending),
        nextStatus: 'enroute',
        finalStatus: 'undelivered',
        errorCode: 13,
        dueAt: 4_000,
        finalDueAt: 8_000,
        remaining: [['x', 5_000]],
        facts: { accountId: 1, channel: 'smpp', messageType: 'sms', registeredDelivery: 0, status: 'enroute', callbackTargetId: null, callbackStatuses: null },
        receiptParts: { sourceAddr: '1', sourceTon: 0, sourceNpi: 0, destAddr: '2', destTon: 0, destNpi: 0, submittedAt: 0, text: null },
      },
    ]);
    assert.equal(store.simulated.remove(String(done)), false, 'a message that had no timer has none after the migration');
    const tables = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'simulated_deliveries'`).all();
    assert.deepEqual(tables, [], 'wanted the simulated_deliveries table dropped');
  });
});

describe('status events (listed in their message row since migration 10)', () => {
  test('an event is listed on its message: one timeline, several, and the receipts it owes', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const [a, b, quiet] = store.transaction(() => ['a', 'b', 'quiet'].map((text) => store.messages.insert(newMessage(account.id, text))));
    const event = (messageId: string, status: string, at: number) => store.events.insert({ messageId, status, final: status !== 'enroute', errorCode: 0, origin: 'simulator', occurredAt: at });
    const e1 = event(a!, 'enroute', 1_000);
    const e2 = event(b!, 'delivered', 2_000);
    const e3 = event(a!, 'delivered', 3_000);
    assert.deepEqual(store.events.forMessage(a!).map((e) => [e.id, e.messageId, e.status, e.final, e.occurredAt]), [[e1, a, 'enroute', false, 1_000], [e3, a, 'delivered', true, 3_000]]);
    assert.deepEqual(store.events.forMessage(quiet!), []);
    assert.deepEqual(store.events.forMessage('999999'), [], 'no such message');
    assert.deepEqual(store.events.forMessages([b!, a!, quiet!]).map((e) => e.id), [e1, e2, e3], 'oldest first across messages');
    const receipt = store.receipts.insert(account.id, a!, e3, 9_999_999_999_999);
    assert.deepEqual(store.receipts.forMessage(a!).map((r) => [r.id, r.eventId, r.status]), [[receipt, e3, 'delivered']]);
    assert.deepEqual(store.receipts.forMessage(b!), []);
  });

  test('migration 10 lists the events of a version 9 database on their messages and drops the index', (t) => {
    const { path, db } = databaseAtVersion(t, 9);
    db.prepare(`INSERT INTO accounts (system_id, password_hash, max_binds, rate, created_at, updated_at) VALUES ('acme', 'x', 1, 0, 0, 0)`).run();
    const insert = db.prepare(`INSERT INTO messages (account_id, channel, message_type, source_addr, dest_addr, body, status, submitted_at, updated_at) VALUES (1, 'smpp', 'sms', '1', '2', x'00', 'delivered', 0, 0)`);
    const [a, b, quiet] = [insert.run(), insert.run(), insert.run()].map((r) => Number(r.lastInsertRowid));
    const event = db.prepare(`INSERT INTO status_events (message_id, status, final, error_code, origin, occurred_at) VALUES (?, ?, 1, 0, 'simulator', ?)`);
    const ids = [event.run(b, 'enroute', 1), event.run(a, 'enroute', 2), event.run(b, 'delivered', 3), event.run(a, 'delivered', 4)].map((r) => Number(r.lastInsertRowid));
    db.close();

    const store = openStore(t, path);
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    assert.deepEqual(store.events.forMessage(String(a)).map((e) => [e.id, e.status]), [[ids[1], 'enroute'], [ids[3], 'delivered']]);
    assert.deepEqual(store.events.forMessage(String(b)).map((e) => [e.id, e.status]), [[ids[0], 'enroute'], [ids[2], 'delivered']]);
    assert.deepEqual(store.events.forMessage(String(quiet)), []);
    const later = store.events.insert({ messageId: String(a), status: 'read', final: true, errorCode: 0, origin: 'simulator', occurredAt: 5 });
    assert.deepEqual(store.events.forMessage(String(a)).map((e) => e.id), [ids[1], ids[3], later], 'a new event joins the migrated list');
    const indexes = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'status_events_by_message'`).all();
    assert.deepEqual(indexes, [], 'wanted the index dropped');
  });
});

describe('owed SMPP receipts', () => {
  const ALL = Number.MAX_SAFE_INTEGER;

  /** Stores a message, its delivered event and the receipt owed for it; with `remember`, the way the simulator does. */
  function owe(store: Store, accountId: number, text: string, remember: boolean): { receiptId: number; eventId: number; messageId: string } {
    const messageId = store.messages.insert({ ...newMessage(accountId, text), registeredDelivery: 1 }, { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 1_000, finalDueAt: 1_000 });
    const [step] = store.simulated.takeDue(Number.MAX_SAFE_INTEGER, 1_000).filter((d) => d.messageId === messageId);
    assert.ok(step, 'wanted the message due');
    const eventId = store.events.insert({ messageId, status: 'delivered', final: true, errorCode: 0, origin: 'simulator', occurredAt: 2_000 });
    store.simulated.remove(messageId);
    const content = remember ? { id: 0, messageId, eventId, status: 'delivered', errorCode: 0, occurredAt: 2_000, ...step.receiptParts } : undefined;
    const receiptId = store.receipts.insert(accountId, messageId, eventId, 9_999_999_999_999, content);
    return { receiptId, eventId, messageId };
  }

  test('a receipt the simulator recorded reads back from memory exactly as from the table, and only while pending', (t) => {
    const path = freshPath(t);
    const store = openStore(t, path);
    const account = store.accounts.add(newAccount('rc'));
    const first = owe(store, account.id, 'first', true);
    const second = owe(store, account.id, 'second', false);
    const fromStore = store.receipts.pendingAfter(account.id, 0, ALL, 0, 10);
    // A second connection has nothing in memory: it joins the rows.
    const other = openStore(t, path);
    assert.deepEqual(fromStore, other.receipts.pendingAfter(account.id, 0, ALL, 0, 10));
    assert.deepEqual(fromStore.map((r) => [r.id, r.messageId, r.text, r.destAddr]), [[first.receiptId, first.messageId, 'first', '436991234567'], [second.receiptId, second.messageId, 'second', '436991234567']]);
    // Served from memory: the same object on every read while no receipt of the batch is missing.
    assert.equal(store.receipts.pendingAfter(account.id, 0, first.receiptId, 0, 10)[0], store.receipts.pendingAfter(account.id, 0, first.receiptId, 0, 10)[0]);
    store.receipts.acked(first.receiptId, 3_000);
    assert.deepEqual(store.receipts.pendingAfter(account.id, 0, ALL, 0, 10).map((r) => r.id), [second.receiptId], 'an acknowledged receipt is not owed');
    assert.deepEqual(store.receipts.pendingAfter(account.id, 0, ALL, 9_999_999_999_999, 10), [], 'an expired receipt is not owed');
  });

  test('a rolled-back transaction forgets the receipts it remembered, whose ids come again for other rows', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('rb'));
    let gone: { receiptId: number; eventId: number } | undefined;
    assert.throws(() =>
      store.transaction(() => {
        gone = owe(store, account.id, 'rolled back', true);
        throw new Error('rollback');
      }),
    );
    const again = store.transaction(() => owe(store, account.id, 'stored', false));
    assert.deepEqual([again.receiptId, again.eventId], [gone?.receiptId, gone?.eventId], 'wanted SQLite to hand out the same ids again');
    assert.deepEqual(store.receipts.pendingAfter(account.id, 0, ALL, 0, 10).map((r) => r.text), ['stored']);
  });
});

describe('GroupCommitter', () => {
  test('items added in one tick go into one writeAll call, callbacks get their results after it', async () => {
    const calls: number[][] = [];
    const committer = new GroupCommitter<number, string>((items) => {
      calls.push([...items]);
      return items.map((n) => `r${n}`);
    }, 100);
    const results = await new Promise<Array<[Error | null, string | undefined]>>((resolve) => {
      const out: Array<[Error | null, string | undefined]> = [];
      for (let i = 1; i <= 5; i++) {
        committer.add(i, (err, result) => {
          out.push([err, result]);
          if (out.length === 5) resolve(out);
        });
      }
      assert.equal(calls.length, 0, 'wanted no write before the tick ends');
      assert.equal(committer.pending, 5);
    });
    assert.deepEqual(calls, [[1, 2, 3, 4, 5]], `wanted one writeAll with all five items, had ${JSON.stringify(calls)}`);
    assert.deepEqual(results, [1, 2, 3, 4, 5].map((n) => [null, `r${n}`]));
    assert.equal(committer.pending, 0);

    // A later tick is a new group.
    await new Promise<void>((resolve) => committer.add(6, () => resolve()));
    assert.deepEqual(calls, [[1, 2, 3, 4, 5], [6]]);
  });

  test('more items than maxRows are split into several writeAll calls', async () => {
    const calls: number[][] = [];
    const committer = new GroupCommitter<number, number>((items) => {
      calls.push([...items]);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => new Promise<void>((resolve) => committer.add(n, () => resolve()))));
    assert.deepEqual(calls, [[1, 2], [3, 4], [5]]);
  });

  test('when writeAll throws every callback of the group gets the error', async () => {
    const boom = new Error('disk full');
    const committer = new GroupCommitter<number, string>(() => {
      throw boom;
    }, 100);
    const outcomes = await Promise.all(
      [1, 2, 3].map((n) => new Promise<[Error | null, unknown]>((resolve) => committer.add(n, (err, result) => resolve([err, result])))),
    );
    for (const [i, [err, result]] of outcomes.entries()) {
      assert.equal(err, boom, `item ${i + 1}: wanted the writeAll error, had ${String(err)}`);
      assert.equal(result, undefined);
    }
    await committer.idle();
    assert.equal(committer.pending, 0);
  });

  test('idle() resolves once the queued group has been written', async () => {
    let written = 0;
    const committer = new GroupCommitter<number, number>((items) => {
      written += items.length;
      return items;
    }, 100);
    committer.add(1, () => undefined);
    committer.add(2, () => undefined);
    await committer.idle();
    assert.equal(written, 2);
  });
});

describe('outbox rows claimed as they are inserted (the hand-off to the forwarding worker)', () => {
  const setup = (t: TestContext) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const target = store.targets.add({ name: 'hook', type: 'http', url: 'http://127.0.0.1:9/', to: null, queueUrl: null, format: 'json', secret: null });
    const messageId = store.transaction(() => store.messages.insert(newMessage(account.id, 'hi')));
    const event = (status: string, at: number): number => store.events.insert({ messageId, status, final: status === 'delivered', errorCode: 0, origin: 'simulator', occurredAt: at });
    const raw = (id: number) => store.db.prepare('SELECT lease_until, next_attempt_at, attempts FROM outbox WHERE id = ?').get(id);
    return { store, target, messageId, event, raw };
  };

  test('leased at insert, its lease end as its next attempt: not claimable until the lease ends (a crash), then claimed as attempt 2', (t) => {
    const { store, target, messageId, event, raw } = setup(t);
    const row = store.outbox.insertClaimed(event('delivered', 1_000), messageId, target.id, 'xml', 1_000, 61_000);
    assert.ok(row);
    assert.deepEqual({ ...row, id: 0 }, { id: 0, eventId: row.eventId, messageId, targetId: target.id, format: 'xml', attempt: 1 });
    assert.deepEqual(raw(row.id), { lease_until: 61_000, next_attempt_at: 61_000, attempts: 1 });
    assert.deepEqual(store.outbox.claim(60_999, 120_000, 10), [], 'held by the worker until its lease ends');
    const [again] = store.outbox.claim(61_000, 121_000, 10);
    assert.equal(again?.id, row.id);
    assert.equal(again?.attempt, 2);
    assert.deepEqual(raw(row.id), { lease_until: 121_000, next_attempt_at: 121_000, attempts: 2 }, 'a claim moves the next attempt to its lease end too');
    store.outbox.release(row.id, 70_000);
    assert.deepEqual(raw(row.id), { lease_until: null, next_attempt_at: 70_000, attempts: 1 }, 'given back untried: due at once');
    assert.equal(store.outbox.claim(70_000, 130_000, 10)[0]?.id, row.id);
  });

  test('a row behind an earlier pending row of its message and target is only queued, and claimed once that one is done', (t) => {
    const { store, target, messageId, event, raw } = setup(t);
    const first = store.outbox.insertClaimed(event('enroute', 1_000), messageId, target.id, 'json', 1_000, 61_000);
    assert.ok(first);
    const second = store.outbox.insertClaimed(event('delivered', 1_001), messageId, target.id, 'json', 1_001, 61_001);
    assert.equal(second, null, 'not claimed: the enroute row still waits for the target');
    const secondId = first.id + 1;
    assert.deepEqual(raw(secondId), { lease_until: null, next_attempt_at: 1_001, attempts: 0 });
    assert.deepEqual(store.outbox.claim(2_000, 62_000, 10), [], 'blocked behind the first');
    store.outbox.delivered(first.id, '200', 2_000, 5, null);
    assert.deepEqual(store.outbox.claim(2_001, 62_001, 10).map((r) => [r.id, r.attempt]), [[secondId, 1]]);
    // With the second done too, a third event is claimed at insert again.
    store.outbox.delivered(secondId, '200', 2_002, 5, null);
    assert.ok(store.outbox.insertClaimed(event('read', 3_000), messageId, target.id, 'json', 3_000, 63_000));
  });

  test('renewing a held row moves its next attempt with its lease', (t) => {
    const { store, target, messageId, event, raw } = setup(t);
    const row = store.outbox.insertClaimed(event('delivered', 1_000), messageId, target.id, 'json', 1_000, 6_000);
    assert.ok(row);
    assert.equal(store.outbox.renew([row.id], 11_000), 1);
    assert.deepEqual(raw(row.id), { lease_until: 11_000, next_attempt_at: 11_000, attempts: 1 });
    assert.deepEqual(store.outbox.claim(10_999, 20_000, 10), []);
  });
});

test('migration 12: outbox indexed by message and for the scrape; a v11 file keeps its pending order, lists a message by the index, counts live rows', (t) => {
  const { path, db } = databaseAtVersion(t, 11);
  db.prepare(`INSERT INTO targets (name, type, url, format, created_at, updated_at) VALUES ('hook', 'http', 'http://127.0.0.1:9/', 'json', 0, 0)`).run();
  const insert = db.prepare(`INSERT INTO outbox (event_id, message_id, target_id, format, state, next_attempt_at, created_at) VALUES (?, 7, 1, 'json', ?, 0, 0)`);
  insert.run(1, 'delivered');
  insert.run(2, 'pending');
  insert.run(3, 'pending');
  db.close();
  const store = openStore(t, path);
  const indexes = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name`).pluck().all();
  assert.deepEqual(indexes, ['outbox_by_message', 'outbox_due', 'outbox_failed']);
  assert.deepEqual(store.outbox.claim(1_000, 61_000, 10).map((r) => r.eventId), [2], 'the later pending row waits behind the earlier one');
  assert.deepEqual(store.outbox.list({ messageId: '7', limit: 10 }).map((r) => r.eventId), [3, 2, 1]);
  const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM outbox o WHERE o.message_id = ? ORDER BY o.id DESC LIMIT 10`).all(7) as Array<{ detail: string }>;
  assert.match(plan.map((p) => p.detail).join(' | '), /outbox_by_message/, 'a message\'s deliveries are found by the index, not a scan');
  // The scrape's gauges: pending and failed rows by target, from the partial indexes.
  store.db.prepare(`UPDATE outbox SET state = 'failed' WHERE event_id = 1`).run();
  assert.deepEqual(store.outbox.liveDepth(), [
    { targetId: 1, state: 'pending', n: 2 },
    { targetId: 1, state: 'failed', n: 1 },
  ]);
  // The CLI's counts: delivered is the rest of the total.
  store.db.prepare(`INSERT INTO outbox (event_id, message_id, target_id, format, state, next_attempt_at, created_at) VALUES (4, 8, 1, 'json', 'delivered', 0, 0)`).run();
  assert.deepEqual(store.outbox.counts(), { pending: 2, delivered: 1, failed: 1 });
  assert.deepEqual(store.outbox.counts(1), { pending: 2, delivered: 1, failed: 1 });
  assert.deepEqual(store.outbox.counts(2), { pending: 0, delivered: 0, failed: 0 });
});

describe('forwarding attempts (the delivering one kept in its outbox row since migration 11)', () => {
  test('failed attempts get rows, the delivering one rides on the outbox row, and they list in order', (t) => {
    const store = openStore(t, freshPath(t));
    const account = store.accounts.add(newAccount('acme'));
    const target = store.targets.add({ name: 'hook', type: 'http', url: 'http://127.0.0.1:9/', to: null, queueUrl: null, format: 'json', secret: null });
    const messageId = store.transaction(() => store.messages.insert(newMessage(account.id, 'hi')));
    const eventId = store.events.insert({ messageId, status: 'delivered', final: true, errorCode: 0, origin: 'simulator', occurredAt: 1_000 });
    store.outbox.insert(eventId, messageId, target.id, 'json', 1_000);
    const [first] = store.outbox.claim(1_000, 60_000, 10);
    assert.ok(first);
    store.outbox.recordAttempt({ outboxId: first.id, attempt: 1, at: 1_100, durationMs: 30, outcome: 'retry', code: '503', excerpt: 'busy' });
    store.outbox.retryAt(first.id, 2_000, '503', 'busy');
    const [second] = store.outbox.claim(2_000, 60_000, 10);
    assert.equal(second?.attempt, 2);
    store.outbox.delivered(first.id, '200', 2_050, 12, 'ok');
    assert.deepEqual(store.outbox.attempts(first.id), [
      { outboxId: first.id, attempt: 1, at: 1_100, durationMs: 30, outcome: 'retry', code: '503', excerpt: 'busy' },
      { outboxId: first.id, attempt: 2, at: 2_050, durationMs: 12, outcome: 'delivered', code: '200', excerpt: 'ok' },
    ]);
    const rows = store.db.prepare('SELECT outcome FROM delivery_attempts WHERE outbox_id = ?').pluck().all(first.id);
    assert.deepEqual(rows, ['retry'], 'no delivery_attempts row for the delivering attempt');
    assert.deepEqual(store.outbox.attempts(first.id + 1), [], 'no such row');
  });

  test('migration 11: a row delivered before it keeps its attempt from the table, listed once', (t) => {
    const { path, db } = databaseAtVersion(t, 10);
    db.prepare(`INSERT INTO targets (name, type, url, format, created_at, updated_at) VALUES ('hook', 'http', 'http://127.0.0.1:9/', 'json', 0, 0)`).run();
    const outboxId = Number(
      db.prepare(`INSERT INTO outbox (event_id, message_id, target_id, format, state, attempts, next_attempt_at, last_code, created_at, done_at) VALUES (1, 1, 1, 'json', 'delivered', 1, 0, '200', 0, 500)`).run().lastInsertRowid,
    );
    db.prepare(`INSERT INTO delivery_attempts (outbox_id, attempt, at, duration_ms, outcome, code, excerpt) VALUES (?, 1, 500, 7, 'delivered', '200', NULL)`).run(outboxId);
    db.close();

    const store = openStore(t, path);
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    assert.deepEqual(store.outbox.attempts(outboxId), [{ outboxId, attempt: 1, at: 500, durationMs: 7, outcome: 'delivered', code: '200', excerpt: null }]);
  });
});
