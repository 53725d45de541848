/**
 * The security settings (`smpp.tls`, `http.tls`, `security.bruteForce`): defaults, partial
 * objects, and refusals that name the key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function refused(overrides: Record<string, unknown>, key: string): void {
  assert.throws(
    () => loadConfig({ env: {}, overrides }),
    (err: unknown) => err instanceof ConfigError && err.key === key && err.message.includes(key),
    `wanted a ConfigError naming ${key} for ${JSON.stringify(overrides)}`,
  );
}

test('defaults: TLS off, brute-force protection on with documented limits', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.smpp.tls, null);
  assert.equal(config.http.tls, null);
  assert.deepEqual(config.security.bruteForce, { maxFailuresPerAddress: 20, maxFailuresPerSystemId: 5, windowSec: 300, lockoutSec: 300, delayMs: 500 });
});

test('smpp.tls takes key and cert files and a port (3550 when left out)', () => {
  assert.deepEqual(loadConfig({ env: {}, overrides: { 'smpp.tls': { key: 'k.pem', cert: 'c.pem' } } }).smpp.tls, { key: 'k.pem', cert: 'c.pem', port: 3550 });
  assert.deepEqual(loadConfig({ env: {}, overrides: { 'smpp.tls': { key: 'k.pem', cert: 'c.pem', port: 0 } } }).smpp.tls, { key: 'k.pem', cert: 'c.pem', port: 0 });
  refused({ 'smpp.tls': { key: 'k.pem', cert: 'c.pem', port: 70000 } }, 'smpp.tls.port');
  refused({ 'smpp.tls': { key: '', cert: 'c.pem' } }, 'smpp.tls.key');
  refused({ 'smpp.tls': { key: 'k.pem' } }, 'smpp.tls.cert');
  refused({ 'smpp.tls': { key: 'k.pem', cert: 'c.pem', ca: 'x' } }, 'smpp.tls.ca');
  refused({ 'smpp.tls': true }, 'smpp.tls');
});

test('http.tls takes key and cert files', () => {
  assert.deepEqual(loadConfig({ env: {}, overrides: { 'http.tls': { key: 'k.pem', cert: 'c.pem' } } }).http.tls, { key: 'k.pem', cert: 'c.pem' });
  refused({ 'http.tls': { key: 'k.pem', cert: 'c.pem', port: 443 } }, 'http.tls.port');
  refused({ 'http.tls': 'yes' }, 'http.tls');
});

test('security.bruteForce: keys left out keep their defaults; bad values and unknown keys are named', () => {
  assert.deepEqual(loadConfig({ env: {}, overrides: { 'security.bruteForce': { maxFailuresPerSystemId: 0, lockoutSec: 1 } } }).security.bruteForce, {
    maxFailuresPerAddress: 20,
    maxFailuresPerSystemId: 0,
    windowSec: 300,
    lockoutSec: 1,
    delayMs: 500,
  });
  refused({ 'security.bruteForce': { delayMs: -1 } }, 'security.bruteForce.delayMs');
  refused({ 'security.bruteForce': { lockoutSec: 0 } }, 'security.bruteForce.lockoutSec');
  refused({ 'security.bruteForce': { maxFailures: 3 } }, 'security.bruteForce.maxFailures');
  refused({ 'security.bruteForce': [] }, 'security.bruteForce');
});

test('the environment sets security.bruteForce as JSON', () => {
  const config = loadConfig({ env: { SMSCD_SECURITY_BRUTE_FORCE: '{"windowSec": 60}' } });
  assert.equal(config.security.bruteForce.windowSec, 60);
  assert.equal(config.security.bruteForce.maxFailuresPerSystemId, 5);
});
