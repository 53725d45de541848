import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { bind, closeSession, submit, type PDU } from '../helpers/smpp-client.js';

test('smoke: a receipt arrives after the response', async () => {
  const t = await startApp({ 'simulator.outcomes': { delivered: 1 } });
  t.addAccount('acme', 'pw1');
  const { session } = await bind(t.port, 'acme', 'pw1');
  const receipts: PDU[] = [];
  session.on('deliver_sm', (pdu: PDU) => {
    receipts.push(pdu);
    session.send(pdu.response());
  });
  const resp = await submit(session, { registered_delivery: 1 });
  assert.equal(resp.command_status, 0);
  await eventually(() => receipts.length === 1, 3000, 'receipt');
  const r = receipts[0]!;
  console.log(r);
  assert.equal(r.receipted_message_id, resp.message_id);
  await eventually(() => t.app.store.receipts.countByState().acked === 1, 3000, 'acked');
  await closeSession(session);
  await t.stop();
});
