/**
 * One SMPP connection: framing, the bind state machine, the submit window, back-pressure in
 * both directions and timeouts. Handlers (src/smpp/commands) decide what each command does;
 * this class decides when a PDU may be read and how an answer or a failure is written.
 */
import type { Socket } from 'node:net';
import { PduFormatError, SmppStatusError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Account } from '../store/accounts.js';
import type { BoundSession } from './bind-registry.js';
import { Status, statusName } from './command-status.js';
import { dispatch } from './commands/index.js';
import type { SmppContext } from './context.js';
import { FrameReader } from './frame-reader.js';
import { commandId, decodePdu, encodeHeaderOnly, isResponseId, UNKNOWN_COMMAND, type Pdu } from './pdu-codec.js';
import { plainAddress } from './ip-allow.js';
import { SlotTable } from './slot-table.js';

/** SMPP bind types. */
export type BindType = 'transmitter' | 'receiver' | 'transceiver';

/** open: connected, not bound; binding: credentials being checked; bound; unbinding: unbind sent or received; closed. */
export type SessionState = 'open' | 'binding' | 'bound' | 'unbinding' | 'closed';

const GENERIC_NACK = 0x80000000;
const UNBIND = commandId('unbind');

let nextSessionNumber = 1;

/** One connected ESME. */
export class SmppSession implements BoundSession {
  readonly id = nextSessionNumber++;
  readonly remoteAddress: string;
  state: SessionState = 'open';
  bindType: BindType | null = null;
  account: Account | null = null;
  /** Row id in the `sessions` table once bound. */
  sessionRowId: number | null = null;
  /** interface_version the client bound with (0x34 = 3.4, 0x50 = 5.0). */
  interfaceVersion = 0x34;
  log: Logger;

  private readonly reader: FrameReader;
  private readonly pauses = new Set<'window' | 'drain' | 'closing'>();
  /** Requests read and not yet answered (submits waiting for their commit). */
  private outstanding = 0;
  private pendingUnbind: Pdu | null = null;
  /** Called once nothing read is left unanswered (graceful shutdown waits for this). */
  private drainedWaiters: Array<() => void> = [];
  private nextSequence = 1;
  /** Our requests by sequence number; a SlotTable, not a Map: one set and one delete per deliver_sm (see slot-table.ts). */
  private readonly awaiting = new SlotTable<{ timer: NodeJS.Timeout; onResponse: (pdu: Pdu) => void }>();
  private bindTimer: NodeJS.Timeout | null;
  private closedListeners: Array<() => void> = [];
  private corked = false;

  constructor(
    readonly socket: Socket,
    readonly ctx: SmppContext,
  ) {
    this.remoteAddress = plainAddress(socket.remoteAddress ?? 'unknown');
    this.log = ctx.log.child({ sessionId: this.id, remote: this.remoteAddress });
    this.reader = new FrameReader(ctx.config.maxPduBytes);
    socket.setNoDelay(true);
    socket.setTimeout(ctx.config.idleTimeoutSec * 1000);
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.pump();
    });
    socket.on('timeout', () => this.onIdle());
    // Without an 'error' listener a reset connection would crash the process.
    socket.on('error', (err: NodeJS.ErrnoException) => this.log.info({ err: { code: err.code, message: err.message } }, 'socket error'));
    socket.on('close', () => this.onClose());
    this.bindTimer = setTimeout(() => {
      if (this.state === 'open') this.destroy(`not bound within ${ctx.config.bindTimeoutSec} s`);
    }, ctx.config.bindTimeoutSec * 1000);
    this.bindTimer.unref();
  }

  get accountId(): number | null {
    return this.account?.id ?? null;
  }

  get systemId(): string | null {
    return this.account?.systemId ?? null;
  }

  /** Whether the bind may submit (transmitter, transceiver). */
  get canSubmit(): boolean {
    return this.state === 'bound' && (this.bindType === 'transmitter' || this.bindType === 'transceiver');
  }

  /** Whether the bind may receive deliver_sm (receiver, transceiver). */
  get canReceive(): boolean {
    return this.state === 'bound' && (this.bindType === 'receiver' || this.bindType === 'transceiver');
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────

  /** Decodes and dispatches buffered PDUs until the buffer is empty or reading is paused. */
  private pump(): void {
    while (this.pauses.size === 0 && this.state !== 'closed') {
      let frame: Buffer | null;
      let pdu: Pdu;
      try {
        frame = this.reader.next();
        if (!frame) return;
        pdu = decodePdu(frame);
      } catch (err) {
        this.fail(null, err);
        return;
      }
      this.handle(pdu);
    }
  }

  private handle(pdu: Pdu): void {
    if (isResponseId(pdu.commandId)) {
      this.onResponse(pdu);
      return;
    }
    if (pdu.command === UNKNOWN_COMMAND) {
      this.log.info({ commandId: `0x${pdu.commandId.toString(16).padStart(8, '0')}` }, 'unknown command');
      this.write(encodeHeaderOnly(GENERIC_NACK, Status.ESME_RINVCMDID, pdu.sequence));
      return;
    }
    try {
      const result = dispatch(this, pdu);
      if (result) result.catch((err: unknown) => this.fail(pdu, err));
    } catch (err) {
      this.fail(pdu, err);
    }
  }

  private pause(reason: 'window' | 'drain' | 'closing'): void {
    if (this.pauses.size === 0) this.socket.pause();
    this.pauses.add(reason);
  }

  private unpause(reason: 'window' | 'drain' | 'closing'): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0 || this.state === 'closed') return;
    this.socket.resume();
    // Frames already buffered do not cause a new 'data' event: read them now.
    setImmediate(() => this.pump());
  }

  // ── work accounting (the window) ─────────────────────────────────────────────────────────

  /** Counts a request whose answer will come later; pauses reading at the window. */
  begin(): void {
    this.outstanding++;
    if (this.outstanding >= this.ctx.config.window) this.pause('window');
  }

  /** Ends what `begin` counted. */
  end(): void {
    this.outstanding--;
    if (this.outstanding < this.ctx.config.window) this.unpause('window');
    if (this.outstanding > 0) return;
    if (this.pendingUnbind) {
      const unbind = this.pendingUnbind;
      this.pendingUnbind = null;
      this.finishUnbind(unbind);
    }
    const waiters = this.drainedWaiters;
    this.drainedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Requests read and not yet answered. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Requests we sent (deliver_sm, unbind) still waiting for the client's response. */
  get requestsInFlight(): number {
    return this.awaiting.size;
  }

  /** The client is not reading: our socket buffer is full and we wait for 'drain'. */
  get writeBlocked(): boolean {
    return this.pauses.has('drain') || this.socket.writableNeedDrain;
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────

  /**
   * Writes encoded PDU bytes. When the client stops reading, the socket's buffer fills and we stop
   * reading its requests until it drains: the client cannot make us queue without bound.
   */
  write(bytes: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    if (!this.corked) {
      // Everything written in this turn (a group commit's responses, a batch of receipts) leaves
      // in one writev instead of one syscall per PDU.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!this.socket.write(bytes) && !this.pauses.has('drain')) {
      this.pause('drain');
      this.socket.once('drain', () => {
        this.unpause('drain');
        if (this.canReceive && this.account) this.ctx.receipts.poke(this.account.id);
      });
    }
  }

  /** Answers `pdu` with its response carrying only a status (every error response is header-only). */
  respondStatus(pdu: Pdu, status: number): void {
    this.write(encodeHeaderOnly(pdu.commandId | GENERIC_NACK, status, pdu.sequence));
  }

  /**
   * Sends a request, encoded by `encode` with the sequence number given to it, and calls
   * `onResponse` with the answer, or `onTimeout` if none comes in time.
   */
  request(encode: (sequence: number) => Buffer, onResponse: (pdu: Pdu) => void, onTimeout: () => void): void {
    const sequence = this.nextSequence;
    this.nextSequence = this.nextSequence >= 0x7fffffff ? 1 : this.nextSequence + 1;
    const timer = setTimeout(() => {
      this.awaiting.delete(sequence);
      onTimeout();
    }, this.ctx.config.responseTimeoutSec * 1000);
    timer.unref();
    this.awaiting.set(sequence, { timer, onResponse });
    this.write(encode(sequence));
  }

  private onResponse(pdu: Pdu): void {
    const waiting = this.awaiting.get(pdu.sequence);
    if (!waiting) {
      // A response to nothing we sent (or one that came after its timeout): nothing to do.
      this.log.debug({ command: pdu.command, sequence: pdu.sequence }, 'unexpected response ignored');
      return;
    }
    this.awaiting.delete(pdu.sequence);
    clearTimeout(waiting.timer);
    waiting.onResponse(pdu);
  }

  // ── failures ───────────────────────────────────────────────────────────────────────────

  /**
   * Turns anything thrown while handling `pdu` into its wire answer: an undecodable PDU gets
   * generic_nack and the connection is closed (the stream cannot be trusted to be in frame); a
   * refusal gets its status; anything else is a bug, logged with its stack and answered
   * ESME_RSYSERR, and the session carries on.
   */
  fail(pdu: Pdu | null, err: unknown): void {
    if (err instanceof PduFormatError) {
      this.log.warn({ reason: err.message, status: statusName(err.status) }, 'malformed PDU, closing session');
      this.write(encodeHeaderOnly(GENERIC_NACK, err.status, err.sequence));
      this.destroy('malformed PDU', true);
      return;
    }
    if (!pdu) {
      this.log.error({ err }, 'unexpected error reading PDU');
      this.destroy('internal error', true);
      return;
    }
    if (err instanceof SmppStatusError) {
      this.log.debug({ command: pdu.command, status: statusName(err.status), reason: err.message }, 'request refused');
      this.respondStatus(pdu, err.status);
      return;
    }
    this.log.error({ err, command: pdu.command }, 'handler failed');
    this.respondStatus(pdu, Status.ESME_RSYSERR);
  }

  // ── binding and ending ──────────────────────────────────────────────────────────────────

  /** Marks the session bound (called by the bind handler once the registry accepted it). */
  markBound(account: Account, bindType: BindType, interfaceVersion: number, sessionRowId: number): void {
    this.state = 'bound';
    this.account = account;
    this.bindType = bindType;
    this.interfaceVersion = interfaceVersion;
    this.sessionRowId = sessionRowId;
    if (this.bindTimer) clearTimeout(this.bindTimer);
    this.bindTimer = null;
    this.log = this.log.child({ systemId: account.systemId, bindType });
  }

  /** The client asked to unbind: answer once everything read before it has been answered. */
  unbindRequested(pdu: Pdu): void {
    // Reading goes on: the client may still answer our deliver_sm; new requests are refused in
    // the 'unbinding' state (ESME_RINVBNDSTS).
    this.state = 'unbinding';
    if (this.outstanding > 0) this.pendingUnbind = pdu;
    else this.finishUnbind(pdu);
  }

  private finishUnbind(pdu: Pdu): void {
    this.write(encodeHeaderOnly(commandId('unbind_resp'), Status.ESME_ROK, pdu.sequence));
    this.endReason = 'unbound by client';
    this.socket.end();
    // A client that never closes its side must not keep the socket forever.
    setTimeout(() => this.destroy('unbound by client'), this.ctx.config.responseTimeoutSec * 1000).unref();
  }

  /**
   * Ends the session from our side: stop reading, let answers for what was read go out, send
   * unbind, and close when the client answers or after `graceMs`.
   */
  shutdown(reason: string, graceMs: number): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.closedListeners.push(resolve);
      const wasBound = this.state === 'bound';
      // Keep reading: unbind_resp and deliver_sm_resp must still be seen. New requests are
      // refused with ESME_RINVBNDSTS in the 'unbinding' state.
      this.state = 'unbinding';
      this.endReason = reason;
      const hardStop = setTimeout(() => this.destroy(reason), graceMs);
      hardStop.unref();
      const sendUnbind = (): void => {
        if (this.state === 'closed') return;
        if (!wasBound) {
          this.destroy(reason);
          return;
        }
        this.request((sequence) => encodeHeaderOnly(UNBIND, Status.ESME_ROK, sequence), () => this.destroy(reason), () => this.destroy(reason));
      };
      // Every request read before now is answered (after its commit, or its delayed response) first.
      if (this.outstanding === 0) sendUnbind();
      else this.drainedWaiters.push(sendUnbind);
    });
  }

  /** BoundSession: the account changed under this session. */
  kick(reason: string): void {
    this.log.info({ reason }, 'ending session');
    void this.shutdown(reason, this.ctx.config.shutdownGraceMs);
  }

  private endReason = 'connection closed';

  /** Closes the connection now. `afterFlush`: let the last write (a generic_nack) leave first. */
  destroy(reason: string, afterFlush = false): void {
    if (this.state === 'closed') return;
    this.endReason = reason;
    this.state = 'closed';
    this.pauses.add('closing');
    if (afterFlush) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
  }

  private onIdle(): void {
    if (this.state === 'bound') {
      void this.shutdown(`idle for ${this.ctx.config.idleTimeoutSec} s`, this.ctx.config.shutdownGraceMs);
    } else {
      this.destroy(`idle for ${this.ctx.config.idleTimeoutSec} s`);
    }
  }

  /** Registers a callback for when the connection has closed. */
  onClosed(listener: () => void): void {
    if (this.socket.destroyed && this.state === 'closed') listener();
    else this.closedListeners.push(listener);
  }

  private onClose(): void {
    this.state = 'closed';
    if (this.bindTimer) clearTimeout(this.bindTimer);
    for (const { timer } of this.awaiting.values()) clearTimeout(timer);
    this.awaiting.clear();
    if (this.account) {
      this.ctx.binds.remove(this.account.id, this);
      this.ctx.receipts.sessionClosed(this);
      if (this.sessionRowId !== null) {
        try {
          this.ctx.store.sessions.closed(this.sessionRowId, this.endReason);
        } catch (err) {
          this.log.warn({ err }, 'could not record the end of the session');
        }
      }
      this.log.info({ reason: this.endReason }, 'unbound');
    } else {
      this.log.debug({ reason: this.endReason }, 'connection closed');
    }
    const listeners = this.closedListeners;
    this.closedListeners = [];
    for (const listener of listeners) listener();
  }
}
