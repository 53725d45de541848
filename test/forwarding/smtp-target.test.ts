/**
 * The smtp target against a real smtp-server on port 0: the shared conformance suite, the shape
 * of the mail (SPEC §5 smtp), Message-ID stability across retries, refused connections, AUTH,
 * and the failure classification table.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SmtpRelay } from '../../src/config/schema.js';
import { classifySmtpFailure, createSmtpTarget, SMTP_DEADLINE_TIMEOUTS } from '../../src/forwarding/targets/smtp.js';
import type { Format, TargetSpec } from '../../src/forwarding/targets/target.js';
import { cleanup } from '../helpers/cleanup.js';
import { sampleDelivery, targetConformance, type ConformancePeer } from './target-conformance.js';

type Mode = 'ok' | 'retryable' | 'permanent' | 'hang';

/** A conformance peer that also keeps every parsed mail and counts sessions. */
interface SmtpPeer extends ConformancePeer {
  readonly port: number;
  /** Every mail that reached the end of DATA, accepted or not, parsed. */
  readonly mails: ParsedMail[];
  /** Most SMTP sessions open at the same time. */
  readonly maxSessions: number;
  /** Where retryable/permanent replies are given. @defaultValue 'data' */
  rejectAt: 'rcpt' | 'data';
}

interface PeerOptions {
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /** Put the password the client sent into the 535 reply (a careless relay). */
  echoPassword?: boolean;
}

/** An SMTP error carrying its wire reply, the way smtp-server expects it (STYLE.md). */
function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

const REPLIES = {
  retryable: () => smtpError(451, 'Requested action aborted: try again later'),
  permanent: () => smtpError(550, 'Mailbox unavailable'),
} as const;

async function startPeer(options: PeerOptions = {}): Promise<SmtpPeer> {
  let mode: Mode = 'ok';
  const received: string[] = [];
  const mails: ParsedMail[] = [];
  let sessions = 0;
  let maxSessions = 0;
  const peer: { rejectAt: 'rcpt' | 'data' } = { rejectAt: 'data' };

  const server = new SMTPServer({
    logger: false,
    // 127.0.0.1 has no name worth a DNS round trip per session.
    disableReverseLookup: true,
    // No certificate the client would trust: keep the test on plain SMTP.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const want = options.auth;
      if (want && auth.username === want.user && auth.password === want.pass) return callback(null, { user: auth.username });
      const detail = options.echoPassword ? ` (got ${auth.username}/${auth.password ?? ''})` : '';
      callback(smtpError(535, `Authentication credentials invalid${detail}`));
    },
    onConnect(_session, callback) {
      sessions += 1;
      maxSessions = Math.max(maxSessions, sessions);
      callback();
    },
    onClose() {
      sessions -= 1;
    },
    onRcptTo(_address, _session, callback) {
      if (peer.rejectAt === 'rcpt' && (mode === 'retryable' || mode === 'permanent')) return callback(REPLIES[mode]());
      callback();
    },
    onData(stream, _session, callback) {
      const atData = mode;
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          if (atData === 'hang') return; // never answer the end of DATA
          if (atData === 'retryable' || atData === 'permanent') return callback(REPLIES[atData]());
          for (const a of mail.attachments) received.push(a.content.toString('utf8'));
          callback();
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return Object.assign(peer, {
    port,
    mails,
    get maxSessions() {
      return maxSessions;
    },
    setMode(next: Mode) {
      mode = next;
    },
    received: () => [...received],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function relayFor(port: number, overrides: Partial<SmtpRelay> = {}): SmtpRelay {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    auth: null,
    from: 'smscd Receipts <receipts@smscd.example>',
    maxConnections: 2,
    timeoutMs: 500,
    ...overrides,
  };
}

function targetSpec(format: Format = 'json'): TargetSpec {
  return { id: 1, name: 'mailbox', type: 'smtp', url: null, to: 'dlr@customer.example', queueUrl: null, format, secret: null };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function header(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name);
  return typeof value === 'string' ? value : undefined;
}

targetConformance('smtp', async () => {
  const peer = await startPeer();
  return { peer, target: createSmtpTarget(targetSpec('json'), relayFor(peer.port)) };
});

describe('smtp target', () => {
  test('the mail: text part, one attachment holding the document, Auto-Submitted, Message-ID from the notificationId', async (t) => {
    const defer = cleanup(t);
    const peer = await startPeer();
    defer(() => peer.close());
    const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port));
    defer(() => target.close());

    const d = sampleDelivery('json');
    const [result] = await target.deliver([d]);
    assert.equal(result?.outcome, 'delivered', `wanted delivered, had ${JSON.stringify(result)}`);
    assert.equal(result.code, '250');

    const mail = peer.mails.at(-1);
    assert.ok(mail, 'the peer parsed a mail');
    assert.equal(mail.subject, `Delivery report ${d.messageId}: delivered`);
    assert.match(mail.text ?? '', new RegExp(`Delivery report for message ${d.messageId}: delivered\\. The notification is attached as JSON\\.`));
    assert.equal(mail.attachments.length, 1, `wanted one attachment, had ${mail.attachments.map((a) => a.filename).join(', ')}`);
    const [attachment] = mail.attachments;
    assert.equal(attachment?.filename, `notification-${d.notificationId}.json`);
    assert.equal(attachment?.contentType, 'application/json');
    assert.equal(attachment?.content.toString('utf8'), d.body);
    assert.equal(header(mail, 'auto-submitted'), 'auto-generated');
    assert.equal(mail.messageId, `<${d.notificationId}@smscd.example>`);
    assert.equal(mail.from?.value[0]?.address, 'receipts@smscd.example');
    assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined, 'dlr@customer.example');
  });

  test('an xml target attaches application/xml, UTF-8 intact; a status change says so in the subject', async (t) => {
    const defer = cleanup(t);
    const peer = await startPeer();
    defer(() => peer.close());
    const target = createSmtpTarget(targetSpec('xml'), relayFor(peer.port));
    defer(() => target.close());

    const body = '<?xml version="1.0" encoding="UTF-8"?><statusChange><senderAddress>Grüße €</senderAddress><status>read</status></statusChange>';
    const d = sampleDelivery('xml', { body, messageType: 'statusChange', status: 'read' });
    const [result] = await target.deliver([d]);
    assert.equal(result?.outcome, 'delivered', `wanted delivered, had ${JSON.stringify(result)}`);

    const mail = peer.mails.at(-1);
    assert.ok(mail, 'the peer parsed a mail');
    assert.equal(mail.subject, `Status change ${d.messageId}: read`);
    assert.match(mail.text ?? '', /attached as XML/);
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0]?.filename, `notification-${d.notificationId}.xml`);
    assert.equal(mail.attachments[0]?.contentType, 'application/xml');
    assert.equal(mail.attachments[0]?.content.toString('utf8'), body);
  });

  test('a retry of the same delivery carries the same Message-ID', async (t) => {
    const defer = cleanup(t);
    const peer = await startPeer();
    defer(() => peer.close());
    const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port));
    defer(() => target.close());

    const d = sampleDelivery('json');
    peer.setMode('retryable');
    const [first] = await target.deliver([d]);
    assert.equal(first?.outcome, 'retry', `first attempt: wanted retry, had ${JSON.stringify(first)}`);
    peer.setMode('ok');
    const [second] = await target.deliver([{ ...d, attempt: 2 }]);
    assert.equal(second?.outcome, 'delivered', `second attempt: wanted delivered, had ${JSON.stringify(second)}`);

    const ids = peer.mails.map((m) => m.messageId);
    assert.deepEqual(ids, [`<${d.notificationId}@smscd.example>`, `<${d.notificationId}@smscd.example>`]);
  });

  test('4xx retries and 5xx fails at RCPT TO as at the end of DATA; code and reason are the reply', async (t) => {
    const defer = cleanup(t);
    const peer = await startPeer();
    defer(() => peer.close());
    const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port));
    defer(() => target.close());

    for (const rejectAt of ['rcpt', 'data'] as const) {
      peer.rejectAt = rejectAt;
      for (const [mode, outcome, code] of [
        ['retryable', 'retry', '451'],
        ['permanent', 'failed', '550'],
      ] as const) {
        peer.setMode(mode);
        const [result] = await target.deliver([sampleDelivery('json')]);
        assert.ok(result && result.outcome !== 'delivered', `${rejectAt}/${mode}: wanted a failure, had ${JSON.stringify(result)}`);
        assert.equal(result.outcome, outcome, `${rejectAt}/${mode}: wanted ${outcome}, had ${JSON.stringify(result)}`);
        assert.equal(result.code, code);
        assert.match(result.reason, new RegExp(code), `${rejectAt}/${mode}: the reason is the server's reply`);
      }
    }
    peer.setMode('ok');
    const [after] = await target.deliver([sampleDelivery('json')]);
    assert.equal(after?.outcome, 'delivered', `the pool recovers after refusals, had ${JSON.stringify(after)}`);
  });

  test('connection refused is a retry', async (t) => {
    const defer = cleanup(t);
    const target = createSmtpTarget(targetSpec('json'), relayFor(await closedPort()));
    defer(() => target.close());
    const [result] = await target.deliver([sampleDelivery('json')]);
    assert.equal(result?.outcome, 'retry', `wanted retry, had ${JSON.stringify(result)}`);
    assert.equal(result.code, 'ECONNREFUSED');
  });

  test('a relay that trickles an endless reply is given up on at the deadline, as a retry', async (t) => {
    const defer = cleanup(t);
    // A bare SMTP peer: everything is accepted until the end of DATA, which is answered with
    // "250-" continuation lines every 50 ms that never end, so the socket is never idle long
    // enough for nodemailer's socket timeout (100 ms) to fire.
    const timers = new Set<NodeJS.Timeout>();
    const server = createServer((socket) => {
      let inData = false;
      let buffered = '';
      socket.on('error', () => undefined);
      socket.on('close', () => timers.forEach(clearInterval));
      socket.write('220 trickle.example ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        if (inData) {
          if (!buffered.includes('\r\n.\r\n')) return;
          inData = false;
          buffered = '';
          timers.add(setInterval(() => socket.write('250-still thinking\r\n'), 50));
          return;
        }
        let end: number;
        while ((end = buffered.indexOf('\r\n')) >= 0) {
          const line = buffered.slice(0, end).toUpperCase();
          buffered = buffered.slice(end + 2);
          if (line.startsWith('EHLO')) socket.write('250 trickle.example\r\n');
          else if (line.startsWith('DATA')) {
            socket.write('354 go ahead\r\n');
            inData = true;
            return;
          } else socket.write('250 OK\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const target = createSmtpTarget(targetSpec('json'), relayFor(port, { timeoutMs: 100 }));
    defer(() => target.close());

    const started = Date.now();
    const [result] = await target.deliver([sampleDelivery('json')]);
    const took = Date.now() - started;
    assert.equal(result?.outcome, 'retry', `wanted retry, had ${JSON.stringify(result)}`);
    assert.equal(result.code, 'ETIMEDOUT');
    assert.ok(took >= 100 * SMTP_DEADLINE_TIMEOUTS - 50 && took < 100 * SMTP_DEADLINE_TIMEOUTS + 1000, `wanted about ${100 * SMTP_DEADLINE_TIMEOUTS} ms, took ${took} ms`);
  });

  test('a target without a recipient fails without contacting the relay', async (t) => {
    const defer = cleanup(t);
    const target = createSmtpTarget({ ...targetSpec('json'), to: null }, relayFor(await closedPort()));
    defer(() => target.close());
    const [result] = await target.deliver([sampleDelivery('json')]);
    assert.equal(result?.outcome, 'failed', `wanted failed, had ${JSON.stringify(result)}`);
  });

  test('concurrent deliveries share the pool: at most maxConnections sessions', async (t) => {
    const defer = cleanup(t);
    const peer = await startPeer();
    defer(() => peer.close());
    const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port, { maxConnections: 3 }));
    defer(() => target.close());

    const deliveries = Array.from({ length: 60 }, () => sampleDelivery('json'));
    const results = (await Promise.all(deliveries.map((d) => target.deliver([d])))).flat();
    assert.ok(
      results.every((r) => r.outcome === 'delivered'),
      `all delivered, had ${JSON.stringify(results.filter((r) => r.outcome !== 'delivered'))}`,
    );
    const got = new Set(peer.received());
    assert.ok(deliveries.every((d) => got.has(d.body)), 'every body arrived');
    assert.ok(peer.maxSessions <= 3, `wanted ≤ 3 SMTP sessions at once, had ${peer.maxSessions}`);
  });

  describe('SMTP AUTH', () => {
    const auth = { user: 'smscd', pass: 's3cret-Pa55' };

    test('with the right credentials the mail is delivered', async (t) => {
      const defer = cleanup(t);
      const peer = await startPeer({ auth });
      defer(() => peer.close());
      const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port, { auth }));
      defer(() => target.close());
      const d = sampleDelivery('json');
      const [result] = await target.deliver([d]);
      assert.equal(result?.outcome, 'delivered', `wanted delivered, had ${JSON.stringify(result)}`);
      assert.ok(peer.received().includes(d.body), 'the peer received the body');
    });

    for (const echoPassword of [false, true]) {
      test(`wrong credentials fail (535), and the password is never in the result${echoPassword ? ' even when the relay echoes it' : ''}`, async (t) => {
        const defer = cleanup(t);
        const peer = await startPeer({ auth, echoPassword });
        defer(() => peer.close());
        const wrong = { user: 'smscd', pass: 'Wr0ng-Pa55word' };
        const target = createSmtpTarget(targetSpec('json'), relayFor(peer.port, { auth: wrong }));
        defer(() => target.close());
        const [result] = await target.deliver([sampleDelivery('json')]);
        assert.ok(result && result.outcome === 'failed', `wanted failed, had ${JSON.stringify(result)}`);
        assert.equal(result.code, '535');
        const shown = JSON.stringify(result);
        assert.ok(!shown.includes(wrong.pass), `the password leaked: ${shown}`);
        assert.ok(!shown.includes(Buffer.from(`\u0000${wrong.user}\u0000${wrong.pass}`).toString('base64')), `the AUTH PLAIN token leaked: ${shown}`);
        if (echoPassword) assert.match(result.reason, /\[redacted\]/, 'the echoed password is replaced');
      });
    }
  });
});

describe('classifySmtpFailure', () => {
  const withFields = (fields: Record<string, unknown>): Error => Object.assign(new Error('boom'), fields);
  const table: Array<[string, unknown, 'retry' | 'failed', string]> = [
    ['421 service closing', withFields({ code: 'EENVELOPE', responseCode: 421, response: '421 closing' }), 'retry', '421'],
    ['451 try later', withFields({ code: 'EMESSAGE', responseCode: 451, response: '451 later' }), 'retry', '451'],
    ['452 insufficient storage', withFields({ code: 'EENVELOPE', responseCode: 452, response: '452 full' }), 'retry', '452'],
    ['550 no mailbox', withFields({ code: 'EENVELOPE', responseCode: 550, response: '550 no such user' }), 'failed', '550'],
    ['554 rejected', withFields({ code: 'EMESSAGE', responseCode: 554, response: '554 spam' }), 'failed', '554'],
    ['535 auth', withFields({ code: 'EAUTH', responseCode: 535, response: '535 invalid' }), 'failed', '535'],
    ['a stray 354', withFields({ code: 'EPROTOCOL', responseCode: 354, response: '354 go ahead' }), 'retry', '354'],
    ['refused', withFields({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), 'retry', 'ECONNREFUSED'],
    ['timeout', withFields({ code: 'ETIMEDOUT' }), 'retry', 'ETIMEDOUT'],
    ['connection closed', withFields({ code: 'ECONNECTION' }), 'retry', 'ECONNECTION'],
    ['envelope without reply', withFields({ code: 'EENVELOPE' }), 'retry', 'EENVELOPE'],
    ['TLS failure', withFields({ code: 'ETLS' }), 'retry', 'ETLS'],
    ['a bare Error', new Error('odd'), 'retry', 'ERROR'],
    ['not an Error', 'odd', 'retry', 'ERROR'],
  ];
  for (const [what, err, outcome, code] of table) {
    test(what, () => {
      const got = classifySmtpFailure(err);
      assert.deepEqual([got.outcome, got.code], [outcome, code], `${what}: wanted ${outcome}/${code}, had ${got.outcome}/${got.code}`);
    });
  }
  test('the reason is the server reply when there is one, else the message', () => {
    assert.equal(classifySmtpFailure(withFields({ responseCode: 550, response: '550 5.1.1 no such user' })).reason, '550 5.1.1 no such user');
    assert.equal(classifySmtpFailure(withFields({ code: 'ETIMEDOUT' })).reason, 'boom');
  });
});
