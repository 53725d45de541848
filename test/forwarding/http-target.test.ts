/**
 * The http target against a real node:http receiver on 127.0.0.1, port 0, whose answers the
 * tests switch: the shared conformance suite, then SPEC §5's http rules one by one.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createHttpTarget, type HttpTargetOptions } from '../../src/forwarding/targets/http.js';
import type { DeliveryResult, TargetSpec } from '../../src/forwarding/targets/target.js';
import { sampleDelivery, targetConformance } from './target-conformance.js';

/** What the receiver saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A node:http receiver whose handler can be swapped mid-test. */
interface Receiver {
  port: number;
  url: string;
  requests: Seen[];
  /** TCP connections accepted so far. */
  connections(): number;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let handler: Handler = (_req, res) => res.end('ok');
  const requests: Seen[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    // Writes to a client that hung up (the huge-answer test) must not crash the test process.
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/dlr`,
    requests,
    connections: () => connections,
    handle(h) {
      handler = h;
    },
    async close() {
      // Hung requests and idle keep-alive sockets would hold close() open.
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

let nextTargetId = 1;

function httpSpec(url: string, overrides: Partial<TargetSpec> = {}): TargetSpec {
  return { id: nextTargetId++, name: 'test-receiver', type: 'http', url, to: null, queueUrl: null, format: 'json', secret: null, ...overrides };
}

const OPTIONS: HttpTargetOptions = { timeoutMs: 500, allowPrivate: true, maxSockets: 4 };

async function deliverOne(spec: TargetSpec, options: HttpTargetOptions = OPTIONS, format: 'json' | 'xml' = spec.format): Promise<DeliveryResult> {
  const target = createHttpTarget(spec, options);
  try {
    const [result] = await target.deliver([sampleDelivery(format)]);
    assert.ok(result, 'one result for one delivery');
    return result;
  } finally {
    await target.close();
  }
}

targetConformance('http', async () => {
  const receiver = await startReceiver();
  let mode: 'ok' | 'retryable' | 'permanent' | 'hang' = 'ok';
  const accepted: string[] = [];
  receiver.handle((_req, res, body) => {
    switch (mode) {
      case 'ok':
        accepted.push(body);
        res.end('ok');
        return;
      case 'retryable':
        res.statusCode = 503;
        res.end('busy');
        return;
      case 'permanent':
        res.statusCode = 400;
        res.end('bad request');
        return;
      case 'hang':
        return;
    }
  });
  return {
    peer: {
      setMode(m) {
        mode = m;
      },
      received: () => [...accepted],
      close: () => receiver.close(),
    },
    target: createHttpTarget(httpSpec(receiver.url), OPTIONS),
  };
});

describe('http target (SPEC §5)', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver();
  });
  after(async () => {
    await r.close();
  });

  test('signed with a whsec_ secret: standardwebhooks verifies it, webhook-id is the notificationId', async () => {
    r.handle((_req, res) => res.end());
    const secret = `whsec_${Buffer.from('a test secret of 24 bytes').toString('base64')}`;
    const target = createHttpTarget(httpSpec(r.url, { secret }), OPTIONS);
    const delivery = sampleDelivery('json');
    const [result] = await target.deliver([delivery]);
    await target.close();
    assert.equal(result?.outcome, 'delivered', `wanted delivered, had ${JSON.stringify(result)}`);
    const seen = r.requests.at(-1);
    assert.ok(seen, 'the receiver got the request');
    assert.equal(seen.headers['webhook-id'], delivery.notificationId);
    const headers: Record<string, string> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const value: string | string[] | undefined = seen.headers[name];
      assert.ok(typeof value === 'string', `header ${name} is present once, had ${String(value)}`);
      headers[name] = value;
    }
    assert.match(headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]+=*$/);
    assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 10, 'the timestamp is now, in seconds');
    // verify() throws unless the signature matches (and the timestamp is within 5 min).
    assert.deepEqual(new Webhook(secret).verify(seen.body, headers), JSON.parse(delivery.body));
  });

  test('unsigned without a secret; JSON content type and our User-Agent', async () => {
    r.handle((_req, res) => res.end());
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'delivered');
    const seen = r.requests.at(-1);
    assert.ok(seen);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/dlr');
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) assert.equal(seen.headers[name], undefined, `no ${name} header without a secret`);
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.match(seen.headers['user-agent'] ?? '', /^smscd\/\d+\.\d+\.\d+/);
  });

  test('XML is sent as application/xml; charset=utf-8', async () => {
    r.handle((_req, res) => res.end());
    const result = await deliverOne(httpSpec(r.url, { format: 'xml' }));
    assert.equal(result.outcome, 'delivered');
    assert.equal(r.requests.at(-1)?.headers['content-type'], 'application/xml; charset=utf-8');
    assert.match(r.requests.at(-1)?.body ?? '', /^<\?xml /);
  });

  test('a malformed secret is refused rather than sent unsigned', async () => {
    const before = r.requests.length;
    const result = await deliverOne(httpSpec(r.url, { secret: 'not-a-whsec-secret' }));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.code, 'ESECRET');
    assert.ok(!('reason' in result) || !result.reason.includes('not-a-whsec-secret'), 'the reason does not repeat the secret');
    assert.equal(r.requests.length, before, 'nothing was sent');
  });

  test('410 disables the target', async () => {
    r.handle((_req, res) => {
      res.statusCode = 410;
      res.end('gone');
    });
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'disable', JSON.stringify(result));
    assert.equal(result.code, '410');
    assert.equal(result.excerpt, 'gone');
  });

  test('429 with Retry-After: 7 is a retry after 7000 ms', async () => {
    r.handle((_req, res) => {
      res.writeHead(429, { 'Retry-After': '7' });
      res.end('slow down');
    });
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'retry', JSON.stringify(result));
    assert.equal(result.code, '429');
    assert.equal(result.outcome === 'retry' ? result.retryAfterMs : undefined, 7000);
  });

  test('503 with Retry-After as an HTTP-date is a retry after about that long', async () => {
    r.handle((_req, res) => {
      res.writeHead(503, { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() });
      res.end();
    });
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'retry', JSON.stringify(result));
    const ms = result.outcome === 'retry' ? result.retryAfterMs : undefined;
    // The date has whole seconds, and some ms pass between the answer and the parse.
    assert.ok(ms !== undefined && ms > 27_000 && ms <= 30_000, `wanted about 30000 ms, had ${String(ms)}`);
  });

  test('408 and 500 are retries; 404 fails without retry', async () => {
    for (const [status, outcome] of [
      [408, 'retry'],
      [500, 'retry'],
      [404, 'failed'],
    ] as const) {
      r.handle((_req, res) => {
        res.statusCode = status;
        res.end();
      });
      const result = await deliverOne(httpSpec(r.url));
      assert.equal(result.outcome, outcome, `HTTP ${status}: wanted ${outcome}, had ${JSON.stringify(result)}`);
      assert.equal(result.code, String(status));
    }
  });

  test('301 is a retry and the Location is not requested', async () => {
    r.handle((req, res) => {
      if (req.url === '/elsewhere') {
        res.end('followed');
        return;
      }
      res.writeHead(301, { Location: `http://127.0.0.1:${r.port}/elsewhere` });
      res.end();
    });
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'retry', JSON.stringify(result));
    assert.equal(result.code, '301');
    assert.ok(!r.requests.some((s) => s.url === '/elsewhere'), 'the redirect was not followed');
  });

  test('a huge answer is cut short: excerpt ≤ 200 characters, quickly', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    r.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      // 64 MiB if anyone read it all; written as the client drains.
      let left = 1024;
      const write = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) {
            res.once('drain', write);
            return;
          }
        }
        res.end();
      };
      write();
    });
    const started = Date.now();
    const result = await deliverOne(httpSpec(r.url), { ...OPTIONS, timeoutMs: 5000 });
    assert.equal(result.outcome, 'delivered', JSON.stringify(result));
    assert.ok((result.excerpt ?? '').length <= 200, `excerpt of ${result.excerpt?.length} characters`);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  test('an answer whose body breaks off is judged by its status line', async () => {
    r.handle((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const result = await deliverOne(httpSpec(r.url));
    assert.equal(result.outcome, 'delivered', JSON.stringify(result));
    assert.equal(result.excerpt, 'partial');
  });

  test('connection refused (a closed port) is a retry with code ECONNREFUSED', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const result = await deliverOne(httpSpec(url));
    assert.equal(result.outcome, 'retry', JSON.stringify(result));
    assert.equal(result.code, 'ECONNREFUSED');
  });

  test('keep-alive: 20 sequential deliveries use at most 2 connections', async () => {
    r.handle((_req, res) => res.end('ok'));
    const target = createHttpTarget(httpSpec(r.url), OPTIONS);
    const before = r.connections();
    try {
      for (let i = 0; i < 20; i++) {
        const [result] = await target.deliver([sampleDelivery('json')]);
        assert.equal(result?.outcome, 'delivered', `delivery ${i}: ${JSON.stringify(result)}`);
      }
    } finally {
      await target.close();
    }
    const used = r.connections() - before;
    assert.ok(used >= 1 && used <= 2, `wanted 1–2 connections, had ${used}`);
  });

  describe('private addresses refused unless allowed', () => {
    const strict: HttpTargetOptions = { ...OPTIONS, allowPrivate: false };

    test('an IP-literal loopback URL fails with EPRIVATE and nothing reaches the receiver', async () => {
      const requests = r.requests.length;
      const connections = r.connections();
      const result = await deliverOne(httpSpec(`http://127.0.0.1:${r.port}/dlr`), strict);
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.equal(result.code, 'EPRIVATE');
      assert.match(result.outcome === 'failed' ? result.reason : '', /127\.0\.0\.1/);
      assert.equal(r.requests.length, requests, 'no request');
      assert.equal(r.connections(), connections, 'no connection');
    });

    test('localhost is refused by its resolved address', async () => {
      const requests = r.requests.length;
      const connections = r.connections();
      const result = await deliverOne(httpSpec(`http://localhost:${r.port}/dlr`), strict);
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.equal(result.code, 'EPRIVATE');
      assert.match(result.outcome === 'failed' ? result.reason : '', /localhost resolves to (127\.0\.0\.1|::1)/);
      assert.equal(r.requests.length, requests, 'no request');
      assert.equal(r.connections(), connections, 'no connection');
    });

    test('IPv4-mapped and other spellings of loopback are refused too', async () => {
      for (const host of ['[::ffff:127.0.0.1]', '[::1]', '2130706433', '0x7f.1', '0.0.0.0']) {
        const result = await deliverOne(httpSpec(`http://${host}:${r.port}/dlr`), strict);
        assert.equal(result.code, 'EPRIVATE', `${host}: wanted EPRIVATE, had ${JSON.stringify(result)}`);
      }
    });
  });

  test('URLs that are not http(s) or carry credentials fail with EURL', async () => {
    for (const url of ['ftp://example.com/dlr', 'file:///etc/passwd', `http://user:pass@127.0.0.1:${r.port}/dlr`, 'not a url']) {
      const result = await deliverOne(httpSpec(url));
      assert.equal(result.outcome, 'failed', `${url}: ${JSON.stringify(result)}`);
      assert.equal(result.code, 'EURL', `${url}: ${JSON.stringify(result)}`);
      assert.ok(!('reason' in result) || !result.reason.includes('pass'), 'the reason does not repeat credentials');
    }
  });
});
