/**
 * The SMPP listeners: the plain port and, with `smpp.tls`, a TLS port of its own. Both hand their
 * connections to the same session handling; the server owns the sessions, their binds and
 * receipt pushing.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { readPem } from '../config/read-pem.js';
import type { Config } from '../config/schema.js';
import type { StatusRecorder } from '../delivery/record-status.js';
import type { Simulator } from '../delivery/simulator.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { BruteForceLimiter } from '../security/brute-force-limiter.js';
import { LoginGuard } from '../security/login-guard.js';
import type { Account } from '../store/accounts.js';
import type { Store } from '../store/store.js';
import { BindRegistry } from './bind-registry.js';
import type { Intake, SmppContext } from './context.js';
import { isAllowed } from './ip-allow.js';
import { ReceiptPusher } from './receipt-pusher.js';
import { SmppSession } from './session.js';

/** What the SMPP server is built from. */
export interface SmppServerDeps {
  config: Config;
  store: Store;
  intake: Intake;
  simulator: Simulator;
  recorder: StatusRecorder;
  metrics: Metrics;
  /** Failed-bind counting, shared with the other interfaces. */
  limiter: BruteForceLimiter;
  log: Logger;
}

/** Listens for ESMEs. */
export class SmppServer {
  private readonly server: Server;
  /** The TLS listener (`smpp.tls`), or null. */
  private readonly tlsServer: Server | null;
  /** TCP connections to the TLS port still in their handshake, by peer `address:port` (closed at shutdown). */
  private readonly handshaking = new Map<string, Socket>();
  private readonly sessions = new Set<SmppSession>();
  readonly binds = new BindRegistry<SmppSession>();
  readonly receipts: ReceiptPusher;
  readonly ctx: SmppContext;

  constructor(deps: SmppServerDeps) {
    const { config, store, log } = deps;
    this.receipts = new ReceiptPusher(store, this.binds, config.receipts, log.child({ component: 'receipts' }), deps.metrics);
    this.ctx = {
      config: config.smpp,
      store,
      intake: deps.intake,
      simulator: deps.simulator,
      recorder: deps.recorder,
      binds: this.binds,
      receipts: this.receipts,
      metrics: deps.metrics,
      guard: new LoginGuard(deps.limiter, 'smpp', deps.metrics, log.child({ component: 'auth' })),
      log,
    };
    // Plain and TLS connections get the same sessions: framing, timeouts and hardening live there.
    const accept = (socket: Socket, tls: boolean): void => {
      const session = new SmppSession(socket, this.ctx);
      this.sessions.add(session);
      session.onClosed(() => this.sessions.delete(session));
      session.log.debug({ tls }, 'connected');
    };
    this.server = createServer((socket) => accept(socket, false));
    const tls = config.smpp.tls;
    this.tlsServer = tls
      ? createTlsServer(
          {
            key: readPem(tls.key, 'smpp.tls.key'),
            cert: readPem(tls.cert, 'smpp.tls.cert'),
            // A connection that never completes the handshake is held no longer than an unbound one.
            handshakeTimeout: config.smpp.bindTimeoutSec * 1000,
          },
          (socket: TLSSocket) => {
            this.handshaking.delete(`${socket.remoteAddress}:${socket.remotePort}`);
            accept(socket, true);
          },
        )
      : null;
    // server.close() waits for every connection: one stuck in its handshake must not hold shutdown.
    this.tlsServer?.on('connection', (raw: Socket) => {
      const peer = `${raw.remoteAddress}:${raw.remotePort}`;
      this.handshaking.set(peer, raw);
      raw.once('close', () => {
        if (this.handshaking.get(peer) === raw) this.handshaking.delete(peer);
      });
    });
    // A handshake that fails (plain SMPP or HTTP on the TLS port, a port scan) ends that socket only.
    this.tlsServer?.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      log.info({ remote: socket.remoteAddress, err: { code: err.code, message: err.message } }, 'TLS handshake failed');
      socket.destroy();
    });
    // A listener error after start (EMFILE, …) must not crash the process.
    for (const server of this.listeners()) server.on('error', (err) => log.error({ err, tls: server === this.tlsServer }, 'SMPP listener error'));
  }

  /** Starts listening (plain, then TLS); resolves with the plain port (useful with port 0). */
  async listen(): Promise<number> {
    this.receipts.start();
    const port = await listenOn(this.server, this.ctx.config.port, this.ctx.config.host);
    if (this.tlsServer && this.ctx.config.tls) {
      try {
        await listenOn(this.tlsServer, this.ctx.config.tls.port, this.ctx.config.host);
      } catch (err) {
        // Start-up fails as a whole: the plain port must not stay open behind it.
        this.server.close();
        this.receipts.stop();
        throw err;
      }
    }
    return port;
  }

  /** The plain port (0 while not listening). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** The TLS port (0 when `smpp.tls` is off or not listening). */
  get tlsPort(): number {
    return (this.tlsServer?.address() as AddressInfo | null | undefined)?.port ?? 0;
  }

  private listeners(): Server[] {
    return this.tlsServer ? [this.server, this.tlsServer] : [this.server];
  }

  /** Applies changed account rows to bound sessions (rates, removed accounts, allowed IPs). */
  accountsChanged(accounts: readonly Account[]): void {
    this.binds.refresh(accounts, (account, remote) => isAllowed(account.allowedIps, remote));
  }

  /** Connected sessions (bound or not). */
  connections(): SmppSession[] {
    return [...this.sessions];
  }

  /**
   * Graceful stop: no new connections, every session answers what it has read, gets an unbind,
   * and closes; pending commits (messages, receipt acknowledgements) are flushed.
   */
  async close(): Promise<void> {
    const closed = Promise.all(this.listeners().map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const raw of this.handshaking.values()) raw.destroy();
    this.handshaking.clear();
    await Promise.all([...this.sessions].map((s) => s.shutdown('server shutting down', this.ctx.config.shutdownGraceMs)));
    await this.ctx.intake.idle();
    await this.receipts.idle();
    this.receipts.stop();
    await closed;
  }
}

/** Listens on `port` (0 = any free one); resolves with the bound port, rejects on EADDRINUSE and the like. */
function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
