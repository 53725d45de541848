/**
 * The delivery simulator seen from an SMPP client (SPEC §4): prefix rules, reserved test numbers,
 * and outcomes reproducible from a seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { cleanup } from '../helpers/cleanup.js';
import { startApp } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { bindCollecting, messageIdOf, parseReceiptBody, readDataCoding0AsLatin1, shortMessageText, submitMany } from '../helpers/receipts.js';
import { closeSession, submit } from '../helpers/smpp-client.js';

readDataCoding0AsLatin1();

test('simulator.rules: a message to 4366… ends rejected (REJECTD, err:013); the longest prefix wins; others follow the outcomes', async (t) => {
  const defer = cleanup(t);
  const app = await startApp({
    'simulator.outcomes': { delivered: 1 },
    'simulator.rules': [
      { prefix: '4366', status: 'rejected' },
      { prefix: '436677', status: 'expired' },
    ],
  });
  defer(() => app.stop());
  app.addAccount('acme', 'pw');
  const { session, collector } = await bindCollecting(app.port, 'acme', 'pw', 'transceiver');
  defer(() => closeSession(session));

  const dests = { rejected: '436612345678', expired: '436677000001', delivered: '436991234567' };
  const responses = await submitMany(session, Object.values(dests).map((d) => ({ destination_addr: d, registered_delivery: 1 })));
  const ids = Object.fromEntries(Object.keys(dests).map((k, i) => [k, messageIdOf(responses[i]!)])) as Record<keyof typeof dests, string>;
  for (const id of Object.values(ids)) await collector.waitForMessage(id);

  for (const [want, id] of Object.entries(ids)) {
    assert.equal(app.app.store.messages.byId(id)!.status, want, `message to ${dests[want as keyof typeof dests]}: stored status`);
  }
  const rejected = collector.forMessage(ids.rejected)[0]!;
  const body = parseReceiptBody(shortMessageText(rejected));
  assert.deepEqual({ stat: body.stat, err: body.err, state: rejected.message_state }, { stat: 'REJECTD', err: '013', state: 8 }, 'the rejected receipt');
  assert.equal(parseReceiptBody(shortMessageText(collector.forMessage(ids.expired)[0]!)).stat, 'EXPIRED', '436677… (longer prefix) → expired');
  assert.equal(parseReceiptBody(shortMessageText(collector.forMessage(ids.delivered)[0]!)).stat, 'DELIVRD', 'no rule → the outcome mix (delivered)');
});

test('test numbers 999000001/2/3 are refused with ESME_RTHROTTLED / ESME_RMSGQFUL / ESME_RSUBMITFAIL and nothing is stored', async (t) => {
  const defer = cleanup(t);
  const app = await startApp();
  defer(() => app.stop());
  app.addAccount('acme', 'pw');
  const { session } = await bindCollecting(app.port, 'acme', 'pw', 'transceiver');
  defer(() => closeSession(session));
  const cases: Array<[string, number]> = [
    ['999000001', Status.ESME_RTHROTTLED],
    ['999000002', Status.ESME_RMSGQFUL],
    ['999000003', Status.ESME_RSUBMITFAIL],
  ];
  for (const [number, want] of cases) {
    const resp = await submit(session, { destination_addr: number, registered_delivery: 1 });
    assert.equal(resp.command, 'submit_sm_resp', `${number}: answered with submit_sm_resp`);
    assert.equal(resp.command_status, want, `${number}: wanted ${statusName(want)}, had ${statusName(resp.command_status)}`);
  }
  assert.equal(app.app.store.messages.count(), 0, 'no message stored for a forced submit error');
  assert.deepEqual(app.app.store.receipts.countByState(), {}, 'no receipt owed');
  // The session carries on normally.
  assert.equal((await submit(session)).command_status, Status.ESME_ROK, 'a normal submit afterwards');
});

test('test number 999000011 gets an undelivered receipt (UNDELIV, message_state 5, err:001)', async (t) => {
  const defer = cleanup(t);
  const app = await startApp({ 'simulator.outcomes': { delivered: 1 } });
  defer(() => app.stop());
  app.addAccount('acme', 'pw');
  const { session, collector } = await bindCollecting(app.port, 'acme', 'pw', 'transceiver');
  defer(() => closeSession(session));
  const [resp] = await submitMany(session, [{ destination_addr: '999000011', registered_delivery: 1 }]);
  const id = messageIdOf(resp!);
  const receipt = await collector.waitForMessage(id);
  const body = parseReceiptBody(shortMessageText(receipt));
  assert.deepEqual({ stat: body.stat, err: body.err, state: receipt.message_state }, { stat: 'UNDELIV', err: '001', state: 5 }, 'the receipt');
  assert.equal(app.app.store.messages.byId(id)!.status, 'undelivered', 'stored status');
});

/** Runs a fresh app with `seed`, submits 30 messages one after the other, and returns their final statuses in submit order. */
async function outcomesWithSeed(seed: number): Promise<string[]> {
  const app = await startApp({
    'simulator.seed': seed,
    'simulator.delayMs': [0, 20],
    'simulator.outcomes': { delivered: 40, undelivered: 20, expired: 20, rejected: 20 },
  });
  try {
    app.addAccount('acme', 'pw');
    const { session } = await bindCollecting(app.port, 'acme', 'pw', 'transmitter');
    try {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(messageIdOf(await submit(session, { short_message: Buffer.from(`seed ${i}`) }), `submit ${i}`));
      return await eventually(() => {
        const statuses = ids.map((id) => app.app.store.messages.byId(id)!.status);
        if (statuses.some((s) => s === 'enroute')) throw new Error(`still in delivery: ${statuses.filter((s) => s === 'enroute').length}`);
        return statuses;
      }, 5000, 'all 30 final');
    } finally {
      await closeSession(session);
    }
  } finally {
    await app.stop();
  }
}

test('the same seed gives the same outcomes in two fresh servers; another seed gives others', async () => {
  const first = await outcomesWithSeed(1);
  const second = await outcomesWithSeed(1);
  assert.ok(new Set(first).size >= 3, `the outcome mix should show several statuses in 30 messages, had ${JSON.stringify(first)}`);
  assert.deepEqual(second, first, 'seed 1 twice: the same statuses in submit order');
  const other = await outcomesWithSeed(2);
  assert.notDeepEqual(other, first, 'seed 2: a different sequence');
});
