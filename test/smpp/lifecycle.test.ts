/** Restarts, graceful shutdown and back-pressure: nothing acknowledged is lost. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { statusName } from '../../src/smpp/command-status.js';
import { startApp } from '../helpers/app.js';
import { cli, serve } from '../helpers/cli.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { bindBody, RawClient, rawPdu, submitBody } from '../helpers/raw-socket.js';
import { bind, closeSession, submit, submitFields, type PDU } from '../helpers/smpp-client.js';
import smpp from 'smpp';

test('message ids stay unique across a restart on the same database', async () => {
  const first = await startApp();
  first.addAccount('acme', 'pw');
  const ids: string[] = [];
  for (const _ of [1, 2]) {
    const app = ids.length === 0 ? first : await startApp({}, first.dir);
    const { session } = await bind(app.port, 'acme', 'pw');
    for (let i = 0; i < 5; i++) {
      const resp = await submit(session);
      assert.equal(resp.command_status, 0);
      ids.push(String(resp.message_id));
    }
    await closeSession(session);
    await app.stop(true);
  }
  rmSync(first.dir, { recursive: true, force: true });
  assert.equal(new Set(ids).size, 10, `ids must be distinct: ${ids.join(', ')}`);
  for (const id of ids) assert.ok(id.length > 0 && id.length <= 64, `id "${id}" is 1–64 characters`);
});

test('a window of 2 with 300 pipelined submits: all answered, none lost', async (t) => {
  const app = await startApp({ 'smpp.window': 2 });
  t.after(() => app.stop());
  app.addAccount('acme', 'pw');
  const client = await RawClient.open(app.port);
  t.after(() => client.destroy());
  client.write(rawPdu(0x09, 1, bindBody('acme', 'pw')));
  await eventually(() => client.pdus().some((p) => p.commandId === 0x80000009 && p.status === 0), 3000, 'bound');
  const burst = Buffer.concat(Array.from({ length: 300 }, (_, i) => rawPdu(0x04, 100 + i, submitBody(Buffer.from(`m${i}`)))));
  client.write(burst);
  await eventually(() => client.pdus().filter((p) => p.commandId === 0x80000004).length === 300, 10_000, '300 submit_sm_resp');
  const responses = client.pdus().filter((p) => p.commandId === 0x80000004);
  assert.ok(responses.every((p) => p.status === 0), 'all accepted');
  assert.deepEqual(new Set(responses.map((p) => p.sequence)).size, 300, 'each submit answered once');
  assert.equal(app.app.store.messages.count(), 300);
});

test('a client that stops reading makes the server stop reading it (no unbounded queue)', async (t) => {
  const app = await startApp({ 'smpp.window': 64 });
  t.after(() => app.stop());
  app.addAccount('slow', 'pw');
  app.addAccount('other', 'pw');
  const client = await RawClient.open(app.port);
  t.after(() => client.destroy());
  client.write(rawPdu(0x09, 1, bindBody('slow', 'pw')));
  await eventually(() => client.pdus().some((p) => p.commandId === 0x80000009), 3000, 'bound');
  client.socket.pause(); // stop reading responses

  const total = 150_000;
  const one = submitBody(Buffer.from('x'));
  const chunk = Buffer.concat(Array.from({ length: 1000 }, (_, i) => rawPdu(0x04, 2 + i, one)));
  for (let i = 0; i < total / 1000; i++) client.socket.write(chunk);

  const session = () => app.app.smpp.connections().find((s) => s.systemId === 'slow');
  // Generous: on a loaded machine ingesting enough to fill both socket buffers takes a while.
  await eventually(() => session()?.socket.writableNeedDrain === true, 60_000, 'server socket waiting for drain');
  const stored = app.app.store.messages.count();
  await sleep(300);
  assert.equal(app.app.store.messages.count(), stored, 'no more submits are read while the client does not read');
  assert.ok(stored < total, `the server stopped before reading everything (${stored} of ${total})`);

  // Another account's session is unaffected meanwhile.
  const other = await bind(app.port, 'other', 'pw');
  t.after(() => closeSession(other.session));
  assert.equal((await submit(other.session)).command_status, 0);

  client.socket.resume();
  await eventually(() => client.pdus().filter((p) => p.commandId === 0x80000004).length === total, 30_000, 'all responses after resuming');
  assert.equal(app.app.store.messages.count(), total + 1);
});

test('SIGTERM: the server answers what it accepted, unbinds, exits 0, and loses nothing acknowledged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-sigterm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'smscd.db');
  assert.equal((await cli(['account', 'add', 'acme', '--password', 'pw', '--db', db])).code, 0);
  const server = await serve(db);
  t.after(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  const session = smpp.connect({ host: '127.0.0.1', port: server.smppPort });
  session.on('error', () => {});
  let unbindReceived = false;
  session.on('unbind', (pdu: PDU) => {
    unbindReceived = true;
    session.send(pdu.response());
  });
  await new Promise<void>((resolve, reject) =>
    session.bind_transceiver({ system_id: 'acme', password: 'pw' }, (r) => (r.command_status === 0 ? resolve() : reject(new Error(statusName(r.command_status))))),
  );

  const acknowledged: string[] = [];
  let refused = 0;
  let inFlight = 0;
  let stopped = false;
  session.socket.once('close', () => (stopped = true));
  const pump = (): void => {
    while (!stopped && inFlight < 50) {
      inFlight++;
      const sent = session.submit_sm(submitFields(), (r) => {
        inFlight--;
        if (r.command_status === 0) acknowledged.push(String(r.message_id));
        else refused++;
        pump();
      });
      if (!sent) {
        stopped = true;
        return;
      }
    }
  };
  pump();
  await eventually(() => acknowledged.length > 500, 10_000, 'submits flowing');
  server.child.kill('SIGTERM');
  const code = await server.exited;
  assert.equal(code, 0, `exit code; log:\n${server.lines.slice(-5).join('\n')}`);
  assert.ok(unbindReceived, 'the server sent unbind before closing');

  const check = new Database(db, { readonly: true });
  t.after(() => check.close());
  const lookup = check.prepare('SELECT 1 FROM messages WHERE id = ?');
  const missing = acknowledged.filter((id) => !lookup.get(Number(id)));
  assert.deepEqual(missing, [], `all ${acknowledged.length} acknowledged messages are stored (${refused} refused during shutdown)`);
  const logged = server.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string });
  assert.ok(logged.some((l) => l.msg === 'stopped'), 'logged "stopped"');
});
