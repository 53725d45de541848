/** The SQS target against a real (in-process) fauxqs, plus stub endpoints for the answers fauxqs never gives. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SqsSettings } from '../../src/config/schema.js';
import { classifySqsError, createSqsTarget, SQS_MAX_BYTES } from '../../src/forwarding/targets/sqs.js';
import type { Delivery, DeliveryResult, Target, TargetSpec } from '../../src/forwarding/targets/target.js';
import { startFauxqs, type Fauxqs } from '../helpers/fauxqs.js';
import { sampleDelivery, targetConformance, type ConformancePeer } from './target-conformance.js';

function spec(queueUrl: string | null, name = 'sqs-test'): TargetSpec {
  return { id: 1, name, type: 'sqs', url: null, to: null, queueUrl, format: 'json', secret: null };
}

function settingsFor(q: Fauxqs, endpoint: string = q.endpoint, timeoutMs = 500): SqsSettings {
  return { region: q.region, endpoint, credentials: q.credentials, timeoutMs };
}

/** An HTTP server on port 0 answering with `handler`; `close` also drops connections left hanging. */
async function startStub(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (ECONNREFUSED): bound, noted, closed. */
async function closedPort(): Promise<string> {
  const stub = await startStub(() => undefined);
  await stub.close();
  return stub.endpoint;
}

function outcomes(results: DeliveryResult[]): string[] {
  return results.map((r) => `${r.outcome}:${r.code}`);
}

/** SQS answers in the AWS JSON 1.0 protocol the SDK speaks to it. */
function answerJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<{ Entries: Array<{ Id: string; MessageBody: string }> }> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text) as { Entries: Array<{ Id: string; MessageBody: string }> };
}

targetConformance('sqs', async () => {
  const q = await startFauxqs();
  const queueUrl = await q.createQueue('conformance');
  const busy = await startStub((_req, res) => {
    res.writeHead(503);
    res.end('service unavailable');
  });
  const silent = await startStub(() => undefined); // never answers
  // A target is bound to one endpoint and queue, so each peer mode has its own target.
  const targets = {
    ok: createSqsTarget(spec(queueUrl), settingsFor(q)),
    retryable: createSqsTarget(spec(queueUrl), settingsFor(q, busy.endpoint)),
    permanent: createSqsTarget(spec(queueUrl.replace(/conformance$/, 'no-such-queue')), settingsFor(q)),
    hang: createSqsTarget(spec(queueUrl), settingsFor(q, silent.endpoint)),
  };
  let mode: keyof typeof targets = 'ok';
  const received: string[] = [];
  const peer: ConformancePeer = {
    setMode(m) {
      mode = m;
    },
    // The suite asks synchronously; bodies are collected by ReceiveMessage after each delivery.
    received: () => [...received],
    async close() {
      await Promise.all([q.close(), busy.close(), silent.close()]);
    },
  };
  const target: Target = {
    spec: targets.ok.spec,
    maxBatch: targets.ok.maxBatch,
    async deliver(batch) {
      const results = await targets[mode].deliver(batch);
      if (mode === 'ok') received.push(...(await q.receive(queueUrl)).map((m) => m.body));
      return results;
    },
    async close() {
      await Promise.all(Object.values(targets).map((t) => t.close()));
    },
  };
  return { peer, target };
});

describe('sqs target on fauxqs', () => {
  let q: Fauxqs;
  let standardUrl: string;
  let fifoUrl: string;
  let standard: Target;
  let fifo: Target;

  before(async () => {
    q = await startFauxqs();
    standardUrl = await q.createQueue('receipts');
    fifoUrl = await q.createQueue('receipts.fifo', true);
    standard = createSqsTarget(spec(standardUrl), settingsFor(q));
    fifo = createSqsTarget(spec(fifoUrl), settingsFor(q));
  });
  after(async () => {
    await standard.close();
    await fifo.close();
    await q.close();
  });

  test('message attributes carry event id, event type, account and format', async () => {
    const d = sampleDelivery('json', { account: 'acme-gmbh', messageType: 'statusChange' });
    const [result] = await standard.deliver([d]);
    assert.equal(result?.outcome, 'delivered', `wanted delivered, had ${JSON.stringify(result)}`);
    const [got, ...rest] = await q.receive(standardUrl);
    assert.equal(rest.length, 0, 'one message');
    assert.equal(got?.body, d.body);
    assert.deepEqual(got?.attributes, { eventId: d.notificationId, eventType: 'statusChange', account: 'acme-gmbh', format: 'json' });
    assert.equal(got?.groupId, undefined, 'a standard queue has no message groups');
  });

  test('FIFO: MessageGroupId is the message id, order is kept', async () => {
    const batch = [sampleDelivery('json', { messageId: 'm-1' }), sampleDelivery('json', { messageId: 'm-2' }), sampleDelivery('json', { messageId: 'm-1' })];
    const results = await fifo.deliver(batch);
    assert.deepEqual(outcomes(results), ['delivered:OK', 'delivered:OK', 'delivered:OK']);
    const got = await q.receive(fifoUrl);
    assert.deepEqual(
      got.map((m) => [m.body, m.groupId]),
      batch.map((d) => [d.body, d.messageId]),
      'each message in its group, in the order sent',
    );
  });

  test('FIFO: the same notificationId sent twice (a retry) arrives once', async () => {
    const first = sampleDelivery('json');
    const again: Delivery = { ...first, outboxId: first.outboxId + 100_000, attempt: 2 };
    assert.deepEqual(outcomes(await fifo.deliver([first])), ['delivered:OK']);
    assert.deepEqual(outcomes(await fifo.deliver([again])), ['delivered:OK'], 'SQS accepts a duplicate and drops it');
    const got = await q.receive(fifoUrl);
    assert.deepEqual(got.map((m) => m.body), [first.body], `wanted one message, had ${got.length}`);
  });

  test('25 deliveries in batches of 10 all arrive', async () => {
    const all = Array.from({ length: 25 }, () => sampleDelivery('xml'));
    const results: DeliveryResult[] = [];
    for (let i = 0; i < all.length; i += standard.maxBatch) results.push(...(await standard.deliver(all.slice(i, i + standard.maxBatch))));
    assert.equal(standard.maxBatch, 10);
    assert.deepEqual(outcomes(results), all.map(() => 'delivered:OK'));
    const got = await q.receive(standardUrl);
    assert.deepEqual(got.map((m) => m.body).sort(), all.map((d) => d.body).sort(), 'every body arrived once');
  });

  test('a body over 1 MiB fails ETOOBIG without failing the rest of its batch', async () => {
    const small1 = sampleDelivery('json');
    const big = sampleDelivery('json', { body: 'x'.repeat(SQS_MAX_BYTES + 1) });
    const small2 = sampleDelivery('json');
    const results = await standard.deliver([small1, big, small2]);
    assert.deepEqual(outcomes(results), ['delivered:OK', 'failed:ETOOBIG', 'delivered:OK']);
    const got = await q.receive(standardUrl);
    assert.deepEqual(got.map((m) => m.body).sort(), [small1.body, small2.body].sort());
  });

  test('a batch over 1 MiB in total is split, results stay in order', async () => {
    // 3 × 400 000 bytes: one call would be refused whole (BatchRequestTooLong), so it takes two.
    const batch = ['a', 'b', 'c'].map((c) => sampleDelivery('json', { body: c.repeat(400_000), messageId: 'big' }));
    const results = await fifo.deliver(batch);
    assert.deepEqual(outcomes(results), ['delivered:OK', 'delivered:OK', 'delivered:OK']);
    const got = await q.receive(fifoUrl);
    assert.deepEqual(got.map((m) => m.body[0]), ['a', 'b', 'c'], 'FIFO order across the two calls');
  });

  test('an entry that is the sender’s fault fails alone; its neighbours are delivered', async () => {
    const bad = sampleDelivery('json', { body: 'nul \u0000 is not allowed in SQS' });
    const results = await standard.deliver([sampleDelivery('json'), bad, sampleDelivery('json')]);
    assert.deepEqual(outcomes(results), ['delivered:OK', 'failed:InvalidMessageContents', 'delivered:OK']);
    await q.receive(standardUrl);
  });

  test('a queue that does not exist fails every entry, not retried', async () => {
    const target = createSqsTarget(spec(standardUrl.replace(/receipts$/, 'gone')), settingsFor(q));
    try {
      const results = await target.deliver([sampleDelivery('json'), sampleDelivery('json')]);
      assert.deepEqual(outcomes(results), ['failed:QueueDoesNotExist', 'failed:QueueDoesNotExist']);
      assert.match(results[0]?.outcome === 'failed' ? results[0].reason : '', /does not exist/);
    } finally {
      await target.close();
    }
  });

  test('a refused connection is a retry for every entry', async () => {
    const target = createSqsTarget(spec(standardUrl), settingsFor(q, await closedPort()));
    try {
      const results = await target.deliver([sampleDelivery('json'), sampleDelivery('json')]);
      assert.deepEqual(outcomes(results), ['retry:ECONNREFUSED', 'retry:ECONNREFUSED']);
    } finally {
      await target.close();
    }
  });

  test('a target without a queue URL fails with EURL and sends nothing', async () => {
    const target = createSqsTarget(spec(null), settingsFor(q));
    try {
      assert.deepEqual(outcomes(await target.deliver([sampleDelivery('json')])), ['failed:EURL']);
    } finally {
      await target.close();
    }
  });
});

describe('sqs target on a stub endpoint', () => {
  test('a per-entry failure that is not the sender’s fault is a retry; the others are delivered', async () => {
    const stub = await startStub((req, res) => {
      void readJson(req).then((body) => {
        const flaky = body.Entries.filter((e) => e.MessageBody.includes('flaky'));
        const fine = body.Entries.filter((e) => !e.MessageBody.includes('flaky'));
        answerJson(res, 200, {
          // The SDK checks MD5OfMessageBody of every accepted entry.
          Successful: fine.map((e) => ({ Id: e.Id, MessageId: `mid-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') })),
          Failed: flaky.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try later' })),
        });
      });
    });
    const target = createSqsTarget(spec('http://sqs.local/000000000000/q'), { region: 'us-east-1', endpoint: stub.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, timeoutMs: 500 });
    try {
      const results = await target.deliver([sampleDelivery('json'), sampleDelivery('json', { body: '{"flaky":true}' }), sampleDelivery('json')]);
      assert.deepEqual(outcomes(results), ['delivered:OK', 'retry:InternalError', 'delivered:OK']);
    } finally {
      await target.close();
      await stub.close();
    }
  });

  test('throttling (SQS answers it with 400) is a retry', async () => {
    const stub = await startStub((_req, res) => {
      answerJson(res, 400, { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'slow down' }, { 'x-amzn-query-error': 'RequestThrottled;Sender' });
    });
    const target = createSqsTarget(spec('http://sqs.local/000000000000/q'), { region: 'us-east-1', endpoint: stub.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, timeoutMs: 500 });
    try {
      assert.deepEqual(outcomes(await target.deliver([sampleDelivery('json')])), ['retry:RequestThrottled']);
    } finally {
      await target.close();
      await stub.close();
    }
  });

  test('after a retryable failure of the first call, the rest of a split batch is not sent', async () => {
    let calls = 0;
    const stub = await startStub((_req, res) => {
      calls++;
      res.writeHead(503);
      res.end();
    });
    const target = createSqsTarget(spec('http://sqs.local/000000000000/q'), { region: 'us-east-1', endpoint: stub.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, timeoutMs: 500 });
    try {
      const batch = ['a', 'b', 'c'].map((c) => sampleDelivery('json', { body: c.repeat(400_000) }));
      assert.deepEqual(outcomes(await target.deliver(batch)), ['retry:503', 'retry:503', 'retry:503']);
      assert.equal(calls, 1, `wanted one call, had ${calls}`);
    } finally {
      await target.close();
      await stub.close();
    }
  });
});

describe('classifySqsError', () => {
  const meta = (httpStatusCode?: number): { $metadata: { httpStatusCode?: number } } => ({ $metadata: httpStatusCode === undefined ? {} : { httpStatusCode } });
  const service = (name: string, status: number, extra: Record<string, unknown> = {}): Error =>
    Object.assign(new Error(`${name} happened`), { name, $fault: status >= 500 ? 'server' : 'client', ...meta(status), ...extra });
  const table: Array<[string, unknown, 'retry' | 'failed', string]> = [
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', ...meta() }), 'retry', 'ECONNREFUSED'],
    ['request timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT', ...meta() }), 'retry', 'ETIMEDOUT'],
    ['aborted', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'retry', 'AbortError'],
    ['a proxy’s 503 page', Object.assign(new SyntaxError('Unexpected token'), meta(503)), 'retry', '503'],
    ['a proxy’s 403 page', Object.assign(new SyntaxError('Unexpected token'), meta(403)), 'failed', '403'],
    ['SQS 500', service('InternalError', 500), 'retry', 'InternalError'],
    ['ThrottlingException 400', service('ThrottlingException', 400), 'retry', 'ThrottlingException'],
    ['RequestThrottled 400', service('RequestThrottled', 400), 'retry', 'RequestThrottled'],
    ['marked retryable by the SDK', service('SomethingNew', 400, { $retryable: { throttling: true } }), 'retry', 'SomethingNew'],
    ['429', service('TooManyRequests', 429), 'retry', 'TooManyRequests'],
    ['queue missing', service('QueueDoesNotExist', 400, { Code: 'AWS.SimpleQueueService.NonExistentQueue' }), 'failed', 'QueueDoesNotExist'],
    ['invalid parameter', service('InvalidParameterValue', 400), 'failed', 'InvalidParameterValue'],
    ['access denied', service('AccessDenied', 403), 'failed', 'AccessDenied'],
    ['not an Error', 'boom', 'retry', 'Error'],
  ];
  for (const [what, err, outcome, code] of table) {
    test(`${what} → ${outcome} ${code}`, () => {
      const got = classifySqsError(err);
      assert.deepEqual([got.outcome, got.code], [outcome, code], `${what}: wanted ${outcome} ${code}, had ${got.outcome} ${got.code}`);
      assert.ok(got.reason.length > 0, 'a reason is given');
    });
  }
});
