/** A fresh Store on a temporary file, and rows to fill it with (accounts, messages, targets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Format } from '../../src/forwarding/targets/target.js';
import type { Account, NewAccount } from '../../src/store/accounts.js';
import type { NewMessage } from '../../src/store/messages.js';
import { Store } from '../../src/store/store.js';
import type { TargetRow } from '../../src/store/targets.js';

/** A temporary directory removed after the test. */
export function tempDir(t: TestContext, prefix = 'smscd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store on a new file in `dir` (or a new temporary directory); closed after the test. */
export function openTempStore(t: TestContext, dir = tempDir(t, 'smscd-store-')): { store: Store; path: string } {
  const path = join(dir, 'smscd.db');
  const store = Store.open({ path });
  t.after(() => store.close());
  return { store, path };
}

/** Adds an account (the hash is a well-formed placeholder; nothing binds with it). */
export function addAccount(store: Store, systemId: string, extra: Partial<NewAccount> = {}): Account {
  return store.accounts.add({
    systemId,
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
    maxBinds: 2,
    rate: 0,
    allowedIps: [],
    email: null,
    apiTokenHash: null,
    ...extra,
  });
}

/** An SMPP SMS asking for every final receipt, with `extra` merged over it. */
export function newMessage(accountId: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    accountId,
    channel: 'smpp',
    messageType: 'sms',
    sessionId: null,
    serviceType: '',
    sourceAddr: '436601234567',
    sourceTon: 1,
    sourceNpi: 1,
    destAddr: '436991234567',
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: 1,
    dataCoding: 0,
    udh: null,
    body: Buffer.from('hello'),
    text: 'hello',
    partRef: null,
    partNumber: null,
    partCount: null,
    clientRef: null,
    scheduleAt: null,
    expiresAt: null,
    status: 'enroute',
    submittedAt: Date.now(),
    ...extra,
  };
}

/** Adds an http target. */
export function addHttpTarget(store: Store, name: string, format: Format = 'json', secret: string | null = null): TargetRow {
  return store.targets.add({ name, type: 'http', url: `https://hooks.example.com/${name}`, to: null, queueUrl: null, format, secret });
}

/** Adds an smtp target. */
export function addSmtpTarget(store: Store, name: string, format: Format = 'json'): TargetRow {
  return store.targets.add({ name, type: 'smtp', url: null, to: `${name}@customer.example`, queueUrl: null, format, secret: null });
}
