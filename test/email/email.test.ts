/**
 * The e-mail interface end to end (SPEC §7, §5): real mail sent with a nodemailer client to the
 * SMTP listener on port 0, messages stored and delivered by the simulator, receipts mailed back
 * through `forwarding.smtp` into an smtp-server sink, parsed with mailparser.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type Mail from 'nodemailer/lib/mailer';
import { startApp, type TestApp } from '../helpers/app.js';
import { cleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import type { Account } from '../../src/store/accounts.js';

const DOMAIN = 'example.test';
const SENDER = 'jane@acme.example';

interface Setup {
  t: TestApp;
  sink: SmtpSink;
  account: Account;
  defer: (fn: () => unknown) => void;
}

async function setup(ctx: TestContext, overrides: Record<string, unknown> = {}): Promise<Setup> {
  const defer = cleanup(ctx);
  const sink = await startSmtpSink();
  defer(() => sink.close());
  const t = await startApp({
    'email.domain': DOMAIN,
    'simulator.delayMs': [0, 0],
    'simulator.outcomes': { delivered: 100 },
    'whatsapp.delayMs': [10, 30],
    'whatsapp.failureRate': 0,
    'forwarding.smtp': sink.relay,
    ...overrides,
  });
  defer(() => t.stop());
  const account = t.addAccount('acme', 'secret1', { email: SENDER });
  t.app.forwarding.policy.reload();
  return { t, sink, account, defer };
}

type SendOptions = Mail.Options & { auth?: { user: string; pass: string } };

/** Sends one mail to the listener; resolves with nodemailer's info (accepted, rejected, response). */
async function send(t: TestApp, options: SendOptions): Promise<SMTPTransport.SentMessageInfo> {
  const { auth, ...mail } = options;
  const transport = createTransport({ host: '127.0.0.1', port: t.app.ports.smtp, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });
  try {
    return await transport.sendMail({ from: SENDER, subject: 'Hello', text: 'Hello by mail', ...mail });
  } finally {
    transport.close();
  }
}

/** The error a refused mail fails with: nodemailer's code, the SMTP reply code and text. */
async function refusal(t: TestApp, options: SendOptions): Promise<{ code?: string; responseCode?: number; response?: string }> {
  try {
    const info = await send(t, options);
    assert.fail(`the mail was accepted: ${info.response}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err as { code?: string; responseCode?: number; response?: string };
  }
}

/** The message ids the 250 reply names (`… message ids 1 2 3`). */
function idsOf(info: SMTPTransport.SentMessageInfo): string[] {
  const m = /message ids? ([0-9 ]+)$/.exec(info.response.trim());
  assert.ok(m, `the reply names the message ids: ${info.response}`);
  return m[1]!.trim().split(' ');
}

function documentOf(mail: ParsedMail): Record<string, unknown> {
  assert.equal(mail.attachments.length, 1, 'one attached document');
  return JSON.parse(mail.attachments[0]!.content.toString('utf8')) as Record<string, unknown>;
}

/** Waits until the message is final and every outbox row written for it is settled. */
async function settled(t: TestApp, id: string, final: string): Promise<void> {
  await eventually(() => t.app.store.messages.byId(id)?.status === final, 5000, `message ${id} ${final}`);
  await eventually(() => t.app.store.outbox.list({ messageId: id, limit: 100 }).every((r) => r.state === 'delivered'), 5000, `outbox rows of ${id} delivered`);
}

test('SMS with a read-receipt request: stored with the text, receipt mailed back as a threaded reply (JSON)', async (ctx) => {
  const { t, sink } = await setup(ctx);
  const info = await send(t, {
    to: `+436991234567@sms.${DOMAIN}`,
    subject: 'Meeting',
    text: 'See you at 5\n-- \nJane Doe\nACME',
    messageId: '<original-1@acme.example>',
    headers: { 'Disposition-Notification-To': SENDER },
  });
  assert.match(info.response, /^250 .*OK: 1 message accepted, transferId [0-9a-f]{20}/);
  const [id] = idsOf(info);
  const stored = t.app.store.messages.byId(id!);
  assert.ok(stored);
  assert.deepEqual([stored.channel, stored.messageType, stored.destAddr, stored.text, stored.registeredDelivery], ['email', 'sms', '436991234567', 'See you at 5', 1]);

  await eventually(() => sink.mails.length === 1, 5000, 'the receipt mail');
  const receipt = sink.mails[0]!;
  assert.equal(receipt.to && !Array.isArray(receipt.to) ? receipt.to.value[0]?.address : null, SENDER);
  assert.equal(receipt.inReplyTo, '<original-1@acme.example>');
  assert.deepEqual([receipt.references].flat(), ['<original-1@acme.example>']);
  assert.equal(receipt.subject, 'Delivered: Meeting');
  assert.equal(receipt.headers.get('auto-submitted'), 'auto-generated');
  assert.equal(receipt.attachments[0]!.contentType, 'application/json');
  const doc = documentOf(receipt);
  assert.equal(doc.messageType, 'deliveryReport');
  assert.equal(doc.deliveryReportMessageStatus, 'delivered');
  assert.equal(doc.transferId, /transferId ([0-9a-f]{20})/.exec(info.response)![1]);
  assert.equal(doc.recipientAddress, '436991234567');
  assert.equal(doc.channel, 'email');
  assert.equal(doc.account, 'acme');
});

test('SMS without a receipt request: delivered, nothing mailed back', async (ctx) => {
  const { t, sink } = await setup(ctx);
  const [id] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}` }));
  await eventually(() => t.app.store.messages.byId(id!)?.status === 'delivered', 5000, 'delivered');
  assert.equal(t.app.store.messages.byId(id!)!.registeredDelivery, 0);
  assert.deepEqual(t.app.store.outbox.list({ messageId: id!, limit: 10 }), [], 'no forwarding owed');
  assert.equal(sink.mails.length, 0);
});

test('SMS with DSN NOTIFY=SUCCESS or Return-Receipt-To: a receipt each', async (ctx) => {
  const { t, sink } = await setup(ctx);
  const [a] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}`, dsn: { notify: ['success'], recipient: SENDER } }));
  const [b] = idsOf(await send(t, { to: `436991234568@sms.${DOMAIN}`, headers: { 'Return-Receipt-To': SENDER } }));
  await settled(t, a!, 'delivered');
  await settled(t, b!, 'delivered');
  await eventually(() => sink.mails.length === 2, 5000, 'two receipts');
  assert.deepEqual(sink.mails.map((m) => documentOf(m).recipientAddress).sort(), ['436991234567', '436991234568']);
});

async function whatsappCase(ctx: TestContext, headers: Record<string, string>, dsn: boolean, wanted: string[]): Promise<void> {
  const { t, sink } = await setup(ctx);
  const info = await send(t, {
    to: `436991234567@whatsapp.${DOMAIN}`,
    subject: 'Lunch?',
    text: 'Lunch at noon?',
    messageId: '<wa-1@acme.example>',
    headers,
    ...(dsn ? { dsn: { notify: ['success'], recipient: SENDER } } : {}),
  });
  const [id] = idsOf(info);
  assert.equal(t.app.store.messages.byId(id!)!.messageType, 'whatsapp');
  await settled(t, id!, 'read');
  // Every status was recorded; only the asked-for ones owed a mail.
  assert.deepEqual(t.app.store.events.forMessage(id!).map((e) => e.status), ['sent', 'delivered', 'read']);
  await eventually(() => sink.mails.length === wanted.length, 5000, `${wanted.length} receipt mails`);
  assert.deepEqual(sink.mails.map((m) => documentOf(m).status), wanted);
  for (const mail of sink.mails) {
    assert.equal(documentOf(mail).messageType, 'statusChange');
    assert.equal(mail.inReplyTo, '<wa-1@acme.example>');
  }
  assert.deepEqual(sink.mails.map((m) => m.subject), wanted.map((s) => `${s[0]!.toUpperCase()}${s.slice(1)}: Lunch?`));
}

test('WhatsApp with a delivery request only (NOTIFY=SUCCESS): only delivered comes back', (ctx) => whatsappCase(ctx, {}, true, ['delivered']));

test('WhatsApp with a read request only (Disposition-Notification-To): only read comes back', (ctx) =>
  whatsappCase(ctx, { 'Disposition-Notification-To': SENDER }, false, ['read']));

test('WhatsApp with both requests: delivered, then read', (ctx) => whatsappCase(ctx, { 'Disposition-Notification-To': SENDER, 'Return-Receipt-To': SENDER }, false, ['delivered', 'read']));

test('WhatsApp without a request: nothing mailed back', async (ctx) => {
  const { t, sink } = await setup(ctx);
  const [id] = idsOf(await send(t, { to: `436991234567@whatsapp.${DOMAIN}` }));
  await eventually(() => t.app.store.messages.byId(id!)?.status === 'read', 5000, 'read');
  assert.deepEqual(t.app.store.outbox.list({ messageId: id!, limit: 10 }), []);
  assert.equal(sink.mails.length, 0);
});

test('the account format xml: the receipt carries an XML document', async (ctx) => {
  const { t, sink } = await setup(ctx);
  t.app.store.accounts.update('acme', { emailFormat: 'xml' });
  t.app.forwarding.policy.reload();
  await send(t, { to: `436991234567@sms.${DOMAIN}`, headers: { 'Disposition-Notification-To': SENDER } });
  await eventually(() => sink.mails.length === 1, 5000, 'the receipt mail');
  const attachment = sink.mails[0]!.attachments[0]!;
  assert.equal(attachment.contentType, 'application/xml');
  const xml = attachment.content.toString('utf8');
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<deliveryReport>/);
  assert.match(xml, /<deliveryReportMessageStatus>delivered<\/deliveryReportMessageStatus>/);
  assert.match(xml, /<channel>email<\/channel>/);
});

test('the account format none, the global switch off, a none rule: nothing mailed back, the message still sent', async (ctx) => {
  const { t, sink, account } = await setup(ctx);
  const request = { headers: { 'Disposition-Notification-To': SENDER } };
  const cases: Array<[string, () => void, () => void]> = [
    ['format none', () => t.app.store.accounts.update('acme', { emailFormat: 'none' }), () => t.app.store.accounts.update('acme', { emailFormat: 'json' })],
    ['switch off', () => t.app.store.settings.set('forwarding.enabled', 'off'), () => t.app.store.settings.set('forwarding.enabled', 'on')],
    [
      'none rule',
      () => t.app.store.rules.add({ accountId: account.id, channel: 'email', messageType: 'sms', targetId: null, statuses: null, format: null }),
      () => t.app.store.db.prepare('DELETE FROM rules').run(),
    ],
  ];
  for (const [what, before, after] of cases) {
    before();
    t.app.forwarding.policy.reload();
    const [id] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}`, ...request }));
    await eventually(() => t.app.store.messages.byId(id!)?.status === 'delivered', 5000, `${what}: delivered`);
    assert.deepEqual(t.app.store.outbox.list({ messageId: id!, limit: 10 }), [], `${what}: no forwarding owed`);
    after();
  }
  t.app.forwarding.policy.reload();
  // With everything back on, the same mail does get its receipt: the cases above were the settings.
  const [id] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}`, ...request }));
  await settled(t, id!, 'delivered');
  await eventually(() => sink.mails.length === 1, 5000, 'one receipt');
  assert.equal(documentOf(sink.mails[0]!).transferId !== undefined, true);
});

test('several recipients: one message each, one transferId; SMS and WhatsApp in one mail', async (ctx) => {
  const { t } = await setup(ctx);
  const info = await send(t, { to: [`436991234567@sms.${DOMAIN}`, `436991234568@sms.${DOMAIN}`, `436991234569@whatsapp.${DOMAIN}`] });
  const ids = idsOf(info);
  assert.equal(ids.length, 3);
  const messages = ids.map((id) => t.app.store.messages.byId(id)!);
  assert.deepEqual(messages.map((m) => [m.destAddr, m.messageType]), [['436991234567', 'sms'], ['436991234568', 'sms'], ['436991234569', 'whatsapp']]);
  assert.equal(new Set(messages.map((m) => m.transferId)).size, 1);
});

test('HTML-only mail becomes text; a long text is one message of several SMS; attachments are ignored with a note', async (ctx) => {
  const { t } = await setup(ctx);
  const [a] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}`, text: undefined, html: '<p>Hello <b>world</b></p><p>Tom &amp; Jerry</p>' }));
  assert.equal(t.app.store.messages.byId(a!)!.text, 'Hello world\n\nTom & Jerry');
  const long = 'x'.repeat(400);
  const [b] = idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}`, text: long, attachments: [{ filename: 'a.pdf', content: Buffer.from('%PDF-1.4') }] }));
  const stored = t.app.store.messages.byId(b!)!;
  assert.equal(stored.text, long);
  assert.equal(stored.partCount, 3);
  assert.ok(t.logs.some((l) => l.msg === 'attachments ignored: only the text is sent' && l.attachments === 1), 'the attachment is noted in the log');
});

test('refusals: unknown sender, null sender, bad number, other domain, no text, oversize, too long — each with a clear reply', async (ctx) => {
  const { t } = await setup(ctx, { 'email.maxMessageBytes': 4096, 'email.maxRecipients': 2 });
  const stranger = await refusal(t, { from: 'mallory@evil.example', to: `436991234567@sms.${DOMAIN}` });
  assert.equal(stranger.responseCode, 550);
  assert.match(stranger.response!, /<mallory@evil\.example> is not the registered e-mail address of any account/);

  const bounce = await refusal(t, { envelope: { from: '', to: `436991234567@sms.${DOMAIN}` } });
  assert.equal(bounce.responseCode, 550);
  assert.match(bounce.response!, /null sender/);

  const badNumber = await refusal(t, { to: `0699123@sms.${DOMAIN}` });
  assert.equal(badNumber.responseCode, 553);
  assert.match(badNumber.response!, /"0699123" is not a phone number in international format/);

  const otherDomain = await refusal(t, { to: 'bob@example.org' });
  assert.equal(otherDomain.responseCode, 550);
  assert.match(otherDomain.response!, /only for <number>@sms\.example\.test/);

  const empty = await refusal(t, { to: `436991234567@sms.${DOMAIN}`, subject: '', text: '\n-- \nJane' });
  assert.equal(empty.responseCode, 554);
  assert.match(empty.response!, /no text/);

  const huge = await refusal(t, { to: `436991234567@sms.${DOMAIN}`, text: 'y'.repeat(8000) });
  assert.equal(huge.responseCode, 552);

  const tooLong = await refusal(t, { to: `436991234567@sms.${DOMAIN}`, text: 'z'.repeat(1600) });
  assert.equal(tooLong.responseCode, 554);
  assert.match(tooLong.response!, /1600 characters; an SMS takes at most 1530/);

  // One bad recipient among good ones is refused alone; the others are sent.
  const mixed = await send(t, { to: [`436991234567@sms.${DOMAIN}`, `12@sms.${DOMAIN}`] });
  assert.deepEqual(mixed.rejected, [`12@sms.${DOMAIN}`]);
  assert.equal(idsOf(mixed).length, 1);
  const many = await send(t, { to: [`436991234561@sms.${DOMAIN}`, `436991234562@sms.${DOMAIN}`, `436991234563@sms.${DOMAIN}`] });
  assert.deepEqual(many.rejected, [`436991234563@sms.${DOMAIN}`]);
  assert.match(String(many.rejectedErrors?.[0]?.message), /too many recipients: at most 2/);

  // Nothing refused was stored: two messages from the mixed and two from the last mail.
  assert.equal(t.app.store.messages.count(), 3);
  assert.ok(t.logs.some((l) => l.msg === 'smtp refused' && l.stage === 'MAIL FROM' && l.code === 550), 'refusals are logged');
});

test('SMTP AUTH: required when configured; the account must own the sender address; wrong passwords refused', async (ctx) => {
  const { t } = await setup(ctx, { 'email.requireAuth': true, 'email.allowInsecureAuth': true });
  t.addAccount('other', 'secret2', { email: 'other@acme.example' });
  const to = `436991234567@sms.${DOMAIN}`;

  const anonymous = await refusal(t, { to });
  assert.equal(anonymous.responseCode, 530);
  assert.match(anonymous.response!, /authentication required/);

  const wrongPassword = await refusal(t, { to, auth: { user: 'acme', pass: 'nope' } });
  assert.equal(wrongPassword.code, 'EAUTH');
  assert.equal(wrongPassword.responseCode, 535);

  const notTheirs = await refusal(t, { to, auth: { user: 'other', pass: 'secret2' } });
  assert.equal(notTheirs.responseCode, 550);
  assert.match(notTheirs.response!, /not the registered e-mail address of account other/);

  const ok = await send(t, { to, auth: { user: 'acme', pass: 'secret1' } });
  assert.equal(idsOf(ok).length, 1);
});

test('STARTTLS with a configured key and certificate; plain listeners do not offer it', async (ctx) => {
  const defer = cleanup(ctx);
  const plain = await startApp({ 'email.domain': DOMAIN });
  defer(() => plain.stop());
  plain.addAccount('acme', 'secret1', { email: SENDER });
  const noTls = createTransport({ host: '127.0.0.1', port: plain.app.ports.smtp, requireTLS: true });
  await assert.rejects(noTls.sendMail({ from: SENDER, to: `436991234567@sms.${DOMAIN}`, text: 'x' }), /STARTTLS/);
  noTls.close();

  const key = join(plain.dir, 'key.pem');
  const cert = join(plain.dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const t = await startApp({ 'email.domain': DOMAIN, 'email.tls': { key, cert } });
  defer(() => t.stop());
  t.addAccount('acme', 'secret1', { email: SENDER });
  // requireTLS: nodemailer fails unless the STARTTLS upgrade succeeds, so an accepted mail went over TLS.
  const transport = createTransport({ host: '127.0.0.1', port: t.app.ports.smtp, requireTLS: true, tls: { rejectUnauthorized: false } });
  const info = await transport.sendMail({ from: SENDER, to: `436991234567@sms.${DOMAIN}`, text: 'over TLS' });
  transport.close();
  assert.equal(t.app.store.messages.byId(idsOf(info)[0]!)!.text, 'over TLS');
});

test('a bad email.tls file stops start-up with a message naming the key', async () => {
  await assert.rejects(startApp({ 'email.tls': { key: '/nonexistent/key.pem', cert: '/nonexistent/cert.pem' } }), /config email\.tls\.key: cannot read \/nonexistent\/key\.pem/);
});

test('hostile input: garbage commands, an endless line, a header flood — answered or closed, and the listener keeps serving', async (ctx) => {
  const { t } = await setup(ctx, { 'email.maxMessageBytes': 65536 });
  const { connect } = await import('node:net');
  /** Writes `chunks` on a fresh connection; resolves with everything the server said until it closed or went quiet. */
  const converse = (chunks: Array<string | Buffer>): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect(t.app.ports.smtp, '127.0.0.1');
      let said = '';
      let quiet: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(quiet);
        socket.destroy();
        resolve(said);
      };
      socket.on('data', (d: Buffer) => {
        said += d.toString('latin1');
        clearTimeout(quiet);
        quiet = setTimeout(finish, 300);
      });
      socket.on('error', finish);
      socket.on('close', finish);
      socket.once('data', () => {
        for (const c of chunks) socket.write(c);
      });
    });
  const garbage = await converse(['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n', 'GET / HTTP/1.1\r\n', 'FOO BAR\r\n']);
  assert.match(garbage, /^220 /);
  assert.match(garbage, /\r\n5\d\d /, `garbage gets 5xx: ${JSON.stringify(garbage.slice(0, 300))}`);

  const endless = await converse(['EHLO x\r\n', Buffer.alloc(2 * 1024 * 1024, 0x41)]);
  assert.match(endless, /\r\n421 .*too long\r\n$/, `an endless command line is refused and the connection closed: ${JSON.stringify(endless.slice(-200))}`);

  const headers = Array.from({ length: 5000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(60)}\r\n`).join('');
  const flood = await converse([`EHLO x\r\nMAIL FROM:<${SENDER}>\r\nRCPT TO:<436991234567@sms.${DOMAIN}>\r\nDATA\r\n`, `Subject: flood\r\n${headers}\r\nbody\r\n.\r\nQUIT\r\n`]);
  assert.match(flood, /\r\n552 /, `an oversized header block is refused with 552: ${JSON.stringify(flood.slice(-300))}`);

  // The listener still serves a well-behaved client, and nothing of the above was stored.
  assert.equal(t.app.store.messages.count(), 0);
  assert.equal(idsOf(await send(t, { to: `436991234567@sms.${DOMAIN}` })).length, 1);
});
