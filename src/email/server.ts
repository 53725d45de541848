/**
 * The e-mail interface (SPEC §7): an SMTP listener (smtp-server) that turns mail to
 * `<msisdn>@sms.<domain>` into SMS and to `<msisdn>@whatsapp.<domain>` into WhatsApp messages.
 * One handler per SMTP verb: AUTH checks the account, MAIL FROM the sender, RCPT TO each number,
 * DATA parses the mail (mailparser), stores every message and answers 250 only after the commit.
 * Receipts the mail asks for go back to the sender through the smtp target machinery (a
 * `mailback` target per address), as replies to the mail.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { readPem } from '../config/read-pem.js';
import type { Config } from '../config/schema.js';
import type { Simulator } from '../delivery/simulator.js';
import { ConfigError, SmtpReplyError } from '../errors.js';
import { newTransferId, submitAll, textMessage } from '../intake/text-message.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { lockoutText, type LoginGuard } from '../security/login-guard.js';
import { plainAddress } from '../smpp/ip-allow.js';
import type { Intake, Submission } from '../smpp/context.js';
import type { Account } from '../store/accounts.js';
import { verifyPassword } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import type { WhatsAppLifecycle } from '../whatsapp/lifecycle.js';
import { mailText } from './mail-text.js';
import { receiptRequest, whatsappReceiptStatuses } from './receipt-request.js';
import { parseRecipient } from './recipient.js';
import { resolveSender } from './sender.js';

/** Longest text per message type: 10 concatenated GSM parts (as the HTTP API), WhatsApp's 4096. */
const MAX_TEXT = { sms: 1530, whatsapp: 4096 } as const;
/** ms server.close() waits for open sessions before it drops them. */
const CLOSE_TIMEOUT_MS = 2_000;
/** mailparser (with its charset tables, about 30 MB) is loaded with the first mail, not at start. */
let mailparser: Promise<typeof import('mailparser')> | null = null;

/** The e-mail interface's collaborators. */
export interface EmailDeps {
  config: Config['email'];
  store: Store;
  intake: Intake;
  simulator: Simulator;
  whatsapp: WhatsAppLifecycle;
  metrics: Metrics;
  /** Takes messages from the account's rate (shared with SMPP and the API); false = over it. */
  takeTokens(account: Account, count: number): boolean;
  /** Brute-force protection of AUTH (shared limiter). */
  guard: LoginGuard;
  log: Logger;
}

/** The SMTP listener. */
export class EmailServer {
  private readonly server: SMTPServer;
  private listening = false;

  constructor(private readonly deps: EmailDeps) {
    const { config } = deps;
    const tls = config.tls && { key: readPem(config.tls.key, 'email.tls.key'), cert: readPem(config.tls.cert, 'email.tls.cert') };
    // Without TLS, AUTH would send passwords in clear text: offered only where that is allowed.
    const authUsable = tls !== null || config.allowInsecureAuth;
    if (config.requireAuth && !authUsable) throw new ConfigError('email.requireAuth', 'needs email.tls (STARTTLS) or email.allowInsecureAuth, or nobody could authenticate');
    const disabledCommands = [...(tls ? [] : ['STARTTLS']), ...(authUsable ? [] : ['AUTH'])];
    this.server = new SMTPServer({
      ...(tls ?? {}),
      secure: false,
      ...(config.hostname ? { name: config.hostname } : {}),
      banner: `smscd e-mail interface: mail <number>@sms.${config.domain} or <number>@whatsapp.${config.domain}`,
      logger: false,
      disableReverseLookup: true,
      disabledCommands,
      authMethods: ['PLAIN', 'LOGIN'],
      // email.requireAuth is enforced at MAIL FROM by resolveSender, whose reply says what to do.
      authOptional: true,
      allowInsecureAuth: config.allowInsecureAuth,
      size: config.maxMessageBytes,
      rejectOversized: true,
      // DSN (RFC 3461) is how a client asks for a delivery receipt per recipient (NOTIFY=SUCCESS).
      hideDSN: false,
      closeTimeout: CLOSE_TIMEOUT_MS,
      onAuth: (auth, session, callback) => {
        this.authenticate(auth, session).then(
          (accountId) => callback(null, { user: accountId }),
          (err: unknown) => callback(asSmtpError(err, this.deps.log)),
        );
      },
      onMailFrom: (address, session, callback) => {
        try {
          resolveSender(deps.store.accounts, address.address, accountIdOf(session), config.requireAuth);
          callback();
        } catch (err) {
          this.refused(session, 'MAIL FROM', address.address, err);
          callback(asSmtpError(err, deps.log));
        }
      },
      onRcptTo: (address, session, callback) => {
        try {
          if (session.envelope.rcptTo.length >= config.maxRecipients) throw new SmtpReplyError(452, `too many recipients: at most ${config.maxRecipients} per mail`);
          parseRecipient(address.address, config.domain);
          callback();
        } catch (err) {
          this.refused(session, 'RCPT TO', address.address, err);
          callback(asSmtpError(err, deps.log));
        }
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          (reply) => callback(null, reply),
          (err: unknown) => {
            this.refused(session, 'DATA', session.envelope.mailFrom ? session.envelope.mailFrom.address : '', err);
            callback(asSmtpError(err, deps.log));
          },
        );
      },
    });
    // A socket error of one client is that client's; without a listener it would end the process.
    this.server.on('error', (err) => deps.log.warn({ err }, 'smtp connection error'));
  }

  /** Starts listening; resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.server.off('error', onError);
        this.listening = true;
        resolve((this.server.server.address() as AddressInfo).port);
      });
    });
  }

  /** Whether the listener is up (for /healthz). */
  get up(): boolean {
    return this.listening;
  }

  /** Stops accepting; open sessions get CLOSE_TIMEOUT_MS to finish. */
  close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /**
   * AUTH: checks the account's systemId and password. While the address or systemId is locked out
   * (too many failures) it answers 454 without checking; a failure is answered 535 after the
   * brute-force delay.
   */
  private async authenticate(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<number> {
    const { guard, log } = this.deps;
    const attempt = { address: plainAddress(session.remoteAddress), systemId: auth.username || null };
    const refuseIfLocked = (): void => {
      const lock = guard.locked(attempt);
      if (!lock) return;
      log.info({ systemId: auth.username, remoteAddress: session.remoteAddress, reason: `${lock.kind} locked out` }, 'smtp auth refused');
      throw new SmtpReplyError(454, `authentication refused: ${lockoutText(lock)}`);
    };
    refuseIfLocked();
    const account = auth.username ? this.deps.store.accounts.bySystemId(auth.username) : undefined;
    if (!account || typeof auth.password !== 'string' || !(await verifyPassword(auth.password, account.passwordHash))) {
      log.info({ systemId: auth.username, remoteAddress: session.remoteAddress, reason: 'bad credentials' }, 'smtp auth refused');
      await guard.failed(attempt);
      throw new SmtpReplyError(535, 'authentication failed: wrong system id or password');
    }
    // Locked while the password was checked (parallel attempts): still refused.
    refuseIfLocked();
    guard.succeeded(attempt);
    return account.id;
  }

  /** DATA: reads and parses the mail, stores one message per recipient, answers after the commit. */
  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const { deps } = this;
    const raw = await readAll(stream);
    // smtp-server answers 552 itself (rejectOversized); this only keeps the mail from being stored.
    if (stream.sizeExceeded) throw new SmtpReplyError(552, `the mail is larger than ${deps.config.maxMessageBytes} bytes`);
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    // Checked again: the account may have been changed or removed since MAIL FROM.
    const account = resolveSender(deps.store.accounts, from, accountIdOf(session), deps.config.requireAuth);
    const { simpleParser } = await (mailparser ??= import('mailparser'));
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    const text = mailText(mail);
    if (text.length === 0) throw new SmtpReplyError(554, 'the mail has no text: write the message in the body (or the Subject)');
    const recipients = session.envelope.rcptTo.map((r) => ({ ...parseRecipient(r.address, deps.config.domain), request: receiptRequest((name) => mail.headers.has(name), notifyOf(r)) }));
    for (const type of ['sms', 'whatsapp'] as const) {
      if (recipients.some((r) => r.messageType === type) && text.length > MAX_TEXT[type]) {
        throw new SmtpReplyError(554, `the text is ${text.length} characters; ${type === 'sms' ? 'an SMS' : 'a WhatsApp message'} takes at most ${MAX_TEXT[type]}`);
      }
    }
    if (mail.attachments.length > 0) {
      deps.log.info({ systemId: account.systemId, mailMessageId: mail.messageId, attachments: mail.attachments.length }, 'attachments ignored: only the text is sent');
    }
    if (!deps.takeTokens(account, recipients.length)) {
      deps.metrics.submits.inc({ channel: 'email', result: 'throttled' });
      throw new SmtpReplyError(451, `over the account's rate of ${account.rate} messages per second: try again later`);
    }

    const now = Date.now();
    const transferId = newTransferId();
    const reply = mail.messageId ? { messageId: mail.messageId, subject: mail.subject ?? null } : null;
    const submissions: Submission[] = recipients.map((r) => {
      const statuses = r.messageType === 'whatsapp' ? whatsappReceiptStatuses(r.request) : [];
      const wantsReceipt = r.messageType === 'sms' ? r.request.delivery || r.request.read : statuses.length > 0;
      const message = textMessage({
        accountId: account.id,
        channel: 'email',
        messageType: r.messageType,
        recipient: r.msisdn,
        sender: '',
        text,
        clientRef: null,
        transferId,
        // The sender's own address is the fixed target of an e-mail's receipts (SPEC §5, §7).
        callbackTargetId: wantsReceipt ? deps.store.targets.mailbackFor(from).id : null,
        callbackStatuses: r.messageType === 'whatsapp' && wantsReceipt ? statuses : null,
        reply,
        receipt: r.messageType === 'sms' && wantsReceipt,
        expiresAt: null,
        now,
      });
      if (r.messageType === 'whatsapp') return { message, plan: deps.whatsapp.plan(now) };
      const decision = deps.simulator.decide(message, now);
      if (decision.kind === 'refuse') {
        const [code, what] = decision.submitError === 'ESME_RTHROTTLED' ? [451, 'throttled, try again later'] : decision.submitError === 'ESME_RMSGQFUL' ? [452, 'queue full, try again later'] : [554, 'submit failed'];
        throw new SmtpReplyError(code, `test number ${r.msisdn} forces ${decision.submitError} (${what})`);
      }
      return { message, plan: decision.plan };
    });
    let ids: string[];
    try {
      ids = await submitAll(deps.intake, submissions);
    } catch (err) {
      deps.log.error({ err, systemId: account.systemId }, 'storing e-mail messages failed');
      throw new SmtpReplyError(451, 'the messages could not be stored: try again later');
    }
    for (const type of ['sms', 'whatsapp'] as const) {
      const n = recipients.filter((r) => r.messageType === type).length;
      if (n > 0) deps.metrics.submits.inc({ channel: type === 'sms' ? 'email' : 'whatsapp', result: 'accepted' }, n);
    }
    deps.log.info({ systemId: account.systemId, transferId, messageIds: ids, mailMessageId: mail.messageId, recipients: recipients.length }, 'e-mail accepted');
    return `OK: ${ids.length} message${ids.length === 1 ? '' : 's'} accepted, transferId ${transferId}, message id${ids.length === 1 ? '' : 's'} ${ids.join(' ')}`;
  }

  private refused(session: SMTPServerSession, stage: string, address: string, err: unknown): void {
    if (!(err instanceof SmtpReplyError)) return; // logged by asSmtpError
    this.deps.log.info({ stage, address, remoteAddress: session.remoteAddress, code: err.responseCode, reason: err.message }, 'smtp refused');
  }
}

/** The account id the session authenticated as (set by onAuth), if any. */
function accountIdOf(session: SMTPServerSession): number | undefined {
  const user: unknown = session.user;
  return typeof user === 'number' ? user : undefined;
}

/** The DSN NOTIFY values of a recipient. */
function notifyOf(address: SMTPServerAddress): readonly string[] | undefined {
  return address.dsn?.notify;
}

/** Refusals go out as they are; anything else is a bug, logged with its stack and answered 451. */
function asSmtpError(err: unknown, log: Logger): SmtpReplyError {
  if (err instanceof SmtpReplyError) return err;
  log.error({ err }, 'e-mail handler failed');
  return new SmtpReplyError(451, 'internal error: try again later');
}

/** The whole DATA stream. Past the size limit only the count goes on, so memory stays bounded. */
function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}
