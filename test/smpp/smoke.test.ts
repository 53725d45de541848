import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../helpers/app.js';
import { bind, closeSession, submit } from '../helpers/smpp-client.js';

test('smoke: bind and submit', async () => {
  const t = await startApp();
  t.addAccount('acme', 'pw1');
  const { session, response } = await bind(t.port, 'acme', 'pw1');
  assert.equal(response.command_status, 0);
  const resp = await submit(session);
  assert.equal(resp.command_status, 0, `status ${resp.command_status}`);
  assert.ok(t.app.store.messages.byId(String(resp.message_id)));
  await closeSession(session);
  await t.stop();
});
