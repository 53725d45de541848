/**
 * The relay (SPEC §4): messages routed to an upstream SMSC wait durably in `relay_messages`
 * (written with the message, in the same transaction); this worker takes the due ones, submits
 * them upstream within each upstream's window and rate, stores the upstream id once the
 * submit_sm_resp comes, and turns the upstream's receipts into our status events through
 * recordStatus — so SMPP receipts and forwarding work exactly as with the simulator.
 *
 * Steps: due → send → onAnswer (ok | throttled | temporary | permanent | lost), and
 * onDeliver → match (or hold) → record. Answers and receipts are each written in one
 * transaction per event-loop turn; a deliver_sm is acknowledged only after its commit.
 */
import type smpp from 'smpp';
import type { Config, UpstreamConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { Status, statusName } from '../../smpp/command-status.js';
import type { NewMessage } from '../../store/messages.js';
import type { Store } from '../../store/store.js';
import type { RecordedStatus, StatusRecorder } from '../record-status.js';
import { isFinalSms } from '../status.js';
import { backoffMs } from './backoff.js';
import { MessageIdFormatError, normaliseMessageId } from './message-id.js';
import { isReceipt, readReceipt } from './receipt-text.js';
import { pickRoute, SIMULATOR } from './routes.js';
import { classifySubmitStatus } from './submit-outcome.js';
import { submitFieldsFor } from './submit-fields.js';
import { Upstream, type UpstreamListener } from './upstream.js';
import type { SubmitAnswer } from './upstream-bind.js';

/** ms between checks for due retries, expired messages and held receipts past their wait. */
const TICK_MS = 250;
/** Most rows one sweep handles. */
const SWEEP_BATCH = 500;

interface Answer {
  upstream: Upstream;
  messageId: string;
  attempts: number;
  answer: SubmitAnswer;
}

interface Delivered {
  upstream: Upstream;
  pdu: smpp.PDU;
  answer: (status: number) => void;
}

/** Throws a ConfigError when a route names an upstream that relay.upstreams does not define. */
export function checkRelayRoutes(config: Config['relay']): void {
  const names = new Set(config.upstreams.map((u) => u.name));
  config.routes.forEach((r, i) => {
    if (r.upstream !== SIMULATOR && !names.has(r.upstream)) {
      throw new ConfigError(`relay.routes[${i}].upstream`, `names no upstream in relay.upstreams (have: ${[...names].join(', ') || 'none'}; or "simulator")`);
    }
  });
}

/** The relay worker: one per App, one Upstream per configured upstream. */
export class RelayWorker implements UpstreamListener {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly routesByAccount: boolean;
  private answers: Answer[] = [];
  private delivered: Delivered[] = [];
  private flushScheduled = false;
  private readonly pumpScheduled = new Set<Upstream>();
  /** Upstreams whose pump waits for a running flush (WalSync.whenSettled). */
  private readonly waitingFlush = new Set<Upstream>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Messages whose submit_sm is out (or whose answer is not yet written): not due again meanwhile. */
  private readonly sending = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly recorder: StatusRecorder,
    private readonly config: Config['relay'],
    /** Told, after each commit, what was recorded (receipt pusher, forwarding worker). */
    private readonly onRecorded: (recorded: RecordedStatus[]) => void,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    checkRelayRoutes(config);
    this.routesByAccount = config.routes.some((r) => r.account !== undefined);
    for (const u of config.upstreams) this.upstreams.set(u.name, new Upstream(u, this, log.child({ upstream: u.name })));
  }

  /** Whether any route can send a message upstream. */
  get enabled(): boolean {
    return this.upstreams.size > 0 && this.config.routes.some((r) => r.upstream !== SIMULATOR);
  }

  /**
   * The upstream a new SMS goes to, or null for the simulator. Called in the intake transaction.
   */
  route(message: NewMessage): string | null {
    if (!this.enabled || message.messageType !== 'sms') return null;
    // The account's systemId is read only when a route asks for it (a primary-key lookup).
    const systemId = this.routesByAccount ? (this.store.accounts.byId(message.accountId)?.systemId ?? '') : '';
    return pickRoute(this.config.routes, systemId, message.destAddr);
  }

  /** Queues a routed message; call in the message's transaction. */
  enqueue(messageId: string, upstream: string, message: NewMessage): void {
    const notBefore = Math.max(message.scheduleAt ?? message.submittedAt, message.submittedAt);
    const expiresAt = message.expiresAt ?? message.submittedAt + this.config.maxQueueHours * 3_600_000;
    this.store.relay.insert(messageId, upstream, notBefore, expiresAt, message.submittedAt);
  }

  start(): void {
    if (this.upstreams.size === 0) return;
    for (const u of this.upstreams.values()) u.start();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Stops submitting, unbinds, and lets the answers and receipts in hand be written. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.upstreams.values()].map((u) => u.stop()));
    this.flush();
  }

  /** New messages were queued: look for capacity. */
  poke(): void {
    for (const u of this.upstreams.values()) this.schedulePump(u);
  }

  /** The upstream named `name` (tests, metrics). */
  upstream(name: string): Upstream | undefined {
    return this.upstreams.get(name);
  }

  onCapacity(upstream: Upstream): void {
    this.schedulePump(upstream);
  }

  onDeliver(upstream: Upstream, pdu: smpp.PDU, answer: (status: number) => void): void {
    if (this.stopped) return answer(Status.ESME_RX_T_APPN);
    this.delivered.push({ upstream, pdu, answer });
    this.scheduleFlush();
  }

  private schedulePump(u: Upstream): void {
    if (this.stopped || this.pumpScheduled.has(u)) return;
    this.pumpScheduled.add(u);
    setImmediate(() => {
      this.pumpScheduled.delete(u);
      this.pump(u);
    });
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      this.sweep(Date.now());
    } catch (err) {
      this.log.error({ err }, 'relay sweep failed, retrying');
    }
    for (const u of this.upstreams.values()) this.pump(u);
  }

  /** due → send: as many due messages as the upstream can take now. */
  private pump(u: Upstream): void {
    if (this.stopped || !this.store.db.open) return;
    // Not before the client has its submit_sm_resp (WalSync): an upstream receipt may come fast.
    if (this.store.walSync?.busy) {
      if (!this.waitingFlush.has(u)) {
        this.waitingFlush.add(u);
        this.store.whenSettled(() => {
          this.waitingFlush.delete(u);
          this.pump(u);
        });
      }
      return;
    }
    const now = Date.now();
    const room = u.capacity(now);
    if (room === 0) return;
    let due;
    try {
      // Those already out come first in the order too: read past them.
      due = this.store.relay.due(u.name, now, room + this.sending.size).filter((d) => !this.sending.has(d.messageId)).slice(0, room);
    } catch (err) {
      this.log.error({ err, upstream: u.name }, 'reading due relayed messages failed, retrying');
      return;
    }
    for (const c of due) {
      this.sending.add(c.messageId);
      const message = this.store.messages.byId(c.messageId);
      if (!message || isFinalSms(message.status)) {
        this.answers.push({ upstream: u, messageId: c.messageId, attempts: c.attempts, answer: { kind: 'invalid', reason: message ? `already ${message.status}` : 'message not found' } });
        this.scheduleFlush();
        continue;
      }
      void u.send(submitFieldsFor(message)).then(
        (answer) => this.answered({ upstream: u, messageId: c.messageId, attempts: c.attempts, answer }),
        (err: unknown) => this.answered({ upstream: u, messageId: c.messageId, attempts: c.attempts, answer: { kind: 'lost', reason: String(err) } }),
      );
    }
  }

  private answered(a: Answer): void {
    this.answers.push(a);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the answers and receipts gathered in this turn, each kind in one transaction. */
  private flush(): void {
    this.flushScheduled = false;
    if (!this.store.db.open) return; // closed after stop(): unanswered receipts are sent again by the upstream
    const answers = this.answers;
    this.answers = [];
    const delivered = this.delivered;
    this.delivered = [];
    const recorded: RecordedStatus[] = [];
    if (answers.length > 0) {
      try {
        recorded.push(...this.store.transaction(() => answers.flatMap((a) => this.onAnswer(a, Date.now()))));
      } catch (err) {
        // Nothing was written: the messages are still queued and go out again (the upstream may get them twice).
        this.log.error({ err, messages: answers.length }, 'storing upstream answers failed');
      }
      for (const a of answers) this.sending.delete(a.messageId);
    }
    if (delivered.length > 0) {
      let ok = false;
      try {
        recorded.push(...this.store.transaction(() => delivered.flatMap((d) => this.onReceipt(d, Date.now()))));
        ok = true;
      } catch (err) {
        this.log.error({ err, receipts: delivered.length }, 'storing upstream receipts failed; the upstream will send them again');
      }
      // After the commit: a receipt acknowledged is a receipt stored.
      for (const d of delivered) d.answer(ok ? Status.ESME_ROK : Status.ESME_RX_T_APPN);
    }
    if (recorded.length > 0) this.onRecorded(recorded);
    for (const a of answers) this.schedulePump(a.upstream);
  }

  /** onAnswer: what the upstream said to one submit_sm. Runs in the answers' transaction. */
  private onAnswer(a: Answer, now: number): RecordedStatus[] {
    const { upstream: u, messageId, answer } = a;
    const cfg = u.config;
    const relay = this.store.relay;
    if (answer.kind === 'invalid') {
      this.metrics.relaySubmits.inc({ upstream: u.name, result: 'invalid' });
      this.log.error({ messageId, upstream: u.name, reason: answer.reason }, 'relayed message cannot be submitted');
      relay.done(messageId, now, answer.reason);
      return this.end(messageId, 'rejected', Status.ESME_RSYSERR, now);
    }
    if (answer.kind === 'lost') {
      this.metrics.relaySubmits.inc({ upstream: u.name, result: 'lost' });
      this.log.warn({ messageId, upstream: u.name, reason: answer.reason }, 'no answer from the upstream, the message is queued again');
      relay.retry(messageId, now + cfg.retryMinMs, false, answer.reason);
      return [];
    }
    const kind = classifySubmitStatus(answer.status, cfg.temporaryErrors);
    this.metrics.relaySubmits.inc({ upstream: u.name, result: kind });
    switch (kind) {
      case 'ok':
        u.accepted();
        return this.onSubmitted(u.config, messageId, answer.messageId, now);
      case 'throttled':
        u.throttled(now);
        relay.retry(messageId, now + cfg.throttleDelayMs, false, statusName(answer.status));
        return [];
      case 'temporary': {
        const attempts = a.attempts + 1;
        if (attempts >= cfg.maxAttempts) {
          this.log.warn({ messageId, upstream: u.name, status: statusName(answer.status), attempts }, 'upstream kept refusing the message, giving up');
          relay.done(messageId, now, statusName(answer.status));
          return this.end(messageId, 'undelivered', answer.status, now);
        }
        relay.retry(messageId, now + backoffMs(attempts, cfg.retryMinMs, cfg.retryMaxMs, 0.2), true, statusName(answer.status));
        return [];
      }
      case 'permanent':
        this.log.info({ messageId, upstream: u.name, status: statusName(answer.status) }, 'upstream refused the message');
        relay.done(messageId, now, statusName(answer.status));
        return this.end(messageId, 'rejected', answer.status, now);
    }
  }

  /** The upstream took the message: store the id mapping and apply receipts that came first. */
  private onSubmitted(cfg: UpstreamConfig, messageId: string, rawId: string, now: number): RecordedStatus[] {
    const key = this.key(cfg, rawId, cfg.messageIdFormat, messageId);
    this.store.relay.submitted(messageId, key, rawId, now);
    const out: RecordedStatus[] = [];
    for (const h of this.store.relay.takeHeld(cfg.name, key)) {
      this.metrics.relayReceipts.inc({ upstream: cfg.name, result: 'matched-late' });
      out.push(...this.apply(messageId, h.status, h.errorCode, now));
    }
    return out;
  }

  /** onDeliver → match or hold. Runs in the receipts' transaction. */
  private onReceipt(d: Delivered, now: number): RecordedStatus[] {
    const { upstream: u, pdu } = d;
    const esmClass = Number(pdu.esm_class ?? 0);
    if (!isReceipt(esmClass)) {
      this.metrics.relayReceipts.inc({ upstream: u.name, result: 'not-a-receipt' });
      this.log.warn({ upstream: u.name, esmClass, source: String(pdu.source_addr ?? '') }, 'mobile-originated message from the upstream ignored (not a receipt)');
      return [];
    }
    const read = readReceipt({
      esmClass,
      text: textOf(pdu.short_message) || textOf(pdu.message_payload),
      receiptedMessageId: typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : undefined,
      messageState: typeof pdu.message_state === 'number' ? pdu.message_state : undefined,
      networkErrorCode: Buffer.isBuffer(pdu.network_error_code) ? pdu.network_error_code : undefined,
    });
    if (typeof read === 'string') {
      this.metrics.relayReceipts.inc({ upstream: u.name, result: 'unmatched' });
      this.log.warn({ upstream: u.name, reason: read, text: textOf(pdu.short_message).slice(0, 160) }, 'unreadable receipt from the upstream (unmatched)');
      return [];
    }
    const format = read.idSource === 'tlv' ? u.config.receiptedIdFormat : u.config.receiptIdFormat;
    const key = this.key(u.config, read.rawId, format, null);
    const messageId = this.store.relay.byUpstreamId(u.name, key);
    if (messageId === undefined) {
      // Perhaps it overtook its submit_sm_resp: hold it for that (bounded, then unmatched).
      this.metrics.relayReceipts.inc({ upstream: u.name, result: 'held' });
      this.store.relay.hold({ upstream: u.name, upstreamId: key, rawId: read.rawId, status: read.status, errorCode: read.errorCode, receivedAt: now }, now + this.config.receiptWaitSec * 1000);
      return [];
    }
    this.metrics.relayReceipts.inc({ upstream: u.name, result: 'matched' });
    return this.apply(messageId, read.status, read.errorCode, now);
  }

  /** Records an upstream status for our message; a final one ends its relay row. */
  private apply(messageId: string, status: string, errorCode: number, now: number): RecordedStatus[] {
    const result = this.recorder.record({ messageId, status, errorCode, origin: 'relay', occurredAt: now });
    if (isFinalSms(status)) this.store.relay.done(messageId, now);
    if (!result) this.log.debug({ messageId, status }, 'upstream receipt for a message already final');
    return result ? [result] : [];
  }

  /** Ends a message with a status of our own (rejected, undelivered, expired). */
  private end(messageId: string, status: string, errorCode: number, now: number): RecordedStatus[] {
    const result = this.recorder.record({ messageId, status, errorCode, origin: 'relay', occurredAt: now });
    return result ? [result] : [];
  }

  /** The mapping key of an upstream id; an id not in the configured format is kept as it is (and logged). */
  private key(cfg: UpstreamConfig, rawId: string, format: UpstreamConfig['messageIdFormat'], messageId: string | null): string {
    try {
      return normaliseMessageId(rawId, format);
    } catch (err) {
      if (!(err instanceof MessageIdFormatError)) throw err;
      this.log.warn({ upstream: cfg.name, messageId, upstreamId: rawId, format }, 'upstream message id not in the configured format; matched as it is');
      return `raw:${rawId.trim()}`;
    }
  }

  /** Expires queued messages whose validity ended, and counts held receipts whose wait is over as unmatched. */
  private sweep(now: number): void {
    const recorded = this.store.transaction(() => {
      const out: RecordedStatus[] = [];
      for (const id of this.store.relay.expired(now, SWEEP_BATCH)) {
        if (this.sending.has(id)) continue; // its answer decides
        this.store.relay.done(id, now, 'validity period ended while queued');
        out.push(...this.end(id, 'expired', 0, now));
      }
      for (const h of this.store.relay.takeExpiredHeld(now, SWEEP_BATCH)) {
        this.metrics.relayReceipts.inc({ upstream: h.upstream, result: 'unmatched' });
        this.log.warn({ upstream: h.upstream, upstreamId: h.rawId, status: h.status, heldSec: Math.round((now - h.receivedAt) / 1000) }, 'upstream receipt matched no relayed message (unmatched)');
      }
      return out;
    });
    if (recorded.length > 0) this.onRecorded(recorded);
  }
}

/** short_message / message_payload as the package decoded it → text (receipts are ASCII). */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  const message = (value as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Buffer.isBuffer(message)) return message.toString('latin1');
  return '';
}
