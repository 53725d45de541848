/**
 * Relay mode end to end (SPEC §4 relay): a front smscd relays to an upstream — a second smscd
 * whose simulator produces the outcomes, or a tiny `smpp` upstream where a test needs answers
 * smscd does not give (hex ids, a receipt before its response). Our client sees the upstream's
 * outcome as our receipt, with our message id.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { bindCollecting, messageIdOf, parseReceiptBody, readDataCoding0AsLatin1, shortMessageText, submitMany } from '../helpers/receipts.js';
import { closeSession } from '../helpers/smpp-client.js';
import { Status } from '../../src/smpp/command-status.js';
import type { TestApp } from '../helpers/app.js';
import { DEST, startFront, startUpstream, TinyUpstream } from './relay-helpers.js';

readDataCoding0AsLatin1();

/** The relay counter with these labels, read from the front's metrics. */
async function relayCount(t: TestApp, metric: 'relaySubmits' | 'relayReceipts', result: string): Promise<number> {
  const values = (await t.app.metrics[metric].get()).values;
  return values.filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}

describe('front → upstream smscd', () => {
  test('the upstream outcome comes back as our receipt with our id; routes choose', async (t) => {
    const defer = cleanup(t);
    const up = await startUpstream();
    defer(() => up.stop());
    // 4369… and every message of account "local" stay in the front's simulator (first match wins); everything else goes upstream.
    const front = await startFront(up.port, {}, {
      'relay.routes': [{ prefix: '4369', upstream: 'simulator' }, { account: 'local', upstream: 'simulator' }, { upstream: 'up' }],
      'simulator.rules': [{ prefix: '4369', status: 'delivered' }],
    });
    defer(() => front.stop());
    front.addAccount('local', 'pw');
    const l = await bindCollecting(front.port, 'local', 'pw', 'transceiver');
    defer(() => closeSession(l.session));
    const [localResp] = await submitMany(l.session, [{ destination_addr: DEST.undelivered, registered_delivery: 1 }]);
    const localId = messageIdOf(localResp!);
    await l.collector.waitForMessage(localId, 10_000);
    assert.equal(front.app.store.relay.state(localId), undefined, 'account "local" is routed to the simulator');
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));

    const outcomes = ['delivered', 'undelivered', 'expired', 'rejected'] as const;
    const want = { delivered: ['DELIVRD', 2, '000'], undelivered: ['UNDELIV', 5, '001'], expired: ['EXPIRED', 3, '027'], rejected: ['REJECTD', 8, '013'] } as const;
    const responses = await submitMany(session, [
      ...outcomes.map((o) => ({ destination_addr: DEST[o], registered_delivery: 1, short_message: Buffer.from(`relay ${o}`) })),
      { destination_addr: '436900000009', registered_delivery: 1, short_message: Buffer.from('stays local') },
    ]);
    const ids = responses.map((r, i) => messageIdOf(r, `submit ${i}`));
    for (const [i, o] of outcomes.entries()) {
      const receipt = await collector.waitForMessage(ids[i]!, 10_000);
      const body = parseReceiptBody(shortMessageText(receipt));
      assert.equal(body.id, ids[i], `${o}: wanted our id in the receipt text`);
      assert.equal(body.stat, want[o][0], `${o}: stat`);
      assert.equal(receipt.message_state, want[o][1], `${o}: message_state`);
      assert.equal(body.err, want[o][2], `${o}: err (the upstream's network error code)`);
      assert.equal(front.app.store.relay.state(ids[i]!)?.state, 'done', `${o}: relay row done`);
      const upstreamId = front.app.store.relay.state(ids[i]!)!.upstreamId!;
      const upstreamMessage = up.app.store.messages.byId(upstreamId);
      assert.ok(upstreamMessage, `${o}: the upstream has message ${upstreamId}`);
      assert.equal(upstreamMessage.destAddr, DEST[o], `${o}: destination relayed`);
      assert.equal(upstreamMessage.text, `relay ${o}`, `${o}: text relayed`);
      assert.equal(upstreamMessage.registeredDelivery & 1, 1, `${o}: the relay asked the upstream for a receipt`);
    }
    const local = ids[4]!;
    await collector.waitForMessage(local, 10_000);
    assert.equal(front.app.store.relay.state(local), undefined, 'the 4369 message was not relayed');
    assert.equal(front.app.store.messages.byId(local)!.status, 'delivered', 'the front simulator delivered it');
    assert.equal(collector.count, 5, `wanted exactly 5 receipts, had ${JSON.stringify(collector.messageIds())}`);
  });

  test('bindType transmitter: submits on transmitters, receipts on receivers', async (t) => {
    const defer = cleanup(t);
    const up = await startUpstream();
    defer(() => up.stop());
    const front = await startFront(up.port, { bindType: 'transmitter', binds: 2 });
    defer(() => front.stop());
    await eventually(() => up.app.smpp.binds.all().length === 4, 5000, 'two transmitters and two receivers bound upstream');
    assert.deepEqual(up.app.smpp.binds.all().map((b) => b.bindType).sort(), ['receiver', 'receiver', 'transmitter', 'transmitter']);
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const ids = (await submitMany(session, Array.from({ length: 10 }, () => ({ destination_addr: DEST.delivered, registered_delivery: 1 })))).map((r) => messageIdOf(r));
    await collector.waitFor(10, 10_000, 'ten receipts');
    assert.deepEqual(new Set(collector.messageIds()), new Set(ids));
  });

  test('intermediate notifications from the upstream become ENROUTE receipts for clients that asked (0x11)', async (t) => {
    const defer = cleanup(t);
    const up = await startUpstream({ 'simulator.enroute': true, 'simulator.delayMs': [200, 300] });
    defer(() => up.stop());
    const front = await startFront(up.port);
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 0x11 }]);
    const id = messageIdOf(resp!);
    await eventually(() => collector.forMessage(id).length === 2, 10_000, 'ENROUTE then DELIVRD');
    const got = collector.forMessage(id);
    assert.deepEqual(got.map((p) => parseReceiptBody(shortMessageText(p)).stat), ['ENROUTE', 'DELIVRD']);
    assert.deepEqual(got.map((p) => p.esm_class), [0x20, 0x04]);
    assert.deepEqual(front.app.store.events.forMessage(id).map((e) => [e.status, e.origin]), [['enroute', 'relay'], ['delivered', 'relay']]);
  });

  test('a permanent upstream error ends the message REJECTD with the upstream error; temporary ones are retried, then UNDELIV', async (t) => {
    const defer = cleanup(t);
    const up = await startUpstream();
    defer(() => up.stop());
    // 999000003 → ESME_RSUBMITFAIL at the upstream (a simulator test number). The front's own
    // simulator test numbers are switched off: the front decides before it routes.
    const noTestNumbers = { 'simulator.testNumbers': [] };
    const front = await startFront(up.port, { maxAttempts: 3, temporaryErrors: ['ESME_RSYSERR'] }, noTestNumbers);
    defer(() => front.stop());
    const front2 = await startFront(up.port, { maxAttempts: 2, temporaryErrors: ['ESME_RSUBMITFAIL'] }, noTestNumbers);
    defer(() => front2.stop());
    const a = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(a.session));
    const b = await bindCollecting(front2.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(b.session));

    const [rejected] = await submitMany(a.session, [{ destination_addr: '999000003', registered_delivery: 1 }]);
    const id = messageIdOf(rejected!);
    const receipt = await a.collector.waitForMessage(id, 10_000);
    const body = parseReceiptBody(shortMessageText(receipt));
    assert.equal(body.stat, 'REJECTD');
    assert.equal(receipt.message_state, 8);
    assert.equal(body.err, String(Status.ESME_RSUBMITFAIL).padStart(3, '0'), 'err: the upstream command_status (0x45 = 69)');
    assert.deepEqual([...(receipt.network_error_code as Buffer)], [3, 0, Status.ESME_RSUBMITFAIL], 'network_error_code carries the upstream error');
    const stored = front.app.store.messages.byId(id)!;
    assert.deepEqual([stored.status, stored.errorCode], ['rejected', Status.ESME_RSUBMITFAIL]);
    assert.equal(front.app.store.relay.state(id)!.lastError, 'ESME_RSUBMITFAIL');

    const [undeliv] = await submitMany(b.session, [{ destination_addr: '999000003', registered_delivery: 1 }]);
    const id2 = messageIdOf(undeliv!);
    const receipt2 = await b.collector.waitForMessage(id2, 10_000);
    assert.equal(parseReceiptBody(shortMessageText(receipt2)).stat, 'UNDELIV', 'a temporary error, retried maxAttempts times, ends UNDELIV');
    assert.equal(front2.app.store.relay.state(id2)!.attempts, 1, 'one counted retry before the second (last) attempt');
    assert.ok((await relayCount(front2, 'relaySubmits', 'temporary')) >= 2, 'wanted two temporary answers');
  });

  test('throttling by the upstream slows the relay without losing messages', async (t) => {
    const defer = cleanup(t);
    // The upstream lets the relay's account submit 50 per second; the relay would go faster.
    const up = await startUpstream({}, undefined, 50);
    defer(() => up.stop());
    const front = await startFront(up.port, { window: 20, binds: 2 });
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const count = 150;
    const responses = await submitMany(session, Array.from({ length: count }, (_, i) => ({ destination_addr: DEST.delivered, registered_delivery: 1, short_message: Buffer.from(`t${i}`) })));
    const ids = responses.map((r) => messageIdOf(r));
    await collector.waitFor(count, 30_000, `${count} receipts through a throttling upstream`);
    assert.ok((await relayCount(front, 'relaySubmits', 'throttled')) > 0, 'wanted the upstream to have throttled the relay at least once');
    assert.deepEqual(new Set(collector.messageIds()), new Set(ids), 'every message got its receipt');
    assert.equal(collector.count, count, 'each receipt once');
    for (const id of ids) assert.equal(front.app.store.messages.byId(id)!.status, 'delivered', `message ${id}`);
    assert.equal(up.app.store.messages.count(), count, 'the upstream stored each message once');
  });

  test('the upstream stopped for a while and restarted: every accepted message is delivered, every receipt arrives', async (t) => {
    const defer = cleanup(t);
    let up = await startUpstream();
    const dir = up.dir;
    const port = up.port;
    defer(() => up.stop());
    const front = await startFront(port);
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const fields = (tag: string, n: number): Array<Record<string, unknown>> =>
      Array.from({ length: n }, (_, i) => ({ destination_addr: i % 2 ? DEST.delivered : DEST.undelivered, registered_delivery: 1, short_message: Buffer.from(`${tag}${i}`) }));

    const before = (await submitMany(session, fields('b', 10))).map((r) => messageIdOf(r));
    await eventually(() => front.app.store.relay.state(before[9]!)?.state !== 'queued', 10_000, 'the first messages submitted upstream');
    await up.stop(true);
    await eventually(() => !front.app.relay.upstream('up')!.up, 5000, 'the relay noticed the upstream is gone');
    const during = (await submitMany(session, fields('d', 20))).map((r) => messageIdOf(r));
    for (const id of during) assert.equal(front.app.store.relay.state(id)?.state, 'queued', `message ${id} accepted and queued while the upstream is down`);

    up = await startUpstream({ 'smpp.port': port }, dir);
    const all = [...before, ...during];
    await collector.waitFor(all.length, 30_000, `${all.length} receipts after the upstream came back`);
    assert.deepEqual(new Set(collector.messageIds()), new Set(all), 'a receipt for every accepted message');
    const wanted = [...before.map((_, i) => (i % 2 ? 'delivered' : 'undelivered')), ...during.map((_, i) => (i % 2 ? 'delivered' : 'undelivered'))];
    assert.deepEqual(all.map((id) => front.app.store.messages.byId(id)!.status), wanted, 'each message ends with the upstream outcome for its destination');
    assert.equal(up.app.store.messages.count(), all.length, 'the upstream has each message once');
  });

  test('messages queued for a down upstream survive a restart of the front', async (t) => {
    const defer = cleanup(t);
    let up = await startUpstream();
    const upDir = up.dir;
    const port = up.port;
    await up.stop(true);
    defer(() => up.stop());
    let front = await startFront(port);
    const frontDir = front.dir;
    defer(() => front.stop());
    const a = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    const ids = (await submitMany(a.session, Array.from({ length: 5 }, () => ({ destination_addr: DEST.delivered, registered_delivery: 1 })))).map((r) => messageIdOf(r));
    await closeSession(a.session);
    await front.stop(true);
    front = await startFront(port, {}, {}, frontDir);
    for (const id of ids) assert.equal(front.app.store.relay.state(id)?.state, 'queued', `message ${id} still queued after the restart`);
    up = await startUpstream({ 'smpp.port': port }, upDir);
    const b = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(b.session));
    await b.collector.waitFor(ids.length, 15_000, 'receipts for the messages queued before the restart');
    assert.deepEqual(new Set(b.collector.messageIds()), new Set(ids));
  });

  test('a message that cannot reach its upstream before its validity period ends EXPIRED', async (t) => {
    const defer = cleanup(t);
    const dead = new TinyUpstream(() => ({}));
    await dead.listen();
    const port = dead.port;
    await dead.close(); // nothing listens there now
    const front = await startFront(port);
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1, validity_period: '000000000001000R' }]);
    const id = messageIdOf(resp!);
    const receipt = await collector.waitForMessage(id, 10_000);
    assert.equal(parseReceiptBody(shortMessageText(receipt)).stat, 'EXPIRED');
    assert.equal(front.app.store.relay.state(id)!.state, 'done');
  });
});

describe('front → tiny upstream (ids and ordering smscd does not produce)', () => {
  const number = (i: number): bigint => 0x1a2f00n + BigInt(i);

  test('hex ids in submit_sm_resp, hex in receipted_message_id, decimal in the text: all matched', async (t) => {
    const defer = cleanup(t);
    const tiny = new TinyUpstream((_pdu, n) => {
      const id = number(n);
      // Odd submits: TLV (lower-case hex, no zeros) + text; even: text only (decimal).
      const text = `id:${id.toString(10)} sub:001 dlvrd:001 submit date:2611251731 done date:2611251732 stat:DELIVRD err:000 text:`;
      return {
        messageId: id.toString(16).toUpperCase().padStart(12, '0'),
        receipt: n % 2 ? { short_message: text, receipted_message_id: id.toString(16), message_state: 2 } : { short_message: text },
      };
    });
    await tiny.listen();
    defer(() => tiny.close());
    const front = await startFront(tiny.port, { messageIdFormat: 'hex', receiptedIdFormat: 'hex', receiptIdFormat: 'decimal' });
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const ids = (await submitMany(session, Array.from({ length: 6 }, () => ({ destination_addr: DEST.delivered, registered_delivery: 1 })))).map((r) => messageIdOf(r));
    await collector.waitFor(6, 10_000, 'six receipts');
    assert.deepEqual(new Set(collector.messageIds()), new Set(ids), 'each receipt carries our id');
    for (const id of ids) {
      const state = front.app.store.relay.state(id)!;
      assert.equal(state.state, 'done', `message ${id}`);
      assert.match(state.upstreamId!, /^[0-9]+$/, 'stored under the normalised (decimal) key');
    }
    assert.equal(await relayCount(front, 'relayReceipts', 'unmatched'), 0, 'nothing unmatched');
    assert.ok(tiny.deliverResponses.every((r) => r.command_status === 0), 'every upstream receipt acknowledged');
  });

  test('over TLS', async (t) => {
    const defer = cleanup(t);
    const dir = mkdtempSync(join(tmpdir(), 'smscd-relay-tls-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tiny = new TinyUpstream(
      (_pdu, n) => ({ messageId: `T${n}`, receipt: { short_message: `id:T${n} stat:DELIVRD err:000`, receipted_message_id: `T${n}`, message_state: 2 } }),
      { key: readFileSync(key), cert: readFileSync(cert) },
    );
    await tiny.listen();
    defer(() => tiny.close());
    // A self-signed certificate: not checked here (tlsRejectUnauthorized false).
    const front = await startFront(tiny.port, { tls: true, tlsRejectUnauthorized: false });
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1 }]);
    const id = messageIdOf(resp!);
    const receipt = await collector.waitForMessage(id, 10_000);
    assert.equal(parseReceiptBody(shortMessageText(receipt)).stat, 'DELIVRD');
    assert.equal(front.app.store.relay.state(id)!.upstreamId, 'T1', 'as-is id kept');
  });

  test('a receipt before its submit_sm_resp is held and matched when the response comes', async (t) => {
    const defer = cleanup(t);
    const tiny = new TinyUpstream((_pdu, n) => ({
      messageId: number(n).toString(16),
      receiptFirst: true,
      delayMs: 300,
      receipt: { short_message: `id:${number(n).toString(16)} sub:001 dlvrd:000 submit date:2611251731 done date:2611251732 stat:UNDELIV err:001 text:` },
    }));
    await tiny.listen();
    defer(() => tiny.close());
    const front = await startFront(tiny.port, { messageIdFormat: 'hex' });
    defer(() => front.stop());
    const { session, collector } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1 }]);
    const id = messageIdOf(resp!);
    const receipt = await collector.waitForMessage(id, 10_000);
    const body = parseReceiptBody(shortMessageText(receipt));
    assert.deepEqual([body.stat, body.err], ['UNDELIV', '001']);
    assert.equal(await relayCount(front, 'relayReceipts', 'held'), 1, 'the receipt was held first');
    assert.equal(await relayCount(front, 'relayReceipts', 'matched-late'), 1, 'and matched when the response came');
    assert.equal(front.app.store.relay.heldCount(), 0, 'nothing left held');
  });

  test('the relay binds again after the upstream unbinds, and drops a bind whose enquire_link goes unanswered', async (t) => {
    const defer = cleanup(t);
    const tiny = new TinyUpstream(() => ({}));
    await tiny.listen();
    defer(() => tiny.close());
    const front = await startFront(tiny.port, { enquireLinkSec: 1, responseTimeoutSec: 1 });
    defer(() => front.stop());
    await eventually(() => tiny.binds === 1 && front.app.relay.upstream('up')!.up, 5000, 'first bind');
    tiny.unbindAll();
    await eventually(() => tiny.unbindResponses.length === 1, 5000, 'unbind answered');
    assert.equal(tiny.unbindResponses[0]!.command_status, 0);
    await eventually(() => tiny.binds === 2, 5000, 'bound again after the unbind');
    await eventually(() => tiny.enquireLinks >= 1, 5000, 'enquire_link on the idle bind');
    tiny.answerEnquireLink = false;
    await eventually(() => tiny.binds === 3, 10_000, 'bound again after an unanswered enquire_link');
    assert.ok(front.logs.some((l) => l.msg === 'no response from the upstream in time, dropping the bind' && l.command === 'enquire_link'), 'logged the late enquire_link_resp');
  });

  test('a receipt that matches nothing is acknowledged, held for relay.receiptWaitSec, then logged and counted unmatched', async (t) => {
    const defer = cleanup(t);
    const tiny = new TinyUpstream(() => ({}));
    await tiny.listen();
    defer(() => tiny.close());
    const front = await startFront(tiny.port, {}, { 'relay.receiptWaitSec': 1 });
    defer(() => front.stop());
    await eventually(() => front.app.relay.upstream('up')!.up, 5000, 'relay bound to the tiny upstream');
    tiny.sendReceipt({ short_message: 'id:nobody sub:001 dlvrd:001 submit date:2611251731 done date:2611251732 stat:DELIVRD err:000 text:' });
    await eventually(() => tiny.deliverResponses.length === 1, 5000, 'the deliver_sm answered');
    assert.equal(tiny.deliverResponses[0]!.command_status, 0);
    await eventually(async () => (await relayCount(front, 'relayReceipts', 'unmatched')) === 1, 5000, 'counted unmatched');
    assert.ok(front.logs.some((l) => l.msg === 'upstream receipt matched no relayed message (unmatched)' && l.upstreamId === 'nobody'), 'logged with the upstream id');
  });
});
