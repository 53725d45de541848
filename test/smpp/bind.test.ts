/**
 * Binding (SPEC §3, SMPP 3.4 §4.1): every refusal status, the three bind types, the bind state
 * rules that apply to other commands, enquire_link and unbind, the `sessions` history, and a
 * handler that throws.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Status, statusName } from '../../src/smpp/command-status.js';
import type { SessionRow } from '../../src/store/sessions.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { bind, call, closeSession, connect, submit, type PDU, type Session } from '../helpers/smpp-client.js';

/** A fresh server stopped when the test ends. */
async function appFor(t: TestContext, overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const app = await startApp(overrides);
  t.after(() => app.stop());
  return app;
}

/** Closes `session` when the test ends. */
function owned(t: TestContext, session: Session): Session {
  t.after(() => closeSession(session));
  return session;
}

async function bindOwned(
  t: TestContext,
  app: TestApp,
  systemId: string,
  password: string,
  type: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
  extra: Record<string, unknown> = {},
): Promise<{ session: Session; response: PDU }> {
  const result = await bind(app.port, systemId, password, type, extra);
  owned(t, result.session);
  return result;
}

function assertStatus(pdu: PDU, want: number, what: string): void {
  assert.equal(
    pdu.command_status,
    want,
    `${what}: wanted ${statusName(want)}, had ${statusName(pdu.command_status)} (${pdu.command})`,
  );
}

/** Resolves when the server has closed the client's socket. */
function closedByServer(session: Session, timeoutMs = 3000): Promise<void> {
  if (session.socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wanted the server to close the connection, still open after ${timeoutMs} ms`)), timeoutMs);
    session.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The newest sessions row once it records an end (unboundAt set). */
function lastSessionEnded(app: TestApp): Promise<SessionRow> {
  return eventually(
    () => {
      const row = app.app.store.sessions.recent(1)[0];
      if (!row) throw new Error('wanted a sessions row, had none');
      if (row.unboundAt === null) throw new Error(`wanted session ${row.id} ended, had unboundAt null`);
      return row;
    },
    3000,
    'session row has unboundAt',
  );
}

test('bind with an unknown system_id is refused with ESME_RINVSYSID', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { response } = await bindOwned(t, app, 'nobody', 'pw1');
  assertStatus(response, Status.ESME_RINVSYSID, 'bind as unknown system_id');
  assert.equal(response.command, 'bind_transceiver_resp', `wanted bind_transceiver_resp, had ${response.command}`);
});

test('bind with a wrong password is refused with ESME_RINVPASWD', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { response } = await bindOwned(t, app, 'acme', 'wrong');
  assertStatus(response, Status.ESME_RINVPASWD, 'bind with wrong password');
});

test('a second bind on a bound session is refused with ESME_RALYBND and the first bind stays', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(response, Status.ESME_ROK, 'first bind');
  const again = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(again, Status.ESME_RALYBND, 'second bind on the same session');
  const submitted = await submit(session);
  assertStatus(submitted, Status.ESME_ROK, 'submit after the refused second bind');
});

test('a bind over the account maxBinds is refused with ESME_RBINDFAIL', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1', { maxBinds: 1 });
  const first = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(first.response, Status.ESME_ROK, 'first bind (maxBinds 1)');
  const second = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(second.response, Status.ESME_RBINDFAIL, 'second bind on another connection (maxBinds 1)');

  // Once the first bind has ended, its slot is free again.
  await closeSession(first.session);
  await eventually(() => app.app.smpp.binds.sessionsOf(app.app.store.accounts.bySystemId('acme')!.id).size === 0, 3000, 'first bind released');
  const third = await call(second.session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(third, Status.ESME_ROK, 'bind after the first connection closed');
});

test('a bind from an address outside allowedIps is refused with ESME_RBINDFAIL; an allowed one binds', async (t) => {
  const app = await appFor(t);
  app.addAccount('remote', 'pw1', { allowedIps: ['10.0.0.0/8'] });
  app.addAccount('local', 'pw2', { allowedIps: ['127.0.0.0/8'] });
  const refused = await bindOwned(t, app, 'remote', 'pw1');
  assertStatus(refused.response, Status.ESME_RBINDFAIL, 'bind from 127.0.0.1 with allowedIps 10.0.0.0/8');
  const allowed = await bindOwned(t, app, 'local', 'pw2');
  assertStatus(allowed.response, Status.ESME_ROK, 'bind from 127.0.0.1 with allowedIps 127.0.0.0/8');
});

for (const type of ['transmitter', 'receiver', 'transceiver'] as const) {
  test(`bind_${type} succeeds with system_id "smscd" and sc_interface_version 0x34`, async (t) => {
    const app = await appFor(t);
    app.addAccount('acme', 'pw1');
    const { response } = await bindOwned(t, app, 'acme', 'pw1', type, { interface_version: 0x34 });
    assertStatus(response, Status.ESME_ROK, `bind_${type}`);
    assert.equal(response.command, `bind_${type}_resp`, `wanted bind_${type}_resp, had ${response.command}`);
    assert.equal(response.system_id, 'smscd', `wanted system_id "smscd" in the response, had ${String(response.system_id)}`);
    assert.equal(response.sc_interface_version, 0x34, `wanted sc_interface_version 0x34, had ${String(response.sc_interface_version)}`);
  });
}

test('a bind with interface_version 0x33 gets no sc_interface_version TLV (SMPP 3.3 has no TLVs)', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { response } = await bindOwned(t, app, 'acme', 'pw1', 'transceiver', { interface_version: 0x33 });
  assertStatus(response, Status.ESME_ROK, 'bind with interface_version 0x33');
  assert.equal(response.system_id, 'smscd');
  assert.equal(response.sc_interface_version, undefined, `wanted no sc_interface_version, had ${String(response.sc_interface_version)}`);
});

test('a refused bind leaves the connection usable for a correct bind', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'wrong');
  assertStatus(response, Status.ESME_RINVPASWD, 'bind with wrong password');
  const unknown = await call(session, 'bind_transmitter', { system_id: 'nobody', password: 'pw1', interface_version: 0x34 });
  assertStatus(unknown, Status.ESME_RINVSYSID, 'bind as unknown system_id on the same connection');
  const ok = await call(session, 'bind_transmitter', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(ok, Status.ESME_ROK, 'correct bind on the same connection');
  const submitted = await submit(session);
  assertStatus(submitted, Status.ESME_ROK, 'submit after the correct bind');
});

test('submit_sm before bind is refused with ESME_RINVBNDSTS', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const session = owned(t, await connect(app.port));
  const response = await submit(session);
  assertStatus(response, Status.ESME_RINVBNDSTS, 'submit_sm before bind');
  assert.equal(response.command, 'submit_sm_resp', `wanted submit_sm_resp, had ${response.command}`);
  assert.equal(app.app.store.messages.count(), 0, 'wanted no message stored');
  // The refusal does not end the connection.
  const bound = await call(session, 'bind_transmitter', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(bound, Status.ESME_ROK, 'bind after the refused submit');
});

test('submit_sm on a receiver bind is refused with ESME_RINVBNDSTS', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'pw1', 'receiver');
  assertStatus(response, Status.ESME_ROK, 'bind_receiver');
  const submitted = await submit(session);
  assertStatus(submitted, Status.ESME_RINVBNDSTS, 'submit_sm on a receiver bind');
  assert.equal(app.app.store.messages.count(), 0, 'wanted no message stored');
});

test('enquire_link is answered before and after bind', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const session = owned(t, await connect(app.port));
  const before = await call(session, 'enquire_link');
  assertStatus(before, Status.ESME_ROK, 'enquire_link before bind');
  assert.equal(before.command, 'enquire_link_resp', `wanted enquire_link_resp, had ${before.command}`);
  const bound = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(bound, Status.ESME_ROK, 'bind');
  const after = await call(session, 'enquire_link');
  assertStatus(after, Status.ESME_ROK, 'enquire_link after bind');
  assert.equal(after.command, 'enquire_link_resp', `wanted enquire_link_resp, had ${after.command}`);
});

test('unbind is answered with unbind_resp status 0, then the server closes the connection', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(response, Status.ESME_ROK, 'bind');
  const closed = closedByServer(session);
  const unbound = await call(session, 'unbind');
  assert.equal(unbound.command, 'unbind_resp', `wanted unbind_resp, had ${unbound.command}`);
  assertStatus(unbound, Status.ESME_ROK, 'unbind');
  await closed;
});

test('the sessions table records the bind and its end with a reason', async (t) => {
  const app = await appFor(t);
  const account = app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'pw1', 'transmitter', { interface_version: 0x34 });
  assertStatus(response, Status.ESME_ROK, 'bind');

  const [row] = app.app.store.sessions.recent(1);
  assert.ok(row, 'wanted a sessions row after the bind, had none');
  assert.equal(row.accountId, account.id);
  assert.equal(row.systemId, 'acme');
  assert.equal(row.bindType, 'transmitter');
  assert.equal(row.interfaceVersion, 0x34);
  assert.equal(row.remoteAddress, '127.0.0.1');
  assert.ok(row.boundAt > 0 && row.boundAt <= Date.now(), `wanted boundAt set, had ${row.boundAt}`);
  assert.equal(row.unboundAt, null, `wanted the session still open, had unboundAt ${row.unboundAt}`);
  assert.equal(row.reason, null);

  const closed = closedByServer(session);
  const unbound = await call(session, 'unbind');
  assertStatus(unbound, Status.ESME_ROK, 'unbind');
  await closed;
  const ended = await lastSessionEnded(app);
  assert.equal(ended.id, row.id);
  assert.ok(ended.unboundAt! >= row.boundAt, `wanted unboundAt ≥ boundAt, had ${ended.unboundAt} < ${row.boundAt}`);
  assert.equal(ended.reason, 'unbound by client', `wanted reason "unbound by client", had ${String(ended.reason)}`);
});

test('a dropped connection is recorded as ended with a reason', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { session, response } = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(response, Status.ESME_ROK, 'bind');
  await closeSession(session);
  const ended = await lastSessionEnded(app);
  assert.ok(ended.reason && ended.reason.length > 0, `wanted a reason, had ${String(ended.reason)}`);
});

test('refused binds leave no sessions row', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const { response } = await bindOwned(t, app, 'acme', 'wrong');
  assertStatus(response, Status.ESME_RINVPASWD, 'bind with wrong password');
  assert.deepEqual(app.app.store.sessions.recent(), [], 'wanted no sessions row for a refused bind');
});

test('a bind handler that throws answers ESME_RSYSERR and disturbs no session', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const other = await bindOwned(t, app, 'acme', 'pw1', 'transmitter');
  assertStatus(other.response, Status.ESME_ROK, 'bind of the other session');
  const session = owned(t, await connect(app.port));

  const accounts = app.app.store.accounts;
  const original = accounts.bySystemId;
  accounts.bySystemId = () => {
    throw new Error('boom');
  };
  try {
    const refused = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
    assertStatus(refused, Status.ESME_RSYSERR, 'bind while the account lookup throws');
    assert.equal(refused.command, 'bind_transceiver_resp', `wanted bind_transceiver_resp, had ${refused.command}`);
    const alive = await call(session, 'enquire_link');
    assertStatus(alive, Status.ESME_ROK, 'enquire_link on the session whose bind failed');
    const submitted = await submit(other.session);
    assertStatus(submitted, Status.ESME_ROK, 'submit on the other, already bound session');
  } finally {
    accounts.bySystemId = original;
  }
  const bound = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(bound, Status.ESME_ROK, 'bind after the lookup was restored');
});

test('a bind that fails while recording the session leaves the connection free to bind again', async (t) => {
  const app = await appFor(t);
  app.addAccount('acme', 'pw1');
  const session = owned(t, await connect(app.port));
  const sessions = app.app.store.sessions;
  const original = sessions.opened;
  // E.g. SQLITE_BUSY when the CLI holds the write lock longer than busy_timeout.
  sessions.opened = () => {
    throw new Error('database is locked');
  };
  try {
    const failed = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
    assertStatus(failed, Status.ESME_RSYSERR, 'bind while the session record cannot be written');
  } finally {
    sessions.opened = original;
  }
  const again = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
  assertStatus(again, Status.ESME_ROK, 'second bind on the same connection after the failed one');
});

test('a bind that fails while recording the session does not keep a bind slot', async (t) => {
  const app = await appFor(t);
  const account = app.addAccount('acme', 'pw1', { maxBinds: 1 });
  const session = await connect(app.port);
  const sessions = app.app.store.sessions;
  const original = sessions.opened;
  sessions.opened = () => {
    throw new Error('database is locked');
  };
  try {
    const failed = await call(session, 'bind_transceiver', { system_id: 'acme', password: 'pw1', interface_version: 0x34 });
    assertStatus(failed, Status.ESME_RSYSERR, 'bind while the session record cannot be written');
  } finally {
    sessions.opened = original;
    await closeSession(session);
  }
  const held = await eventually(() => app.app.smpp.binds.sessionsOf(account.id).size === 0, 2000, 'bind slot released').catch((err: Error) => err);
  const next = await bindOwned(t, app, 'acme', 'pw1');
  assertStatus(next.response, Status.ESME_ROK, 'bind on a new connection after the failed one closed (maxBinds 1)');
  assert.ok(!(held instanceof Error), `wanted no bind registered for the account, had ${app.app.smpp.binds.sessionsOf(account.id).size}`);
});
