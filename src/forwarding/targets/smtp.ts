/**
 * The smtp forwarding target (SPEC §5 smtp): one e-mail per event through the configured relay
 * (`forwarding.smtp`, SPEC §10), the document attached as JSON or XML. One pooled nodemailer
 * transport per target, so a burst of receipts reuses a few SMTP sessions instead of opening one
 * per mail.
 */
import { performance } from 'node:perf_hooks';
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SmtpRelay } from '../../config/schema.js';
import { excerpt, type Delivery, type DeliveryResult, type Target, type TargetSpec } from './target.js';

/**
 * How many `timeoutMs` a whole send may take before it is abandoned as a retry. The socket
 * timeouts only notice silence; a relay that trickles its replies would otherwise hold a
 * delivery for ever. A transaction waits for about nine replies (connect, greeting, EHLO,
 * STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA, end of data), so ten leaves room for all of
 * them being slow and for a short wait in the pool's queue.
 */
export const SMTP_DEADLINE_TIMEOUTS = 10;

/** Used for the Message-ID when `relay.from` has no domain (RFC 2606 reserves `.invalid`). */
const FALLBACK_DOMAIN = 'smscd.invalid';

/** The fields nodemailer sets on the error of a failed send (its `NodemailerError`). */
interface SmtpSendError extends Error {
  /** nodemailer's code (ECONNECTION, ETIMEDOUT, ESOCKET, EENVELOPE, EAUTH, …) */
  code?: string;
  /** the code Node.js set before nodemailer replaced it (ECONNREFUSED under ESOCKET) */
  originalCode?: string;
  /** the SMTP reply code, when the server answered */
  responseCode?: number;
  /** the server's reply text, code included */
  response?: string;
}

function isSmtpSendError(err: unknown): err is SmtpSendError {
  if (!(err instanceof Error)) return false;
  const e = err as Error & Record<string, unknown>;
  return (
    (e.code === undefined || typeof e.code === 'string') &&
    (e.originalCode === undefined || typeof e.originalCode === 'string') &&
    (e.responseCode === undefined || typeof e.responseCode === 'number') &&
    (e.response === undefined || typeof e.response === 'string')
  );
}

/** A failed send as the attempt log records it. */
export interface SmtpFailure {
  outcome: 'retry' | 'failed';
  code: string;
  reason: string;
}

/**
 * The classification of a failed send (SPEC §5: 4xx SMTP replies retry, 5xx fail): a reply code
 * decides by its class; without one the relay was not reached or stopped answering, which time
 * may fix, so every such error is a retry.
 */
export function classifySmtpFailure(err: unknown): SmtpFailure {
  if (!isSmtpSendError(err)) return { outcome: 'retry', code: 'ERROR', reason: String(err) };
  const reply = err.responseCode;
  if (reply !== undefined) {
    const reason = err.response ?? err.message;
    // RFC 5321 §4.2.1: 5yz is a permanent negative completion. A stray 2yz/3yz where an error
    // was expected is a confused session, not a verdict on the message, so it is retried.
    return { outcome: reply >= 500 && reply <= 599 ? 'failed' : 'retry', code: String(reply), reason };
  }
  // ECONNREFUSED reads better in the attempt log than the ESOCKET nodemailer wraps it in.
  return { outcome: 'retry', code: err.originalCode ?? err.code ?? 'ERROR', reason: err.message };
}

/** The bare address of `smscd <receipts@example.com>`, for the envelope. */
function addressOf(from: string): string {
  return addressparser(from, { flatten: true })[0]?.address ?? from;
}

/** The domain of an address such as `smscd <receipts@example.com>`, for Message-IDs. */
function domainOf(from: string): string {
  const address = addressOf(from);
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1) : FALLBACK_DOMAIN;
}

/** Removes the relay password in every form it can take on the wire (plain, base64 AUTH PLAIN/LOGIN). */
function redactor(auth: SmtpRelay['auth']): (text: string) => string {
  if (auth === null || auth.pass.length === 0) return (text) => text;
  const secrets = [
    auth.pass,
    Buffer.from(auth.pass).toString('base64'),
    Buffer.from(`\u0000${auth.user}\u0000${auth.pass}`).toString('base64'),
  ];
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

/**
 * The subject and text part: what happened to which message, readable without the attachment.
 * A receipt for a message that came by e-mail is titled the way mail programs title their own
 * receipts ("Delivered: <subject>", as Outlook's "Read: <subject>"), so it reads as the answer
 * to that mail; the In-Reply-To/References headers make it thread.
 */
function summarize(d: Delivery): { subject: string; text: string } {
  const kind = d.messageType === 'statusChange' ? 'Status change' : 'Delivery report';
  const text = `${kind} for message ${d.messageId}: ${d.status}. The notification is attached as ${d.format.toUpperCase()}.\r\n`;
  if (d.reply) {
    const word = d.status.charAt(0).toUpperCase() + d.status.slice(1);
    const subject = d.reply.subject?.trim() ? `${word}: ${d.reply.subject.trim()}` : `${word}: ${kind.toLowerCase()} ${d.messageId}`;
    return { subject, text };
  }
  return { subject: `${kind} ${d.messageId}: ${d.status}`, text };
}

/** Creates the smtp target for `spec`, mailing `spec.to` through `relay`. */
export function createSmtpTarget(spec: TargetSpec, relay: SmtpRelay): Target {
  const domain = domainOf(relay.from);
  const envelopeFrom = addressOf(relay.from);
  const redact = redactor(relay.auth);
  const deadlineMs = relay.timeoutMs * SMTP_DEADLINE_TIMEOUTS;
  const transport = createTransport({
    pool: true,
    maxConnections: relay.maxConnections,
    // One silent re-send when a pooled connection turns out to have been closed by the relay
    // (an idle session it dropped); anything beyond that is the worker's retry schedule.
    maxRequeues: 1,
    host: relay.host,
    port: relay.port,
    secure: relay.secure,
    // Plain relays: STARTTLS whenever offered, but a refused STARTTLS continues unencrypted
    // (nodemailer then sends no credentials) rather than failing every receipt. Certificates
    // are verified as nodemailer does by default.
    requireTLS: false,
    opportunisticTLS: !relay.secure,
    ...(relay.auth === null ? {} : { auth: { user: relay.auth.user, pass: relay.auth.pass } }),
    connectionTimeout: relay.timeoutMs,
    greetingTimeout: relay.timeoutMs,
    socketTimeout: relay.timeoutMs,
    dnsTimeout: relay.timeoutMs,
    // Content is always our own string; never let a mail field read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  // Per-mail failures arrive through sendMail; a transport-level 'error' without a listener
  // would crash the process, and there is nothing more to do with one than with the send's own.
  transport.on('error', () => undefined);

  async function deliverOne(d: Delivery): Promise<DeliveryResult> {
    const started = performance.now();
    const took = (): number => Math.round(performance.now() - started);
    if (spec.to === null || spec.to.length === 0) {
      return { outcome: 'failed', code: 'EENVELOPE', reason: 'target has no recipient address', durationMs: took() };
    }
    const { subject, text } = summarize(d);
    // A plain timer rather than AbortSignal.timeout(), which builds its DOMException up front:
    // measurable at a thousand mails a second, and almost never needed.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    try {
      // Composed to one buffer first, so the DATA goes out in one socket write instead of one
      // per MIME line (nodemailer streams the message in small chunks otherwise).
      const raw = await new MailComposer({
        from: relay.from,
        to: spec.to,
        subject,
        text,
        // Derived from the notificationId so a retry carries the same Message-ID and the
        // receiver can drop the duplicate (delivery is at-least-once, SPEC §5).
        messageId: `<${d.notificationId}@${domain}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
        ...(d.reply ? { inReplyTo: d.reply.messageId, references: d.reply.messageId } : {}),
        attachments: [
          {
            filename: `notification-${d.notificationId}.${d.format}`,
            content: Buffer.from(d.body, 'utf8'),
            contentType: d.format === 'json' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8',
          },
        ],
        disableFileAccess: true,
        disableUrlAccess: true,
      })
        .compile()
        .build();
      const info = await transport.sendMail({ envelope: { from: envelopeFrom, to: [spec.to] }, raw, signal: deadline.signal });
      const reply = info.response ?? '';
      return { outcome: 'delivered', code: /^\d{3}/.exec(reply)?.[0] ?? '250', durationMs: took(), excerpt: excerpt(redact(reply)) };
    } catch (err) {
      if (deadline.signal.aborted) {
        const reason = `no complete answer from ${relay.host}:${relay.port} within ${deadlineMs} ms`;
        return { outcome: 'retry', code: 'ETIMEDOUT', reason, durationMs: took(), excerpt: excerpt(reason) };
      }
      const failure = classifySmtpFailure(err);
      const reason = redact(failure.reason);
      return { outcome: failure.outcome, code: failure.code, reason, durationMs: took(), excerpt: excerpt(reason) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    spec,
    maxBatch: 1,
    async deliver(batch) {
      // maxBatch is 1, but a longer batch is still answered entry by entry, in order.
      const results: DeliveryResult[] = [];
      for (const d of batch) results.push(await deliverOne(d));
      return results;
    },
    async close() {
      transport.close();
    },
  };
}
