/** The SMPP listener: accepts connections and owns the sessions, their binds and receipt pushing. */
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Config } from '../config/schema.js';
import type { StatusRecorder } from '../delivery/record-status.js';
import type { Simulator } from '../delivery/simulator.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
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
  log: Logger;
}

/** Listens for ESMEs. */
export class SmppServer {
  private readonly server: Server;
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
      log,
    };
    this.server = createServer((socket) => {
      const session = new SmppSession(socket, this.ctx);
      this.sessions.add(session);
      session.onClosed(() => this.sessions.delete(session));
      session.log.debug('connected');
    });
    // A listener error after start (EMFILE, …) must not crash the process.
    this.server.on('error', (err) => log.error({ err }, 'SMPP listener error'));
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    this.receipts.start();
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.ctx.config.port, this.ctx.config.host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.sessions].map((s) => s.shutdown('server shutting down', this.ctx.config.shutdownGraceMs)));
    await this.ctx.intake.idle();
    await this.receipts.idle();
    this.receipts.stop();
    await closed;
  }
}
