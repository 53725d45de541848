/** The account CLI against a real database file, and its changes reaching a running server. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Status, statusName } from '../../src/smpp/command-status.js';
import { startApp } from '../helpers/app.js';
import { cli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { bind, closeSession, submit } from '../helpers/smpp-client.js';

test('account add, list --json, show, set, remove; secrets never printed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'x.db');

  const added = await cli(['account', 'add', 'acme', '--password', 's3cretpw', '--rate', '50', '--max-binds', '3', '--allow-ip', '10.0.0.0/8', '--email', 'ops@acme.example', '--db', db, '--json']);
  assert.equal(added.code, 0, added.stderr);
  const shown = JSON.parse(added.stdout) as Record<string, unknown>;
  assert.equal(shown.systemId, 'acme');
  assert.match(String(shown.apiToken), /^smscd_/, 'the API token is shown once on add');
  assert.equal(shown.password, undefined, 'a password given on the command line is not echoed');
  assert.doesNotMatch(added.stdout, /s3cretpw|scrypt\$/);

  const listed = await cli(['account', 'list', '--json', '--db', db]);
  assert.equal(listed.code, 0, listed.stderr);
  const accounts = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  assert.equal(accounts.length, 1);
  assert.deepEqual(
    { rate: accounts[0]!.rate, maxBinds: accounts[0]!.maxBinds, allowedIps: accounts[0]!.allowedIps, email: accounts[0]!.email },
    { rate: 50, maxBinds: 3, allowedIps: ['10.0.0.0/8'], email: 'ops@acme.example' },
  );
  assert.doesNotMatch(listed.stdout, /apiToken"|passwordHash|apiTokenHash|scrypt\$/, 'list shows no secrets');

  const set = await cli(['account', 'set', 'acme', '--rate', '7', '--any-ip', '--db', db, '--json']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal((JSON.parse(set.stdout) as { rate: number }).rate, 7);

  const generated = await cli(['account', 'add', 'gen', '--db', db, '--json']);
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(String((JSON.parse(generated.stdout) as { password: string }).password), /^[A-Za-z0-9]{8}$/, 'a generated password is shown once');

  const removed = await cli(['account', 'remove', 'acme', '--db', db]);
  assert.equal(removed.code, 0, removed.stderr);
  const missing = await cli(['account', 'show', 'acme', '--db', db]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no account acme/);
});

test('bad CLI arguments are refused with a message naming the problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'x.db');
  const cases: Array<[string[], RegExp]> = [
    [['account', 'add', 'this-id-is-far-too-long', '--password', 'pw', '--db', db], /1–15 printable ASCII/],
    [['account', 'add', 'ok', '--password', 'pw', '--rate', '-1', '--db', db], /--rate/],
    [['account', 'add', 'ok', '--password', 'pw', '--rate', 'fast', '--db', db], /--rate must be a whole number/],
    [['account', 'add', 'ok', '--password', 'pw', '--allow-ip', '300.1.1.1', '--db', db], /not an IP address or CIDR/],
    [['account', 'add', 'ok', '--password', 'pw', '--email', 'nope', '--db', db], /not an e-mail address/],
    [['account', 'set', 'ok', '--db', db], /nothing to change/],
    [['account', 'frobnicate', '--db', db], /unknown command|error/i],
    [['serve', '--smpp-port', '99999', '--db', db], /--smpp-port/],
  ];
  for (const [args, expected] of cases) {
    const result = await cli(args);
    assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
    assert.match(result.stderr, expected, `${args.join(' ')}: stderr was ${result.stderr}`);
  }
  const badConfig = await cli(['account', 'list', '--db', db], { SMSCD_STORE_SYNCHRONOUS: 'SOMETIMES' });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /store\.synchronous/, 'a bad setting is named');
});

test('CLI account changes reach a running server within a second', async (t) => {
  const app = await startApp();
  t.after(() => app.stop());
  app.addAccount('acme', 'acmepw');

  // A new account can bind at once.
  assert.equal((await cli(['account', 'add', 'newco', '--password', 'newpw', '--db', app.dbPath])).code, 0);
  const { session, response } = await bind(app.port, 'newco', 'newpw');
  t.after(() => closeSession(session));
  assert.equal(response.command_status, 0, `bind newco: ${statusName(response.command_status)}`);
  assert.equal((await submit(session)).command_status, 0);

  // A new rate applies to the bound session.
  assert.equal((await cli(['account', 'set', 'newco', '--rate', '2', '--db', app.dbPath])).code, 0);
  const changedAt = Date.now();
  await eventually(async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, () => submit(session).then((r) => r.command_status)));
    assert.ok(statuses.includes(Status.ESME_RTHROTTLED), `wanted ESME_RTHROTTLED among ${statuses.map(statusName).join(', ')}`);
  }, 3000, 'rate change applied');
  assert.ok(Date.now() - changedAt < 1500, `the rate change took ${Date.now() - changedAt} ms`);

  // A password change applies to the next bind.
  assert.equal((await cli(['account', 'set', 'acme', '--password', 'changed', '--db', app.dbPath])).code, 0);
  const old = await bind(app.port, 'acme', 'acmepw');
  t.after(() => closeSession(old.session));
  assert.equal(statusName(old.response.command_status), 'ESME_RINVPASWD');

  // Removing the account ends its session.
  assert.equal((await cli(['account', 'remove', 'newco', '--db', app.dbPath])).code, 0);
  await eventually(() => session.socket.destroyed || session.socket.readableEnded, 3000, 'session of the removed account closed');
});
