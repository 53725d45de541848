/**
 * The conformance test every forwarding target passes (STYLE.md "One interface per kind of
 * thing"): success, a retryable failure, a permanent failure, a timeout, and a full batch in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery, DeliveryResult, Target } from '../../src/forwarding/targets/target.js';

/** A real peer the target talks to, whose behaviour the test can switch. */
export interface ConformancePeer {
  /** ok: accept; retryable: a failure worth retrying; permanent: a failure not worth it; hang: never answer. */
  setMode(mode: 'ok' | 'retryable' | 'permanent' | 'hang'): void;
  /** Document bodies received and accepted so far, in arrival order. */
  received(): string[];
  close(): Promise<void>;
}

/** What a conformance suite needs: a peer and a target pointed at it (with a short timeout, ≤ 1 s). */
export interface ConformanceSetup {
  peer: ConformancePeer;
  target: Target;
}

let nextId = 1;

/** A sample delivery with a unique body. */
export function sampleDelivery(format: 'json' | 'xml' = 'json', overrides: Partial<Delivery> = {}): Delivery {
  const n = nextId++;
  const body =
    format === 'json'
      ? JSON.stringify({ messageType: 'deliveryReport', notificationId: `n${String(n).padStart(19, '0')}`, transferId: `${1000 + n}`, deliveryReportMessageStatus: 'delivered' })
      : `<?xml version="1.0" encoding="UTF-8"?><deliveryReport><notificationId>n${String(n).padStart(19, '0')}</notificationId><transferId>${1000 + n}</transferId></deliveryReport>`;
  return {
    outboxId: n,
    notificationId: `n${String(n).padStart(19, '0')}`,
    messageId: String(1000 + n),
    messageType: 'deliveryReport',
    status: 'delivered',
    account: 'acme',
    format,
    body,
    attempt: 1,
    ...overrides,
  };
}

function expectOutcome(result: DeliveryResult | undefined, outcome: DeliveryResult['outcome'], what: string): void {
  assert.ok(result, `${what}: wanted a result, had none`);
  assert.equal(result.outcome, outcome, `${what}: wanted ${outcome}, had ${JSON.stringify(result)}`);
  assert.equal(typeof result.durationMs, 'number', `${what}: durationMs is recorded`);
}

/** Registers the conformance suite for one kind of target. */
export function targetConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name} target conformance`, () => {
    let s: ConformanceSetup;
    before(async () => {
      s = await setup();
    });
    after(async () => {
      await s.target.close();
      await s.peer.close();
    });

    test('success: delivered, and the peer has the body as sent', async () => {
      s.peer.setMode('ok');
      const delivery = sampleDelivery(s.target.spec.format);
      const [result] = await s.target.deliver([delivery]);
      expectOutcome(result, 'delivered', 'ok peer');
      assert.ok(s.peer.received().includes(delivery.body), 'the peer received the exact body');
    });

    test('a retryable failure is a retry', async () => {
      s.peer.setMode('retryable');
      const [result] = await s.target.deliver([sampleDelivery(s.target.spec.format)]);
      expectOutcome(result, 'retry', 'retryable failure');
    });

    test('a permanent failure is failed, not retried', async () => {
      s.peer.setMode('permanent');
      const [result] = await s.target.deliver([sampleDelivery(s.target.spec.format)]);
      expectOutcome(result, 'failed', 'permanent failure');
    });

    test('no answer: a retry after the timeout, never a hang', async () => {
      s.peer.setMode('hang');
      const started = Date.now();
      const [result] = await s.target.deliver([sampleDelivery(s.target.spec.format)]);
      expectOutcome(result, 'retry', 'hanging peer');
      assert.ok(Date.now() - started < 5000, `gave up within the timeout (took ${Date.now() - started} ms)`);
    });

    test('a full batch: one result per delivery, in order, all received', async () => {
      s.peer.setMode('ok');
      const batch = Array.from({ length: s.target.maxBatch }, () => sampleDelivery(s.target.spec.format));
      const results = await s.target.deliver(batch);
      assert.equal(results.length, batch.length, 'one result per delivery');
      results.forEach((r, i) => expectOutcome(r, 'delivered', `entry ${i}`));
      const got = s.peer.received();
      for (const d of batch) assert.ok(got.includes(d.body), `the peer received ${d.notificationId}`);
    });
  });
}
