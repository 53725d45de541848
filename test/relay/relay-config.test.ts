/**
 * Relay configuration and a hostile upstream: bad relay settings stop start-up naming the key,
 * and an upstream that answers garbage never stops the process (the relay drops and rebinds).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { run } from '../../src/app.js';
import { ConfigError } from '../../src/errors.js';
import { testConfig } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { bindCollecting, messageIdOf, submitMany } from '../helpers/receipts.js';
import { closeSession } from '../helpers/smpp-client.js';
import { pino } from 'pino';
import { DEST, startFront, upstreamEntry } from './relay-helpers.js';

/** Asserts that `fn` throws a ConfigError for `key`. */
function refuses(fn: () => unknown, key: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ConfigError && err.key === key, `wanted a ConfigError for ${key}`);
}

describe('relay configuration', () => {
  test('defaults: no upstreams, no routes (relay off)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-relay-config-'));
    try {
      const c = testConfig(dir);
      assert.deepEqual([c.relay.upstreams, c.relay.routes], [[], []]);
      const u = testConfig(dir, { 'relay.upstreams': [{ name: 'a', host: 'h', port: 1, systemId: 's', password: 'p' }] }).relay.upstreams[0]!;
      assert.deepEqual([u.bindType, u.binds, u.window, u.rate, u.tls, u.messageIdFormat, u.receiptIdFormat, u.receiptedIdFormat], ['transceiver', 1, 10, 0, false, 'as-is', 'as-is', 'as-is']);
      const hex = testConfig(dir, { 'relay.upstreams': [{ name: 'a', host: 'h', port: 1, systemId: 's', password: 'p', messageIdFormat: 'hex' }] }).relay.upstreams[0]!;
      assert.deepEqual([hex.receiptIdFormat, hex.receiptedIdFormat], ['hex', 'hex'], 'the receipt formats follow messageIdFormat');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad settings name their key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-relay-config-'));
    try {
      const base = { name: 'a', host: 'h', port: 1, systemId: 's', password: 'p' };
      refuses(() => testConfig(dir, { 'relay.upstreams': [{ ...base, messageIdFormat: 'octal' }] }), 'relay.upstreams[0].messageIdFormat');
      refuses(() => testConfig(dir, { 'relay.upstreams': [{ ...base, window: 0 }] }), 'relay.upstreams[0].window');
      refuses(() => testConfig(dir, { 'relay.upstreams': [{ ...base, colour: 'red' }] }), 'relay.upstreams[0].colour');
      refuses(() => testConfig(dir, { 'relay.upstreams': [base, base] }), 'relay.upstreams[1].name');
      refuses(() => testConfig(dir, { 'relay.upstreams': [{ name: 'a' }] }), 'relay.upstreams[0].host');
      refuses(() => testConfig(dir, { 'relay.routes': [{ prefix: '43x', upstream: 'a' }] }), 'relay.routes[0].prefix');
      refuses(() => testConfig(dir, { 'relay.routes': [{ account: 'acme' }] }), 'relay.routes[0].upstream');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a route to an unknown upstream stops start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smscd-relay-config-'));
    try {
      const config = testConfig(dir, { 'relay.upstreams': [upstreamEntry(1)], 'relay.routes': [{ upstream: 'nowhere' }] });
      await assert.rejects(run(config, { log: pino({ level: 'silent' }) }), (err: unknown) => err instanceof ConfigError && err.key === 'relay.routes[0].upstream');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile upstream', () => {
  test('garbage from the upstream drops the bind, the relay reconnects, the process keeps serving', async (t) => {
    const defer = cleanup(t);
    const sockets = new Set<Socket>();
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
      // An HTTP answer where a bind_transceiver_resp belongs, then a command_length of 8.
      socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      socket.write(Buffer.from([0, 0, 0, 8, 0x80, 0, 0, 9]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
    const front = await startFront((server.address() as AddressInfo).port);
    defer(() => front.stop());
    await eventually(() => connections >= 3, 10_000, 'the relay reconnected after each bad answer');
    // Still serving: messages are accepted and queued for the upstream.
    const { session } = await bindCollecting(front.port, 'acme', 'pw', 'transceiver');
    defer(() => closeSession(session));
    const [resp] = await submitMany(session, [{ destination_addr: DEST.delivered, registered_delivery: 1 }]);
    assert.equal(front.app.store.relay.state(messageIdOf(resp!))?.state, 'queued');
  });
});
