/**
 * The ESME side of one SMPP session over the `smpp` package's client: connect, bind, and close
 * politely, for the benchmarks' load client (smpp-load.ts) and the receipt benchmark. (`smscd
 * loadtest` has its own lighter session, src/loadtest/esme-session.ts.)
 */
import smpp from 'smpp';
import type { ConnectOptions } from '../../src/loadtest/esme-session.js';
import { statusName } from '../../src/smpp/command-status.js';

/** How a load session binds; submits need a transmitter or transceiver. */
export type BindAs = 'transceiver' | 'transmitter' | 'receiver';

/** What a bind sends. */
export interface BindOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  /**
   * interface_version of the bind; undefined leaves the `smpp` package's default (0x50).
   * @defaultValue undefined
   */
  interfaceVersion?: number;
}

const BIND_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** Connects; deliver_sm (after `onDeliverSm`), enquire_link and unbind are answered at once. */
export function openSession(options: ConnectOptions, onDeliverSm?: (pdu: smpp.PDU) => void): smpp.Session {
  const session = options.tls
    ? smpp.connect({ host: options.host, port: options.port, tls: true, rejectUnauthorized: !options.insecure })
    : smpp.connect({ host: options.host, port: options.port });
  corkPerTurn(session);
  // The server may send receipts (deliver_sm) and keep-alives at any time; answer them so it
  // never has to wait on us or drop the bind.
  session.on('deliver_sm', (pdu: smpp.PDU) => {
    onDeliverSm?.(pdu);
    session.send(pdu.response());
  });
  session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
  session.on('unbind', (pdu: smpp.PDU) => session.send(pdu.response()));
  return session;
}

/**
 * Makes everything a session sends in one event-loop turn leave in one writev. The package writes
 * each PDU with its own syscall: at 5,000 submits/s with receipts that was 10,000 loopback writes
 * a second, half of the load client's CPU, each one waking the SMSC for a few bytes — the client's
 * own lag then showed up as the SMSC's latency.
 */
function corkPerTurn(session: smpp.Session): void {
  const send = session.send.bind(session);
  let corked = false;
  session.send = (pdu, responseCallback, sendCallback) => {
    const socket = session.socket;
    if (!corked && socket.writable) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return send(pdu, responseCallback, sendCallback);
  };
}

/** Binds as `bindAs`; rejects on a refusal, a closed connection or a timeout. */
export function bind(session: smpp.Session, options: BindOptions, index: number, bindAs: BindAs = 'transceiver'): Promise<void> {
  const where = `bind_${bindAs} ${index + 1} to ${options.host}:${options.port} as ${options.systemId}`;
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      session.off('error', onError);
      session.off('close', onClose);
      // After the bind an error is reported through the caller's own checks; keep a listener so
      // the library's 'error' event never crashes the process.
      session.on('error', () => undefined);
      if (err) reject(err);
      else resolve();
    };
    const onError = (err: Error): void => finish(new Error(`${where} failed: ${err.message}`));
    const onClose = (): void => finish(new Error(`${where} failed: connection closed`));
    const timer = setTimeout(() => finish(new Error(`${where} timed out after ${BIND_TIMEOUT_MS} ms`)), BIND_TIMEOUT_MS);
    session.on('error', onError);
    session.on('close', onClose);
    const request: Record<string, unknown> = { system_id: options.systemId, password: options.password };
    if (options.interfaceVersion !== undefined) request['interface_version'] = options.interfaceVersion;
    const onResponse = (pdu: smpp.PDU): void => {
      if (pdu.command_status === 0) finish();
      else {
        const hex = `0x${pdu.command_status.toString(16).padStart(8, '0')}`;
        const name = statusName(pdu.command_status);
        finish(new Error(`${where} rejected with command_status ${hex}${name === hex ? '' : ` (${name})`}`));
      }
    };
    if (bindAs === 'transmitter') session.bind_transmitter(request, onResponse);
    else if (bindAs === 'receiver') session.bind_receiver(request, onResponse);
    else session.bind_transceiver(request, onResponse);
  });
}

/** Unbinds politely, then closes; never hangs on a server that does not answer. */
export function closeSession(session: smpp.Session): Promise<void> {
  return new Promise<void>((resolve) => {
    if (session.socket.destroyed) return resolve();
    const timer = setTimeout(() => session.destroy(), CLOSE_TIMEOUT_MS);
    session.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    const sent = session.socket.writable && session.unbind(() => session.close());
    if (!sent) session.close();
  });
}
