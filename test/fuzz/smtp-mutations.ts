/**
 * Generates hostile SMTP sessions for the e-mail fuzzer (test/fuzz/smtp-fuzz.test.ts): malformed
 * commands, bad MAIL FROM / RCPT TO syntax and parameters, AUTH junk, DATA with huge or binary
 * headers and broken MIME, binary junk and pipelined garbage. Each case is a pure function of its
 * Rng and always ends so that a server that still follows the dialogue closes the connection.
 */
import type { Rng } from './fuzz-run.js';

/** One hostile SMTP session. */
export interface SmtpCase {
  name: string;
  /** Written one after another (after the greeting, unless `early`). */
  chunks: Buffer[];
  /** Write before the greeting has arrived (an early talker). */
  early: boolean;
  /** Half-close after the last chunk instead of relying on QUIT. */
  halfClose: boolean;
}

/** What the generator knows about the listener. */
export interface SmtpTarget {
  domain: string;
  /** The registered address of the fuzz account. */
  sender: string;
  systemId: string;
  password: string;
  maxMessageBytes: number;
}

const CRLF = '\r\n';

function junk(rng: Rng, max: number): string {
  let s = '';
  const n = rng.int(0, max);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.8) ? rng.int(0x20, 0x7e) : rng.int(0, 0xff));
  return s;
}

function address(rng: Rng, t: SmtpTarget, role: 'from' | 'to'): string {
  const number = rng.pick(['436991234567', '+436991234567', '00436991234567', '0', '12345', '1'.repeat(21), 'abc', '', '43699123456a']);
  const good = role === 'from' ? t.sender : `${number}@${rng.pick(['sms', 'whatsapp'])}.${t.domain}`;
  return rng.pick([
    `<${good}>`,
    `<${good}>`,
    `<${good}>`,
    '<>',
    good,
    `<<${good}>>`,
    `<${good}`,
    `${good}>`,
    `<"quoted local"@${t.domain}>`,
    `<a@[127.0.0.1]>`,
    `<@route.example:${good}>`,
    `<${'x'.repeat(rng.pick([65, 300, 1000]))}@${t.domain}>`,
    `<a\u0000b@${t.domain}>`,
    `<\u00e4\u00f6\u00fc@${t.domain}>`,
    `<${number}@sms.other.example>`,
    `<${number}@SMS.${t.domain.toUpperCase()}>`,
    `<${junk(rng, 40)}>`,
    '',
  ]);
}

function mailParams(rng: Rng): string {
  if (rng.chance(0.6)) return '';
  return ` ${rng.pick(['SIZE=abc', 'SIZE=-1', 'SIZE=99999999999999999999', 'SIZE=100', 'BODY=8BITMIME', 'BODY=BINARYMIME', 'BODY=junk', 'SMTPUTF8', 'RET=FULL', 'RET=HDRS', 'RET=x', 'ENVID=abc+2Bdef', 'ENVID=', 'X=Y', '=', 'AUTH=<>'])}`;
}

function rcptParams(rng: Rng): string {
  if (rng.chance(0.6)) return '';
  return ` ${rng.pick(['NOTIFY=SUCCESS', 'NOTIFY=SUCCESS,FAILURE,DELAY', 'NOTIFY=NEVER', 'NOTIFY=NEVER,SUCCESS', 'NOTIFY=GARBAGE', 'NOTIFY=', 'ORCPT=rfc822;a@b', 'ORCPT=junk', 'ORCPT=rfc822;' + 'x'.repeat(600)])}`;
}

/** A mail body: valid, or with huge/binary headers and broken MIME. */
function mailData(rng: Rng, t: SmtpTarget): string {
  const subject = rng.pick(['Hello', '', '=?utf-8?B?!!!?=', '=?x-unknown?Q?abc?=', '=?utf-8?Q?=ZZ?=', junk(rng, 200), 'x'.repeat(rng.pick([1000, 100_000]))]);
  const headers = [`From: <${t.sender}>`, `To: <436991234567@sms.${t.domain}>`, `Subject: ${subject}`];
  if (rng.chance(0.2)) headers.push('Disposition-Notification-To: <' + t.sender + '>');
  if (rng.chance(0.2)) headers.push(rng.pick(['Return-Receipt-To: <' + t.sender + '>', 'Return-Receipt-To: junk', 'Disposition-Notification-To: ']));
  if (rng.chance(0.2)) headers.push(`Message-ID: ${rng.pick(['<a@b>', '', '<<<', '<' + 'm'.repeat(2000) + '@x>'])}`);
  const roll = rng.next();
  let body: string;
  if (roll < 0.25) {
    body = rng.pick(['Hello by mail', '', '-- \nsig only', '.\r\n..leading dot', 'x'.repeat(rng.pick([160, 1531, 5000]))]);
  } else if (roll < 0.4) {
    // A header flood (past maxMessageBytes with the bigger counts).
    const n = rng.pick([100, 2000, Math.ceil(t.maxMessageBytes / 60) + 10]);
    headers.push(...Array.from({ length: n }, (_, i) => `X-Flood-${i}: ${'v'.repeat(50)}`));
    body = 'flood';
  } else if (roll < 0.55) {
    const boundary = rng.pick(['b1', '', '"', 'x'.repeat(100)]);
    headers.push(`MIME-Version: 1.0`, `Content-Type: multipart/${rng.pick(['mixed', 'alternative', 'related', 'junk'])}; boundary="${boundary}"`);
    const depth = rng.pick([1, 3, 50]);
    body = '';
    for (let i = 0; i < depth; i++) body += `--${boundary}${CRLF}Content-Type: multipart/mixed; boundary="${boundary}${i}"${CRLF}${CRLF}`;
    body += `--${boundary}${CRLF}Content-Type: text/plain; charset=${rng.pick(['utf-8', 'x-garbage', 'utf-16', ''])}${CRLF}Content-Transfer-Encoding: ${rng.pick(['base64', 'quoted-printable', '7bit', 'x-uuencode', 'junk'])}${CRLF}${CRLF}${rng.pick(['!!!not base64!!!', '=ZZ=\r\n=', 'SGVsbG8=', junk(rng, 300)])}${CRLF}`;
    if (rng.chance(0.5)) body += `--${boundary}--${CRLF}`;
  } else if (roll < 0.7) {
    headers.push('Content-Type: text/html');
    body = rng.pick(['<p>Hello <b>html</b></p>', '<' + '<div>'.repeat(5000), '<script>alert(1)</script>', '<![CDATA[' + junk(rng, 200)]);
  } else if (roll < 0.85) {
    // Binary junk with NULs, bare CR and LF.
    body = junk(rng, 2000) + '\u0000\r\u0000\n' + junk(rng, 200);
  } else {
    headers.push(`X-Long: ${'L'.repeat(rng.pick([1000, 50_000]))}`);
    body = 'long header line';
  }
  // Dot-stuffing as a client must; some cases "forget" and end the DATA early.
  const stuffed = rng.chance(0.9) ? body.replace(/(^|\r\n)\./g, '$1..') : body;
  return `${headers.join(CRLF)}${CRLF}${CRLF}${stuffed}${CRLF}.${CRLF}`;
}

/** One command line (with its CRLF), good, odd or junk. */
function command(rng: Rng, t: SmtpTarget): string {
  const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
  const line = rng.pick<() => string>([
    () => `EHLO ${rng.pick(['fuzz.example', '', 'x'.repeat(600), junk(rng, 30), '[127.0.0.1]'])}`,
    () => `HELO ${rng.pick(['fuzz.example', ''])}`,
    () => `MAIL FROM:${address(rng, t, 'from')}${mailParams(rng)}`,
    () => `MAIL FROM:${address(rng, t, 'from')}${mailParams(rng)}`,
    () => rng.pick(['MAIL', 'MAIL FROM', 'MAIL FROM:', 'mail from:<' + t.sender + '>', 'MAIL  FROM: <' + t.sender + '>', 'MAIL TO:<a@b>']),
    () => `RCPT TO:${address(rng, t, 'to')}${rcptParams(rng)}`,
    () => `RCPT TO:${address(rng, t, 'to')}${rcptParams(rng)}`,
    () => rng.pick(['RCPT', 'RCPT TO', 'RCPT TO:', 'RCPT FROM:<a@b>', 'rcpt to:<436991234567@sms.' + t.domain + '>']),
    () => 'DATA',
    () => `DATA${CRLF}${mailData(rng, t)}`.slice(0, -2),
    () => rng.pick(['RSET', 'NOOP', 'NOOP junk', 'VRFY root', 'EXPN list', 'HELP', 'HELP DATA', 'STARTTLS', 'BDAT 10 LAST', 'TURN', 'ETRN x', 'XCLIENT ADDR=1.2.3.4', 'XFORWARD NAME=x']),
    () => rng.pick(['AUTH PLAIN', 'AUTH LOGIN', 'AUTH CRAM-MD5', 'AUTH XOAUTH2 junk', 'AUTH', 'AUTH PLAIN !!!notbase64', `AUTH PLAIN ${b64(`\u0000${t.systemId}\u0000wrong`)}`, `AUTH PLAIN ${b64(`\u0000${t.systemId}\u0000${t.password}`)}`, `AUTH PLAIN ${b64('\u0000\u0000')}`, `AUTH LOGIN ${b64(t.systemId)}`, '*']),
    () => junk(rng, 100),
    () => rng.pick(['GET / HTTP/1.1', '\u0016\u0003\u0001\u0002\u0000\u0001', 'QUIT junk', '.', '..', ' ', '']),
  ]);
  return `${line()}${rng.chance(0.95) ? CRLF : rng.pick(['\n', '\r', ''])}`;
}

/** One random hostile session. */
export function randomSmtpCase(rng: Rng, t: SmtpTarget): SmtpCase {
  const lines: string[] = [];
  const names: string[] = [];
  if (rng.chance(0.6)) lines.push(`EHLO fuzz.example${CRLF}`);
  const n = rng.int(1, 12);
  for (let i = 0; i < n; i++) {
    const c = command(rng, t);
    lines.push(c);
    names.push(JSON.stringify(c.slice(0, 30)));
  }
  if (rng.chance(0.1)) {
    // An endless line.
    lines.push('A'.repeat(rng.pick([20_000, 1024 * 1024])));
    names.push('endless line');
  }
  // End the dialogue whatever state it is in: finish a DATA, then QUIT.
  lines.push(`${CRLF}.${CRLF}QUIT${CRLF}`);
  const text = lines.join('');
  const bytes = Buffer.from(text, 'latin1');
  const pipelined = rng.chance(0.5);
  return {
    name: `${pipelined ? 'pipelined' : 'one write per line'}: ${names.join(' ')}`,
    chunks: pipelined ? [bytes] : lines.map((l) => Buffer.from(l, 'latin1')),
    early: rng.chance(0.1),
    halfClose: rng.chance(0.3),
  };
}
