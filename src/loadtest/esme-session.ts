/**
 * The ESME side of one load-test session, on our own framing and codec (frame-reader.ts,
 * pdu-codec.ts) rather than the `smpp` package's client: connect (optionally over TLS), bind,
 * send pre-encoded submit_sm, answer what the SMSC asks, unbind.
 *
 * Why not the package: a load client shares the machine with the SMSC it measures, and the
 * package's PDU objects (every field filtered, short_message decoded, a response object built per
 * receipt) were about a third of its CPU and most of its garbage — its pauses showed up as the
 * SMSC's latency. And the package crashes or wedges on PDUs it cannot read
 * (notes/smpp-library.md); here an SMSC that sends one ends the run with a message that names it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { PduFormatError } from '../errors.js';
import { Status, statusName } from '../smpp/command-status.js';
import { FrameReader } from '../smpp/frame-reader.js';
import { commandId, decodePdu, encodeCStringResponse, encodeHeaderOnly, encodePdu, isResponseId, type Pdu } from '../smpp/pdu-codec.js';
import type { SubmitTemplate } from './submit-template.js';

/** Where to connect. */
export interface ConnectOptions {
  host: string;
  port: number;
  /**
   * Connect over TLS.
   * @defaultValue false
   */
  tls?: boolean;
  /**
   * With `tls`: accept a certificate that does not verify (self-signed, wrong name).
   * @defaultValue false
   */
  insecure?: boolean;
}

/** What a bind sends. */
export interface BindOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  /** interface_version of the bind. */
  interfaceVersion: number;
}

/** What the run is told of the SMSC's PDUs. */
export interface SessionHandlers {
  /** A submit_sm_resp, or a generic_nack (the SMSC could not read a request of ours). */
  onResponse(pdu: Pdu): void;
  /** A deliver_sm or data_sm; it is answered with command_status 0 right after. */
  onDeliver(pdu: Pdu): void;
}

const BIND_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** The largest PDU we read: message_payload holds up to 64 KiB (SMPP 3.4 §5.3.2.32), with room for the rest. */
const MAX_PDU_BYTES = 128 * 1024;
const MAX_SEQUENCE = 0x7fffffff;

const ID = {
  bind_transceiver: commandId('bind_transceiver'),
  submit_sm_resp: commandId('submit_sm_resp'),
  deliver_sm: commandId('deliver_sm'),
  data_sm: commandId('data_sm'),
  enquire_link: commandId('enquire_link'),
  unbind: commandId('unbind'),
  alert_notification: commandId('alert_notification'),
  outbind: commandId('outbind'),
  generic_nack: commandId('generic_nack'),
} as const;
const RESPONSE_BIT = 0x80000000;

const NO_HANDLERS: SessionHandlers = { onResponse: () => undefined, onDeliver: () => undefined };

/** One connection to an SMSC. */
export class EsmeSession {
  readonly socket: net.Socket;
  /** Told of submit responses and receipts; set once the run starts. */
  handlers: SessionHandlers = NO_HANDLERS;
  /** The SMSC sent unbind. */
  unbound = false;
  /** The last socket error, for the message when the connection drops. */
  lastError: Error | null = null;
  /** Why we closed the connection ourselves: the SMSC sent something we could not read. */
  unreadable: string | null = null;
  private readonly reader = new FrameReader(MAX_PDU_BYTES);
  /** Our own requests other than submit_sm (bind, unbind), by sequence_number. */
  private readonly waiting = new Map<number, (pdu: Pdu) => void>();
  private sequence = 0;
  private corked = false;

  constructor(options: ConnectOptions) {
    this.socket = options.tls
      ? tls.connect({ host: options.host, port: options.port, rejectUnauthorized: !options.insecure })
      : net.connect({ host: options.host, port: options.port });
    // Without it, Nagle's algorithm holds a submit_sm back until the previous one is ACKed, and
    // against a peer's delayed ACK that adds ~40 ms to latencies at low rates.
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (err) => {
      this.lastError = err;
    });
  }

  /** Binds as a transceiver; rejects on a refusal, a closed connection or a timeout. */
  bind(options: BindOptions, index: number): Promise<void> {
    const where = `bind_transceiver ${index + 1} to ${options.host}:${options.port} as ${options.systemId}`;
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.socket.off('error', onError);
        this.socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onError = (err: Error): void => finish(new Error(`${where} failed: ${err.message}`));
      const onClose = (): void => finish(new Error(`${where} failed: ${this.unreadable ?? 'connection closed'}`));
      const timer = setTimeout(() => finish(new Error(`${where} timed out after ${BIND_TIMEOUT_MS} ms`)), BIND_TIMEOUT_MS);
      this.socket.on('error', onError);
      this.socket.on('close', onClose);
      const fields = { system_id: options.systemId, password: options.password, interface_version: options.interfaceVersion };
      this.request('bind_transceiver', fields, (pdu) => {
        if (pdu.status === 0) return finish();
        const hex = `0x${pdu.status.toString(16).padStart(8, '0')}`;
        const name = statusName(pdu.status);
        finish(new Error(`${where} rejected with command_status ${hex}${name === hex ? '' : ` (${name})`}`));
      });
    });
  }

  /** Sends one submit_sm; returns its sequence_number, or null when the connection is no longer writable. */
  submit(template: SubmitTemplate): number | null {
    const sequence = this.nextSequence();
    return this.write(template.stamp(sequence)) ? sequence : null;
  }

  /** Sends enquire_link (its response needs nothing from us). */
  enquireLink(): void {
    this.write(encodeHeaderOnly(ID.enquire_link, 0, this.nextSequence()));
  }

  /** The socket's buffer is full: wait for 'drain' before sending more. */
  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Unbinds politely, then closes; never hangs on an SMSC that does not answer. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.socket.writable && !this.unbound) this.request('unbind', {}, () => this.socket.end());
      else this.socket.end();
    });
  }

  private request(command: 'bind_transceiver' | 'unbind', fields: Record<string, unknown>, onResponse: (pdu: Pdu) => void): void {
    const sequence = this.nextSequence();
    this.waiting.set(sequence, onResponse);
    this.write(encodePdu(command, sequence, fields));
  }

  private nextSequence(): number {
    this.sequence = this.sequence >= MAX_SEQUENCE ? 1 : this.sequence + 1;
    return this.sequence;
  }

  /**
   * Writes through a cork lifted at the end of the tick: everything sent in one event-loop turn
   * leaves in one writev rather than a syscall per PDU, each waking the SMSC for a few bytes.
   */
  private write(bytes: Buffer): boolean {
    const socket = this.socket;
    if (!socket.writable) return false;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(bytes);
    return true;
  }

  private read(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      let frame: Buffer | null;
      try {
        frame = this.reader.next();
      } catch (err) {
        // The stream can no longer be framed.
        return this.giveUp(`it sent an unreadable PDU: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (frame === null) return;
      let pdu: Pdu;
      try {
        pdu = decodePdu(frame);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // A request we cannot read is refused and the session goes on (SMPP 3.4 §3.3); a response
        // we cannot read leaves a submit without its answer, so the run ends with the reason.
        if (isResponseId(frame.readUInt32BE(4))) return this.giveUp(`it sent an unreadable response: ${why}`);
        const status = err instanceof PduFormatError ? err.status : Status.ESME_RINVCMDLEN;
        this.write(encodeHeaderOnly(ID.generic_nack, status, frame.readUInt32BE(12)));
        continue;
      }
      this.dispatch(pdu);
    }
  }

  private dispatch(pdu: Pdu): void {
    if (isResponseId(pdu.commandId)) {
      const waiter = this.waiting.get(pdu.sequence);
      if (waiter) {
        this.waiting.delete(pdu.sequence);
        waiter(pdu);
      } else if (pdu.commandId === ID.submit_sm_resp || pdu.commandId === ID.generic_nack) {
        this.handlers.onResponse(pdu);
      }
      return;
    }
    switch (pdu.commandId) {
      case ID.deliver_sm:
      case ID.data_sm:
        // Answered after the run has seen it, so a receipt that ends the run is answered first.
        this.handlers.onDeliver(pdu);
        this.write(encodeCStringResponse(pdu.commandId | RESPONSE_BIT, pdu.sequence, ''));
        return;
      case ID.enquire_link:
        this.write(encodeHeaderOnly(pdu.commandId | RESPONSE_BIT, 0, pdu.sequence));
        return;
      case ID.unbind:
        this.unbound = true;
        this.write(encodeHeaderOnly(pdu.commandId | RESPONSE_BIT, 0, pdu.sequence));
        return;
      case ID.alert_notification: // takes no response (SMPP 3.4 §4.12)
      case ID.outbind:
        return;
      default:
        // Anything else the SMSC asks is refused, so it never waits on us (SMPP 3.4 §4.3).
        this.write(encodeHeaderOnly(ID.generic_nack, Status.ESME_RINVCMDID, pdu.sequence));
    }
  }

  private giveUp(why: string): void {
    this.unreadable ??= why;
    this.socket.destroy();
  }
}
