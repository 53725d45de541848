/**
 * Where receipts go and that none is lost (SPEC §3): routing to the account's receiver binds,
 * receipts kept while no receiver is bound, re-sent when unanswered, in order per message, kept
 * across a restart, answered work before unbind on a graceful stop, and a bounded number in flight
 * to a client that stops reading.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import smpp from 'smpp';
import { cleanup } from '../helpers/cleanup.js';
import { startApp } from '../helpers/app.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { bindCollecting, type DeliverCollector, messageIdOf, submitMany } from '../helpers/receipts.js';
import { closeSession, submitFields, type PDU, type Session } from '../helpers/smpp-client.js';

/** Binds (collecting deliver_sm from before the bind response on); fails the test when refused. */
async function bound(port: number, systemId: string, type: 'transmitter' | 'receiver' | 'transceiver'): Promise<{ session: Session; collector: DeliverCollector }> {
  return bindCollecting(port, systemId, 'pw', type);
}

/** `n` submit_sm field sets asking for a final receipt. */
function withReceipts(n: number, label: string): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({ registered_delivery: 1, short_message: Buffer.from(`${label} ${i}`) }));
}

/** Values that occur more than once. */
function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((v) => (seen.has(v) ? true : (seen.add(v), false))))];
}

describe('routing', () => {
  test('submitted on a transmitter, the receipts arrive on the same account’s receiver, not on another account’s', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    app.addAccount('globex', 'pw');
    const { session: tx, collector: onTx } = await bound(app.port, 'acme', 'transmitter');
    const { session: rx, collector: onRx } = await bound(app.port, 'acme', 'receiver');
    const { session: otherRx, collector: onOtherRx } = await bound(app.port, 'globex', 'receiver');
    const { session: otherTx } = await bound(app.port, 'globex', 'transmitter');
    defer(() => Promise.all([tx, rx, otherRx, otherTx].map(closeSession)));

    const ids = (await submitMany(tx, withReceipts(5, 'acme'))).map((r) => messageIdOf(r));
    await onRx.waitFor(5);
    // globex's own receipt is the barrier: it comes after anything wrongly routed there before it.
    const [globex] = await submitMany(otherTx, withReceipts(1, 'globex'));
    const globexId = messageIdOf(globex!);
    await onOtherRx.waitForMessage(globexId);

    assert.deepEqual(onRx.messageIds().sort(), [...ids].sort(), 'acme’s receiver got every acme receipt');
    assert.deepEqual(onOtherRx.messageIds(), [globexId], `globex’s receiver: wanted only its own receipt, had ${JSON.stringify(onOtherRx.messageIds())}`);
    assert.equal(onTx.count, 0, `the transmitter bind must get no deliver_sm, had ${onTx.count}`);
    await eventually(() => app.app.store.receipts.countByState().acked === 6, 3000, 'all six receipts acked');
  });

  test('two receivers of one account share 50 receipts, each receipt delivered exactly once', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session: tx } = await bound(app.port, 'acme', 'transmitter');
    const { session: rx1, collector: a } = await bound(app.port, 'acme', 'receiver');
    const { session: rx2, collector: b } = await bound(app.port, 'acme', 'receiver');
    defer(() => Promise.all([tx, rx1, rx2].map(closeSession)));

    const ids = (await submitMany(tx, withReceipts(50, 'spread'))).map((r) => messageIdOf(r));
    await eventually(() => a.count + b.count >= 50, 5000, '50 receipts over both receivers');
    await eventually(() => app.app.store.receipts.countByState().acked === 50, 3000, 'all 50 acked');
    const all = [...a.messageIds(), ...b.messageIds()];
    assert.deepEqual(duplicates(all), [], 'no receipt delivered twice');
    assert.equal(all.length, 50, `wanted 50 deliver_sm in all, had ${all.length}`);
    assert.deepEqual(new Set(all), new Set(ids), 'every message’s receipt arrived');
    assert.ok(a.count > 0 && b.count > 0, `wanted both receivers to get some, had ${a.count} and ${b.count}`);
  });
});

describe('durable while unbound', () => {
  test('20 receipts owed with no receiver bound all arrive, in order, once, when a receiver binds', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({ 'simulator.outcomes': { delivered: 1 } });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session: tx } = await bound(app.port, 'acme', 'transmitter');
    defer(() => closeSession(tx));
    const ids = (await submitMany(tx, withReceipts(20, 'owed'))).map((r) => messageIdOf(r));
    await eventually(() => app.app.store.receipts.countByState().pending === 20, 5000, '20 receipts owed');

    const { session: rx, collector: onRx } = await bound(app.port, 'acme', 'receiver');
    defer(() => closeSession(rx));
    await onRx.waitFor(20);
    await eventually(() => {
      const counts = app.app.store.receipts.countByState();
      assert.deepEqual(counts, { acked: 20 }, 'receipt rows by state');
      return true;
    }, 3000, 'all rows acked');

    // The order the receipts were recorded in: their row ids.
    const receiptOrder = [...ids].sort((x, y) => app.app.store.receipts.forMessage(x)[0]!.id - app.app.store.receipts.forMessage(y)[0]!.id);
    assert.deepEqual(onRx.messageIds(), receiptOrder, 'receipts arrive in the order they are owed, each once');
  });

  test('an unanswered deliver_sm is sent again after the response timeout, never twice at once, and acked when answered', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({
      'simulator.outcomes': { delivered: 1 },
      'receipts.retryDelaySec': 1,
      'smpp.responseTimeoutSec': 1,
    });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session: tx } = await bound(app.port, 'acme', 'transmitter');
    const { session: rx, collector: onRx } = await bound(app.port, 'acme', 'receiver');
    defer(() => Promise.all([tx, rx].map(closeSession)));
    // The first copy of each receipt is left unanswered.
    const copies = new Map<string, number>();
    onRx.shouldAnswer = (pdu) => {
      const id = String(pdu.receipted_message_id);
      copies.set(id, (copies.get(id) ?? 0) + 1);
      return copies.get(id)! > 1;
    };

    const ids = (await submitMany(tx, withReceipts(5, 'retry'))).map((r) => messageIdOf(r));
    await eventually(() => app.app.store.receipts.countByState().acked === 5, 8000, 'all five acked after the retry');
    for (const id of ids) {
      const seen = onRx.seen.filter((s) => s.pdu.receipted_message_id === id);
      assert.equal(seen.length, 2, `message ${id}: wanted the receipt twice (unanswered, then again), had ${seen.length}`);
      const gap = seen[1]!.at - seen[0]!.at;
      assert.ok(gap >= 950, `message ${id}: the second copy came ${gap} ms after the first; wanted it only after the 1 s response timeout`);
      assert.notEqual(seen[1]!.pdu.sequence_number, seen[0]!.pdu.sequence_number, 'the retry is a new request');
      const [row] = app.app.store.receipts.forMessage(id);
      assert.equal(row!.state, 'acked', `message ${id}: receipt row state`);
      assert.ok(row!.attempts >= 1, `message ${id}: wanted the failed attempt counted, had attempts ${row!.attempts}`);
    }
    // Nothing more arrives once acked.
    const count = onRx.count;
    await sleep(1500);
    assert.equal(onRx.count, count, `no further copies after the acks: had ${onRx.count - count} more`);
  });
});

describe('order per message', () => {
  test('a final receipt waits while the ENROUTE notification before it is unanswered and waiting for its retry', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({
      'simulator.outcomes': { delivered: 1 },
      'simulator.enroute': true,
      'simulator.delayMs': [600, 600], // ENROUTE after 300 ms, DELIVRD after 600 ms
      'receipts.retryDelaySec': 1,
      'smpp.responseTimeoutSec': 1,
    });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session, collector } = await bound(app.port, 'acme', 'transceiver');
    defer(() => closeSession(session));
    let first = true;
    collector.shouldAnswer = () => {
      const answer = !first;
      first = false;
      return answer;
    };
    const [resp] = await submitMany(session, [{ registered_delivery: 0x11 }]);
    const id = messageIdOf(resp!);
    await eventually(() => collector.forMessage(id).length >= 3, 8000, 'ENROUTE, ENROUTE again, DELIVRD');
    await eventually(() => app.app.store.receipts.countByState().acked === 2, 3000, 'both acked');
    const seen = collector.seen.filter((s) => s.pdu.receipted_message_id === id);
    const states = seen.map((s) => s.pdu.message_state);
    assert.deepEqual(states, [1, 1, 2], `wanted ENROUTE (unanswered), ENROUTE (retry), DELIVERED; had message_state ${JSON.stringify(states)}`);
    const final = app.app.store.events.forMessage(id).find((e) => e.final)!;
    assert.ok(final.occurredAt < seen[1]!.at, 'the final status was recorded before the ENROUTE retry, so it really was held back');
  });
});

describe('restart', () => {
  test('a receipt sent but not acknowledged before a restart is sent again after it', async (t) => {
    const defer = cleanup(t);
    const overrides = { 'simulator.outcomes': { delivered: 1 } };
    const first = await startApp(overrides);
    defer(() => rmSync(first.dir, { recursive: true, force: true }));
    first.addAccount('acme', 'pw');
    const { session: trx, collector: silent } = await bound(first.port, 'acme', 'transceiver');
    silent.shouldAnswer = () => false;
    const ids = (await submitMany(trx, withReceipts(3, 'unacked'))).map((r) => messageIdOf(r));
    await silent.waitFor(3);
    assert.deepEqual(first.app.store.receipts.countByState(), { pending: 3 }, 'sent, not acknowledged: still owed');
    await closeSession(trx);
    await first.stop(true);

    const second = await startApp(overrides, first.dir);
    defer(() => second.stop());
    const { session: rx, collector } = await bound(second.port, 'acme', 'receiver');
    defer(() => closeSession(rx));
    await collector.waitFor(3);
    await eventually(() => second.app.store.receipts.countByState().acked === 3, 3000, 'three acked');
    assert.deepEqual(collector.messageIds().sort(), [...ids].sort(), 'the same receipts again');
  });

  test('receipts due after a restart are sent when a receiver binds to the restarted server', async (t) => {
    const defer = cleanup(t);
    const overrides = { 'simulator.delayMs': [1500, 1500], 'simulator.outcomes': { delivered: 1 } };
    const first = await startApp(overrides);
    defer(() => rmSync(first.dir, { recursive: true, force: true }));
    first.addAccount('acme', 'pw');
    const { session: tx } = await bound(first.port, 'acme', 'transmitter');
    const ids = (await submitMany(tx, withReceipts(5, 'restart'))).map((r) => messageIdOf(r));
    await closeSession(tx);
    await first.stop(true);

    // Nothing was final when the first server stopped: the deliveries happen after the restart.
    const db = new Database(first.dbPath, { readonly: true });
    const finals = (db.prepare('SELECT count(*) AS n FROM status_events WHERE final = 1').get() as { n: number }).n;
    db.close();
    assert.equal(finals, 0, `wanted no final status before the restart, had ${finals}`);

    const second = await startApp(overrides, first.dir);
    defer(() => second.stop());
    const { session: rx, collector: onRx } = await bound(second.port, 'acme', 'receiver');
    defer(() => closeSession(rx));
    await onRx.waitFor(5, 6000);
    await eventually(() => second.app.store.receipts.countByState().acked === 5, 3000, 'five acked');
    assert.deepEqual(onRx.messageIds().sort(), [...ids].sort(), 'the receipts name the ids given before the restart');
    assert.deepEqual(duplicates(onRx.messageIds()), [], 'each once');
  });
});

describe('graceful stop', () => {
  test('a client that answers unbind at once is let go at once, not after smpp.shutdownGraceMs', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({ 'smpp.shutdownGraceMs': 3000 });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session } = await bound(app.port, 'acme', 'transceiver');
    defer(() => closeSession(session));
    let unbindAt = 0;
    session.on('unbind', (pdu: PDU) => {
      unbindAt = Date.now();
      session.send(pdu.response());
    });
    const started = Date.now();
    await app.stop(true);
    const took = Date.now() - started;
    assert.ok(unbindAt > 0, 'the server sent unbind');
    // The unbind_resp (and any deliver_sm_resp still coming) must be read while stopping.
    assert.ok(took < 1500, `stop took ${took} ms although the client answered unbind after ${unbindAt - started} ms; wanted it to close on the answer, not after the 3000 ms grace`);
  });

  test('a stop during a delayed submit_sm_resp (test number 999000004) answers the submit before sending unbind', async (t) => {
    const defer = cleanup(t);
    const app = await startApp({
      'smpp.shutdownGraceMs': 3000,
      'simulator.testNumbers': [{ number: '999000004', responseDelayMs: 300 }],
    });
    defer(() => app.stop());
    app.addAccount('acme', 'pw');
    const { session } = await bound(app.port, 'acme', 'transceiver');
    defer(() => closeSession(session));
    const seen: string[] = [];
    session.on('unbind', (pdu: PDU) => {
      seen.push('unbind');
      session.send(pdu.response());
    });
    session.send(new smpp.PDU('submit_sm', submitFields({ destination_addr: '999000004', registered_delivery: 1 })), (resp) => {
      seen.push(`${resp.command} status ${resp.command_status}`);
    });
    await eventually(() => app.app.store.messages.count() === 1, 3000, 'the message stored (its response still delayed)');
    await app.stop(true);
    assert.deepEqual(seen, ['submit_sm_resp status 0', 'unbind'], 'the stored message’s submit_sm_resp must be written before the unbind');
  });
});

describe('a client that stops reading', () => {
  test('with 5,000 owed receipts, no more than receipts.window deliver_sm are in flight; all are acked after it reads again', async (t) => {
    const defer = cleanup(t);
    const window = 50;
    const app = await startApp({ 'simulator.delayMs': [0, 0], 'simulator.outcomes': { delivered: 1 }, 'receipts.window': window });
    defer(() => app.stop());
    app.addAccount('slow', 'pw');
    const { session: tx } = await bound(app.port, 'slow', 'transmitter');
    defer(() => closeSession(tx));
    const total = 5000;
    await submitMany(tx, withReceipts(total, 'slow'), undefined, 60_000);
    await eventually(() => app.app.store.receipts.countByState().pending === total, 20_000, `${total} receipts owed`);

    const peer = await RawPeer.bind(app.port, 'slow', 'pw', 'transceiver', { autoAnswer: false });
    defer(() => peer.close());
    peer.socket.pause();
    const session = () => app.app.smpp.connections().find((s) => s.systemId === 'slow' && s.canReceive);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, session()?.requestsInFlight ?? 0);
    }, 2);
    defer(() => clearInterval(sampler));

    await eventually(() => session()?.requestsInFlight === window, 5000, `${window} deliver_sm in flight`);
    await sleep(500); // time is the subject: nothing more may be sent while nothing is answered
    assert.equal(session()!.requestsInFlight, window, 'still exactly the window in flight');
    assert.ok(most <= window, `in flight: wanted at most ${window}, had ${most}`);

    peer.socket.resume();
    await eventually(() => peer.deliverSms.length === window, 3000, `the ${window} deliver_sm sent while paused`);
    await sleep(200);
    assert.equal(peer.deliverSms.length, window, `wanted exactly ${window} deliver_sm before any answer, had ${peer.deliverSms.length}`);

    peer.autoAnswer = true;
    peer.answerAll();
    await eventually(() => app.app.store.receipts.countByState().acked === total, 60_000, `all ${total} acked`);
    clearInterval(sampler);
    assert.ok(most <= window, `in flight over the whole run: wanted at most ${window}, had ${most}`);
    assert.equal(peer.deliverSms.length, total, `wanted ${total} deliver_sm in all (no repeats), had ${peer.deliverSms.length}`);
    assert.deepEqual(duplicates(peer.receiptedIds()), [], 'no receipt sent twice');
  });
});
