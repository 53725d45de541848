/**
 * Relay test peers: a front smscd whose upstream is a second smscd (its simulator producing the
 * outcomes), and a tiny `smpp`-package upstream whose answers a test chooses (hex ids, receipts
 * before responses, errors).
 */
import smpp from 'smpp';
import type { AddressInfo } from 'node:net';
import { startApp, type TestApp } from '../helpers/app.js';

/** Destination prefixes with a fixed outcome at the upstream (simulator.rules). */
export const DEST = {
  delivered: '436100000001',
  undelivered: '436200000002',
  expired: '436300000003',
  rejected: '436400000004',
} as const;

export const RULES = [
  { prefix: '4361', status: 'delivered' },
  { prefix: '4362', status: 'undelivered' },
  { prefix: '4363', status: 'expired' },
  { prefix: '4364', status: 'rejected' },
];

/** relay.upstreams entry for a peer on `port`, quick to reconnect and retry (tests). */
export function upstreamEntry(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'up',
    host: '127.0.0.1',
    port,
    systemId: 'front',
    password: 'pw',
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    retryMinMs: 50,
    retryMaxMs: 500,
    throttleDelayMs: 100,
    responseTimeoutSec: 5,
    enquireLinkSec: 1,
    ...extra,
  };
}

/** Starts a front smscd relaying everything (default route) to `port`. */
export async function startFront(port: number, upstream: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}, dir?: string): Promise<TestApp> {
  const front = await startApp(
    {
      'relay.upstreams': [upstreamEntry(port, upstream)],
      'relay.routes': [{ upstream: 'up' }],
      ...overrides,
    },
    dir,
  );
  if (!front.app.store.accounts.bySystemId('acme')) front.addAccount('acme', 'pw');
  return front;
}

/** Starts an upstream smscd with the outcome rules and an account `front` for the relay. */
export async function startUpstream(overrides: Record<string, unknown> = {}, dir?: string, rate = 0): Promise<TestApp> {
  const up = await startApp({ 'simulator.rules': RULES, ...overrides }, dir);
  if (!up.app.store.accounts.bySystemId('front')) up.addAccount('front', 'pw', { rate });
  return up;
}

/** What the tiny upstream does with one submit_sm: its answer and, optionally, a receipt. */
export interface TinyAnswer {
  status?: number;
  messageId?: string;
  /** deliver_sm fields of a receipt to send (the tiny upstream fills esm_class 4 and addresses). */
  receipt?: Record<string, unknown>;
  /** Send the receipt before the submit_sm_resp, `delayMs` before it. */
  receiptFirst?: boolean;
  delayMs?: number;
}

/** A minimal upstream SMSC on the `smpp` package: binds anyone, answers submits as told. */
export class TinyUpstream {
  readonly submits: smpp.PDU[] = [];
  readonly deliverResponses: smpp.PDU[] = [];
  readonly unbindResponses: smpp.PDU[] = [];
  /** Binds accepted so far. */
  binds = 0;
  /** Answer enquire_link (switch off to play a dead upstream whose TCP is still up). */
  answerEnquireLink = true;
  enquireLinks = 0;
  private readonly sessions = new Set<smpp.Session>();
  private server: smpp.Server | null = null;
  port = 0;

  constructor(
    private readonly decide: (pdu: smpp.PDU, n: number) => TinyAnswer,
    /** PEM key and certificate: listen with TLS. */
    private readonly tls?: { key: Buffer; cert: Buffer },
  ) {}

  async listen(): Promise<void> {
    this.server = smpp.createServer(this.tls ? { ...this.tls } : {}, (session) => this.accept(session));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Sends a deliver_sm on the first bound session (an unsolicited receipt). */
  sendReceipt(fields: Record<string, unknown>): void {
    const session = [...this.sessions][0];
    if (!session) throw new Error('no session bound to the tiny upstream');
    session.send(new smpp.PDU('deliver_sm', { esm_class: 4, source_addr: '1', destination_addr: '2', ...fields }), (resp) => this.deliverResponses.push(resp));
  }

  /** Asks every bound client to unbind (the upstream ends the binds). */
  unbindAll(): void {
    for (const s of this.sessions) s.send(new smpp.PDU('unbind'), (resp) => this.unbindResponses.push(resp));
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(session: smpp.Session): void {
    this.sessions.add(session);
    session.on('error', () => session.destroy());
    session.on('close', () => this.sessions.delete(session));
    for (const type of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
      session.on(type, (pdu: smpp.PDU) => {
        this.binds++;
        session.send(pdu.response({ system_id: 'tiny' }));
      });
    }
    session.on('enquire_link', (pdu: smpp.PDU) => {
      this.enquireLinks++;
      if (this.answerEnquireLink) session.send(pdu.response());
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: smpp.PDU) => {
      this.submits.push(pdu);
      const a = this.decide(pdu, this.submits.length);
      const respond = (): void => {
        session.send(pdu.response(a.status ? { command_status: a.status } : { message_id: a.messageId ?? String(this.submits.length) }));
      };
      const receipt = (): void => {
        if (!a.receipt) return;
        session.send(
          new smpp.PDU('deliver_sm', { esm_class: 4, source_addr: String(pdu.destination_addr), destination_addr: String(pdu.source_addr), ...a.receipt }),
          (resp) => this.deliverResponses.push(resp),
        );
      };
      if (a.receiptFirst) {
        receipt();
        setTimeout(respond, a.delayMs ?? 100);
      } else {
        respond();
        setTimeout(receipt, a.delayMs ?? 0);
      }
    });
  }
}
