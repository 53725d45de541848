/**
 * HTTPS for the API (`http.tls`): with a key and certificate the API port serves HTTPS only. A
 * websms send over HTTPS works with the test's self-signed certificate trusted as the CA; plain
 * HTTP to that port fails; a bad key file stops start-up naming the key.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { test } from 'node:test';
import { startApp } from '../helpers/app.js';
import { addApiAccount } from '../helpers/api-client.js';
import { cleanup } from '../helpers/cleanup.js';
import { makeTestCert } from '../helpers/tls-cert.js';

/** One HTTPS request to 127.0.0.1:port trusting `ca`; resolves with the status and the parsed body. */
function httpsJson(port: number, ca: string, path: string, options: { method?: string; auth?: string; json?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown>; encrypted: boolean }> {
  return new Promise((resolve, reject) => {
    const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? (payload ? 'POST' : 'GET'),
        ca,
        headers: { ...(options.auth ? { authorization: options.auth } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
        timeout: 5000,
      },
      (res) => {
        // Read now: the socket is detached from the response once it has ended.
        const encrypted = (res.socket as { encrypted?: boolean } | null)?.encrypted === true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, encrypted });
          } catch (err) {
            reject(new Error(`wanted JSON from ${path}, had ${JSON.stringify(text)}: ${(err as Error).message}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

test('with http.tls the API answers a websms send over HTTPS (certificate verified) and plain HTTP to the port fails', async (ctx) => {
  const defer = cleanup(ctx);
  const cert = makeTestCert();
  defer(() => cert.remove());
  const t = await startApp({ 'http.tls': { key: cert.key, cert: cert.cert }, 'simulator.delayMs': [0, 0] });
  defer(() => t.stop());
  const acme = addApiAccount(t, 'acme');
  const port = t.app.ports.http;

  const sent = await httpsJson(port, cert.pem, '/rest/smsmessaging/text', { auth: acme.basic, json: { recipientAddressList: ['436991234567'], messageContent: 'over https' } });
  assert.equal(sent.status, 200, `send over HTTPS: ${JSON.stringify(sent.body)}`);
  assert.equal(sent.body.statusCode, 2000);
  assert.equal(sent.encrypted, true, 'the answer came over TLS');
  assert.equal(t.app.store.messages.list({ accountId: acme.account.id, limit: 10 }).length, 1, 'the message is stored');
  const health = await httpsJson(port, cert.pem, '/healthz');
  assert.equal(health.status, 200, JSON.stringify(health.body));

  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) }), (err: unknown) => err instanceof Error && err.name !== 'TimeoutError', 'plain HTTP to the HTTPS port fails (and does not hang)');
  // An untrusted certificate is refused by a verifying client: the server really presents the configured one.
  await assert.rejects(httpsJson(port, makeUntrusted(), '/healthz'), /self[- ]signed|unable to verify|certificate/i);
  // The server is unharmed by the clear-text attempt.
  assert.equal((await httpsJson(port, cert.pem, '/healthz')).status, 200);
});

/** A CA that did not sign the server's certificate (another self-signed one). */
function makeUntrusted(): string {
  const other = makeTestCert();
  other.remove();
  return other.pem;
}

test('a bad http.tls key or cert file stops start-up with a message naming the key', async () => {
  const cert = makeTestCert();
  try {
    await assert.rejects(startApp({ 'http.tls': { key: '/nonexistent/key.pem', cert: cert.cert } }), /config http\.tls\.key: cannot read \/nonexistent\/key\.pem/);
    await assert.rejects(startApp({ 'http.tls': { key: cert.key, cert: '/nonexistent/cert.pem' } }), /config http\.tls\.cert: cannot read \/nonexistent\/cert\.pem/);
  } finally {
    cert.remove();
  }
});
