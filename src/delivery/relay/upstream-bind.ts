/**
 * One bind to an upstream SMSC, as an ESME, on the `smpp` package's client Session
 * (notes/smpp-library.md: it has no bind state, no enquire_link, no timeouts, and wedges on a
 * throwing handler, so all of that is here). Keeps itself bound: connects, binds, answers
 * enquire_link and unbind, sends enquire_link when idle and drops the bind when a response is
 * late, and reconnects with exponential backoff after any loss.
 */
import smpp from 'smpp';
import type { UpstreamConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { Status, statusName } from '../../smpp/command-status.js';
import { backoffMs } from './backoff.js';

/** The answer to one submit_sm. */
export type SubmitAnswer =
  | { kind: 'response'; status: number; messageId: string }
  /** No answer: the bind went away or the response was late (the upstream may still have the message). */
  | { kind: 'lost'; reason: string }
  /** The PDU could not be built from the message (it will never go out as it is). */
  | { kind: 'invalid'; reason: string };

/** What a bind tells its owner. */
export interface BindListener {
  /** Bound (again): it can take submits if it is a transmitter or transceiver. */
  onReady(bind: UpstreamBind): void;
  /** A deliver_sm (or data_sm) arrived; call `answer` with the deliver_sm_resp status once it is stored. */
  onDeliver(bind: UpstreamBind, pdu: smpp.PDU, answer: (status: number) => void): void;
  /** A submit's window slot is free again (after its answer). */
  onSlotFree(bind: UpstreamBind): void;
}

interface Pending {
  command: string;
  timer: NodeJS.Timeout;
  resolve: (pdu: smpp.PDU | null, reason?: string) => void;
}

type State = 'down' | 'connecting' | 'binding' | 'bound' | 'unbinding' | 'stopped';

/** One self-healing bind. */
export class UpstreamBind {
  private session: smpp.Session | null = null;
  private state: State = 'down';
  private readonly pending = new Map<number, Pending>();
  private submitsInFlight = 0;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private lastReadAt = 0;
  private stopWaiters: Array<() => void> = [];

  constructor(
    readonly config: UpstreamConfig,
    /** transceiver, transmitter or receiver */
    readonly bindType: 'transceiver' | 'transmitter' | 'receiver',
    readonly index: number,
    private readonly listener: BindListener,
    private readonly log: Logger,
  ) {}

  /** Whether submits can go out on this bind now. */
  get ready(): boolean {
    return this.state === 'bound' && this.bindType !== 'receiver';
  }

  /** Submits sent and not yet answered. */
  get inFlight(): number {
    return this.submitsInFlight;
  }

  /** Whether the bind is bound (any type). */
  get bound(): boolean {
    return this.state === 'bound';
  }

  start(): void {
    if (this.state === 'down') this.connect();
  }

  /** Unbinds (waiting up to `graceMs` for unbind_resp) and stops reconnecting. */
  async stop(graceMs = 1000): Promise<void> {
    const wasBound = this.state === 'bound';
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopEnquireLink();
    const session = this.session;
    if (!session) return;
    const closed = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    if (wasBound) {
      const answer = this.request(new smpp.PDU('unbind'), graceMs);
      await Promise.race([answer, new Promise((r) => setTimeout(r, graceMs))]);
    }
    session.destroy();
    await Promise.race([closed, new Promise((r) => setTimeout(r, graceMs))]);
  }

  /** Sends one submit_sm; the caller keeps within the window (`inFlight`). */
  submit(fields: Record<string, unknown>): Promise<SubmitAnswer> {
    if (!this.ready) return Promise.resolve({ kind: 'lost', reason: 'not bound' });
    let pdu: smpp.PDU;
    try {
      pdu = new smpp.PDU('submit_sm', fields);
    } catch (err) {
      // The package refuses some values synchronously (notes/smpp-library.md).
      return Promise.resolve({ kind: 'invalid', reason: (err as Error).message });
    }
    this.submitsInFlight++;
    return this.request(pdu, this.config.responseTimeoutSec * 1000).then(
      (resp): SubmitAnswer => {
        this.submitsInFlight--;
        this.safe(() => this.listener.onSlotFree(this), 'onSlotFree');
        if (!resp) return { kind: 'lost', reason: 'no submit_sm_resp' };
        if (resp.command === 'generic_nack') return { kind: 'response', status: resp.command_status || Status.ESME_RSYSERR, messageId: '' };
        return { kind: 'response', status: resp.command_status, messageId: typeof resp.message_id === 'string' ? resp.message_id : '' };
      },
    );
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    const { host, port, tls, tlsRejectUnauthorized } = this.config;
    let session: smpp.Session;
    try {
      session = smpp.connect({ host, port, tls, rejectUnauthorized: tlsRejectUnauthorized });
    } catch (err) {
      this.log.warn({ err }, 'connecting to the upstream failed');
      this.scheduleReconnect();
      return;
    }
    this.session = session;
    const connectTimer = setTimeout(() => {
      this.log.warn({ timeoutSec: this.config.responseTimeoutSec }, 'upstream connect timed out');
      session.destroy();
    }, this.config.responseTimeoutSec * 1000);
    // Without an 'error' listener a bad upstream crashes the process (notes/smpp-library.md).
    session.on('error', (err: Error) => {
      this.log.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'upstream session error');
      session.destroy();
    });
    session.on('close', () => {
      clearTimeout(connectTimer);
      this.safe(() => this.closed(session), 'close');
    });
    session.on(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.safe(() => this.sendBind(session), 'connect');
    });
    session.on('pdu', (pdu: smpp.PDU) => {
      // A throw inside the package's read loop wedges the session: never let one escape.
      this.safe(() => this.read(session, pdu), 'pdu');
    });
  }

  private sendBind(session: smpp.Session): void {
    if (this.session !== session || this.state !== 'connecting') return;
    this.state = 'binding';
    this.lastReadAt = Date.now();
    const pdu = new smpp.PDU(`bind_${this.bindType}`, {
      system_id: this.config.systemId,
      password: this.config.password,
      system_type: this.config.systemType,
      interface_version: 0x34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    });
    void this.request(pdu, this.config.responseTimeoutSec * 1000).then((resp) => {
      if (this.session !== session) return;
      if (!resp) {
        this.log.warn('no bind response from the upstream');
        session.destroy();
        return;
      }
      if (resp.command_status !== Status.ESME_ROK) {
        this.log.error({ status: statusName(resp.command_status), systemId: this.config.systemId }, 'the upstream refused the bind');
        session.destroy();
        return;
      }
      this.state = 'bound';
      this.failures = 0;
      this.log.info({ bindType: this.bindType, systemId: this.config.systemId }, 'bound to the upstream');
      this.startEnquireLink(session);
      this.listener.onReady(this);
    });
  }

  private read(session: smpp.Session, pdu: smpp.PDU): void {
    if (this.session !== session) return;
    this.lastReadAt = Date.now();
    if (pdu.isResponse()) {
      const pending = this.pending.get(pdu.sequence_number);
      if (pending) {
        this.pending.delete(pdu.sequence_number);
        clearTimeout(pending.timer);
        pending.resolve(pdu);
      } else if (pdu.command === 'generic_nack') {
        this.log.warn({ status: statusName(pdu.command_status) }, 'generic_nack from the upstream');
      }
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.respond(session, pdu);
        return;
      case 'unbind':
        // The upstream ends the bind: answer, close, and bind again after the backoff.
        this.respond(session, pdu);
        this.state = 'unbinding';
        session.close();
        // An upstream that never closes its side must not keep the bind half-open.
        setTimeout(() => session.destroy(), this.config.responseTimeoutSec * 1000).unref();
        return;
      case 'deliver_sm':
      case 'data_sm': {
        let answered = false;
        this.listener.onDeliver(this, pdu, (status) => {
          if (answered || this.session !== session) return;
          answered = true;
          this.respond(session, pdu, status);
        });
        return;
      }
      case 'alert_notification':
        return; // no response (SMPP 3.4 §4.12)
      default:
        this.send(session, new smpp.PDU('generic_nack', { command_status: Status.ESME_RINVCMDID, sequence_number: pdu.sequence_number }));
    }
  }

  private respond(session: smpp.Session, pdu: smpp.PDU, status: number = Status.ESME_ROK): void {
    let resp: smpp.PDU;
    try {
      resp = pdu.response({ command_status: status });
    } catch (err) {
      this.log.warn({ err, command: pdu.command }, 'could not build a response');
      return;
    }
    this.send(session, resp);
  }

  private send(session: smpp.Session, pdu: smpp.PDU): boolean {
    try {
      return session.send(pdu);
    } catch (err) {
      this.log.warn({ err, command: pdu.command }, 'sending to the upstream failed');
      session.destroy();
      return false;
    }
  }

  /** Sends a request and resolves with its response, or null (late, or the bind went away). */
  private request(pdu: smpp.PDU, timeoutMs: number): Promise<smpp.PDU | null> {
    const session = this.session;
    if (!session || session.socket.destroyed) return Promise.resolve(null);
    return new Promise((resolve) => {
      if (!this.send(session, pdu)) return resolve(null);
      const seq = pdu.sequence_number;
      const timer = setTimeout(() => {
        if (!this.pending.delete(seq)) return;
        this.log.warn({ command: pdu.command, timeoutSec: timeoutMs / 1000 }, 'no response from the upstream in time, dropping the bind');
        resolve(null);
        session.destroy();
      }, timeoutMs);
      this.pending.set(seq, { command: pdu.command, timer, resolve });
    });
  }

  private startEnquireLink(session: smpp.Session): void {
    this.stopEnquireLink();
    const periodMs = this.config.enquireLinkSec * 1000;
    this.enquireTimer = setInterval(() => {
      if (this.session !== session || this.state !== 'bound') return;
      if (Date.now() - this.lastReadAt < periodMs) return;
      void this.request(new smpp.PDU('enquire_link'), this.config.responseTimeoutSec * 1000);
    }, Math.min(periodMs, 1000));
    this.enquireTimer.unref();
  }

  private stopEnquireLink(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
  }

  private closed(session: smpp.Session): void {
    if (this.session !== session) return;
    this.session = null;
    this.stopEnquireLink();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.resolve(null);
    }
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w();
    if (this.state === 'stopped') return;
    if (this.state === 'bound' || this.state === 'unbinding') this.log.warn('upstream bind lost');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === 'stopped') return;
    this.state = 'down';
    this.failures++;
    const delay = backoffMs(this.failures, this.config.reconnectMinMs, this.config.reconnectMaxMs, 0.2);
    this.log.debug({ delayMs: delay, failures: this.failures }, 'reconnecting to the upstream');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** Runs `fn`; anything it throws is logged and drops the bind (never escapes into the package). */
  private safe(fn: () => void, where: string): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, where }, 'relay bind handler failed');
      this.session?.destroy();
    }
  }
}
