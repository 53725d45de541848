/** Table tests for the http target's pure policy: Retry-After, address classification, Standard Webhooks signing. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { isPublicAddress } from '../../src/forwarding/address-policy.js';
import { parseRetryAfter } from '../../src/forwarding/retry-after.js';
import { signWebhook } from '../../src/forwarding/signing.js';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT
  const table: Array<[value: string | undefined, wanted: number | undefined, why: string]> = [
    [undefined, undefined, 'no header'],
    ['', undefined, 'empty'],
    ['7', 7000, 'delay-seconds'],
    [' 120 ', 120_000, 'surrounding whitespace'],
    ['0', 0, 'zero: at once'],
    ['-5', undefined, 'negative'],
    ['1.5', undefined, 'fractional seconds are not delay-seconds'],
    ['soon', undefined, 'garbage'],
    ['7s', undefined, 'a unit'],
    ['99999999999999999999', undefined, 'beyond safe integers'],
    ['Wed, 15 Jan 2025 12:00:30 GMT', 30_000, 'IMF-fixdate 30 s ahead'],
    ['Wed, 15 Jan 2025 13:00:00 GMT', 3_600_000, 'IMF-fixdate an hour ahead'],
    ['Wed, 15 Jan 2025 11:59:00 GMT', 0, 'IMF-fixdate in the past: at once'],
    ['Wednesday, 15-Jan-25 12:00:10 GMT', 10_000, 'obsolete RFC 850 date'],
    ['Wed Jan 15 12:00:05 2025', 5000, 'obsolete asctime date, read as GMT'],
    ['Wed, 15 Foo 2025 12:00:30 GMT', undefined, 'unknown month'],
    ['Wed, 15 Jan 2025 12:00:30 CET', undefined, 'HTTP-dates are GMT only'],
    ['2025-01-15T12:00:30Z', undefined, 'ISO 8601 is not an HTTP-date'],
  ];
  for (const [value, wanted, why] of table) {
    test(`${JSON.stringify(value)} → ${String(wanted)} (${why})`, () => {
      assert.equal(parseRetryAfter(value, now), wanted);
    });
  }
});

describe('isPublicAddress', () => {
  const table: Array<[ip: string, wanted: boolean, why: string]> = [
    ['8.8.8.8', true, 'public IPv4'],
    ['1.1.1.1', true, 'public IPv4'],
    ['172.32.0.1', true, 'just past 172.16/12'],
    ['100.128.0.1', true, 'just past 100.64/10'],
    ['11.0.0.1', true, 'just past 10/8'],
    ['2001:4860:4860::8888', true, 'public IPv6'],
    ['::ffff:8.8.8.8', true, 'IPv4-mapped public'],
    ['2002:808:808::1', true, '6to4 of a public IPv4'],
    ['10.0.0.1', false, 'RFC 1918 10/8'],
    ['172.16.0.1', false, 'RFC 1918 172.16/12'],
    ['172.31.255.255', false, 'RFC 1918 172.16/12, last'],
    ['192.168.1.1', false, 'RFC 1918 192.168/16'],
    ['100.64.0.1', false, 'CGNAT 100.64/10'],
    ['100.127.255.255', false, 'CGNAT 100.64/10, last'],
    ['127.0.0.1', false, 'loopback'],
    ['127.255.0.9', false, 'loopback /8'],
    ['169.254.1.1', false, 'link-local'],
    ['169.254.169.254', false, 'cloud metadata (link-local)'],
    ['0.0.0.0', false, 'unspecified'],
    ['224.0.0.1', false, 'multicast'],
    ['255.255.255.255', false, 'broadcast'],
    ['::1', false, 'IPv6 loopback'],
    ['::', false, 'IPv6 unspecified'],
    ['fe80::1', false, 'IPv6 link-local'],
    ['fe80::1%eth0', false, 'IPv6 link-local with a zone'],
    ['fc00::1', false, 'unique local fc00::/7'],
    ['fd12:3456::1', false, 'unique local fd00::/8'],
    ['ff02::1', false, 'IPv6 multicast'],
    ['::ffff:10.0.0.1', false, 'IPv4-mapped private, dotted'],
    ['::ffff:a00:1', false, 'IPv4-mapped private, hex (as URL parsing writes it)'],
    ['::ffff:127.0.0.1', false, 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', false, 'IPv4-mapped link-local'],
    ['0:0:0:0:0:ffff:c0a8:101', false, 'IPv4-mapped 192.168.1.1, uncompressed'],
    ['::127.0.0.1', false, 'IPv4-compatible loopback'],
    ['64:ff9b::a00:1', false, 'NAT64 of 10.0.0.1'],
    ['2002:a00:1::1', false, '6to4 of 10.0.0.1'],
    ['localhost', false, 'a name is not an address (fail closed)'],
    ['', false, 'empty'],
    ['300.1.1.1', false, 'not an address'],
  ];
  for (const [ip, wanted, why] of table) {
    test(`${JSON.stringify(ip)} → ${wanted ? 'public' : 'not public'} (${why})`, () => {
      assert.equal(isPublicAddress(ip), wanted);
    });
  }
});

describe('signWebhook (Standard Webhooks)', () => {
  const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'utf8');
  const secret = `whsec_${key.toString('base64')}`;
  const id = 'n0000000000000000042';
  const timestamp = 1_736_942_400; // 2025-01-15T12:00:00Z
  const body = '{"messageType":"deliveryReport","notificationId":"n0000000000000000042","text":"Grüße"}';

  test('matches an HMAC-SHA256 of "id.timestamp.body" computed independently', () => {
    const wanted = `v1,${createHmac('sha256', key).update(Buffer.from(`${id}.${timestamp}.${body}`, 'utf8')).digest('base64')}`;
    assert.equal(signWebhook(secret, id, timestamp, body), wanted);
  });

  test('matches the standardwebhooks package, and its verify() accepts it', () => {
    const signature = signWebhook(secret, id, timestamp, body);
    assert.equal(signature, new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
    const now = Math.floor(Date.now() / 1000);
    const fresh = signWebhook(secret, id, now, body);
    assert.deepEqual(new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': fresh }), JSON.parse(body));
  });

  test('any change to id, timestamp or body changes the signature', () => {
    const signature = signWebhook(secret, id, timestamp, body);
    assert.notEqual(signWebhook(secret, `${id}x`, timestamp, body), signature);
    assert.notEqual(signWebhook(secret, id, timestamp + 1, body), signature);
    assert.notEqual(signWebhook(secret, id, timestamp, `${body} `), signature);
  });

  test('a secret that is not whsec_<base64> is an error, not a signature with a garbage key', () => {
    for (const bad of ['MfKQ9r8GKYqrTwjU', 'whsec_', 'whsec_not base64!', 'whsec_abcde']) {
      assert.throws(() => signWebhook(bad, id, timestamp, body), Error, `wanted an error for ${JSON.stringify(bad)}`);
    }
  });
});
