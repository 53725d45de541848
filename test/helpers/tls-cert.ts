/** A throw-away self-signed certificate for TLS tests, made with openssl. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a certificate for 127.0.0.1 and localhost, and its text (to trust it as a CA). */
export interface TestCert {
  key: string;
  cert: string;
  /** The certificate PEM (self-signed: it is its own CA). */
  pem: string;
  /** Deletes the files. */
  remove(): void;
}

/** Makes a key and a self-signed certificate valid for a day for IP 127.0.0.1 and DNS localhost. */
export function makeTestCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { key, cert, pem: readFileSync(cert, 'utf8'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
