/**
 * The composition root: `run(config)` wires the store, the SMPP server, delivery, receipts,
 * forwarding, the HTTP API and the e-mail interface into one App, and `App.close()` takes them
 * down in order.
 */
import type { Config } from './config/schema.js';
import { StatusRecorder, type ClaimedForwards, type RecordedStatus } from './delivery/record-status.js';
import { DeliveryScheduler } from './delivery/scheduler.js';
import { checkRelayRoutes, RelayWorker } from './delivery/relay/relay-worker.js';
import { Simulator } from './delivery/simulator.js';
import { ForwardingPolicy } from './forwarding/policy.js';
import { targetFactory } from './forwarding/targets/factory.js';
import { ForwardingWorker } from './forwarding/worker.js';
import { ApiAuth } from './api/auth.js';
import { buildApi } from './api/server.js';
import { registerConsole } from './console/plugin.js';
import { operatorCredentials } from './console/operator.js';
import { EmailServer } from './email/server.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { BruteForceLimiter } from './security/brute-force-limiter.js';
import { LoginGuard } from './security/login-guard.js';
import { WhatsAppLifecycle } from './whatsapp/lifecycle.js';
import type { FastifyInstance } from 'fastify';
import type { Submission } from './smpp/context.js';
import { SmppServer } from './smpp/server.js';
import { GroupCommitter } from './store/group-commit.js';
import { generatePassword, hashPassword } from './store/secrets.js';
import { randomBytes } from 'node:crypto';
import { checkpointInBackground } from './store/checkpointer.js';
import { Store } from './store/store.js';
import type { Account } from './store/accounts.js';

/** The running service. */
export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly smpp: SmppServer;
  readonly scheduler: DeliveryScheduler;
  readonly relay: RelayWorker;
  readonly forwarding: { policy: ForwardingPolicy; worker: ForwardingWorker };
  readonly log: Logger;
  /** Ports actually listened on (differ from the config when it said 0); `smppTls` is 0 when `smpp.tls` is off. */
  readonly ports: { smpp: number; smppTls: number; http: number; smtp: number };
  readonly metrics: Metrics;
  readonly api: FastifyInstance;
  /** Credentials of the demo account when this start created it; shown once. */
  readonly demo: { systemId: string; password: string } | null;
  /** The console operator's password when this start generated it (no `console.operatorPassword`); shown once. */
  readonly operatorPassword: string | null;
  /** Graceful stop: stop accepting, answer what is in flight, unbind, close the database. */
  close(): Promise<void>;
}

/** Options for `run` that are not configuration. */
export interface RunOptions {
  /** Logger to use (tests pass a silent or capturing one). */
  log?: Logger;
}

/** Starts smscd with `config`. */
export async function run(config: Config, options: RunOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.log.level);
  checkRelayRoutes(config.relay);
  const store = Store.open({ path: config.store.path, synchronous: config.store.synchronous, commitFlush: config.store.commitFlush });
  // WAL checkpoints on a thread of their own (store.checkpoint), not inside the commits of the event loop.
  const checkpointer = config.store.checkpoint === 'background' && config.store.path !== ':memory:' ? checkpointInBackground(store.db, config.store.path, log.child({ component: 'checkpoint' })) : null;
  const abandoned = store.sessions.closeAbandoned();
  if (abandoned > 0) log.info({ sessions: abandoned }, 'closed sessions left open by the previous run');
  const demo = ensureDemoAccount(store, config);

  const metrics = new Metrics();
  const forwarding = new ForwardingPolicy(store);
  const worker = new ForwardingWorker(store, config.forwarding, targetFactory(config.forwarding), notificationPrefix(store), log.child({ component: 'forwarding' }), metrics);
  // The worker takes the forwards of simulated deliveries straight from their transaction.
  const recorder = new StatusRecorder(store, config.receipts.expiryHours, forwarding, worker);
  const simulator = new Simulator(config.simulator);
  // Late-bound: the scheduler tells the SMPP server's receipt pusher what it recorded.
  let onRecorded: (accountIds: Iterable<number>) => void = () => {};
  // After a delivery commit (simulator or relay): push owed receipts, wake forwarding.
  const afterRecording = (recorded: RecordedStatus[], claimed?: ClaimedForwards): void => {
    onRecorded(new Set(recorded.filter((r) => r.receiptOwed).map((r) => r.accountId)));
    let forwards = 0;
    for (const r of recorded) forwards += r.forwards;
    if (claimed) worker.takeClaimed(claimed);
    // Rows not claimed as they were recorded wait for the worker's claim.
    if (forwards > (claimed?.rows.length ?? 0)) worker.poke();
  };
  const scheduler = new DeliveryScheduler(store, recorder, afterRecording, log.child({ component: 'delivery' }));
  const relay = new RelayWorker(store, recorder, config.relay, afterRecording, log.child({ component: 'relay' }), metrics);
  const intake = createIntake(store, scheduler, relay, config.store.commitMaxRows, log);
  // One limiter for every interface: failures over the API count against SMPP binds too.
  const limiter = new BruteForceLimiter(config.security.bruteForce);
  const authLog = log.child({ component: 'auth' });
  const smpp = new SmppServer({ config, store, intake, simulator, recorder, metrics, limiter, log: log.child({ component: 'smpp' }) });
  const auth = new ApiAuth(store, new LoginGuard(limiter, 'api', metrics, authLog));
  const whatsapp = new WhatsAppLifecycle(config.whatsapp, config.simulator.seed);
  const takeTokens = (account: Account, count: number): boolean => smpp.binds.takeTokensFor(account, count);
  const email = new EmailServer({ config: config.email, store, intake, simulator, whatsapp, metrics, takeTokens, guard: new LoginGuard(limiter, 'email', metrics, authLog), log: log.child({ component: 'email' }) });
  const api = buildApi({
    config,
    store,
    intake,
    simulator,
    whatsapp,
    auth,
    metrics,
    takeTokens,
    health: () => {
      let db = false;
      try {
        db = store.db.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        db = false;
      }
      const smppUp = smpp.port > 0;
      // With smpp.tls on, its listener is part of health; off, smppTlsPort is 0.
      const smppTlsUp = config.smpp.tls === null || smpp.tlsPort > 0;
      return {
        ok: db && smppUp && smppTlsUp && email.up,
        checks: { database: db, smpp: smppUp, smppPort: smpp.port, ...(config.smpp.tls ? { smppTls: smppTlsUp } : {}), smppTlsPort: smpp.tlsPort, smtp: email.up },
      };
    },
    log: log.child({ component: 'api' }),
  });
  // Rules, targets, accounts or the switch changed (by the CLI in another process, or the console).
  const reloadFromStore = (): void => {
    smpp.accountsChanged(store.accounts.list());
    auth.clear();
    const wasOn = forwarding.forwardingOn;
    forwarding.reload();
    worker.reloadTargets();
    worker.poke();
    if (!wasOn && forwarding.forwardingOn) smpp.receipts.pokeAll();
  };
  let operatorPassword: string | null = null;
  if (config.console.enabled) {
    const operator = operatorCredentials(store, config.console);
    operatorPassword = operator.generated;
    registerConsole(api, {
      config,
      store,
      intake,
      simulator,
      whatsapp,
      metrics,
      guard: new LoginGuard(limiter, 'console', metrics, authLog),
      operator: operator.credentials,
      takeTokens,
      forwardingOn: () => forwarding.forwardingOn,
      changed: reloadFromStore,
      log: log.child({ component: 'console' }),
    });
  }
  metrics.setSources({
    binds: () => {
      const names = new Map(store.accounts.list().map((a) => [a.id, a.systemId]));
      const counts = new Map<string, number>();
      for (const s of smpp.binds.all()) {
        const name = names.get(s.accountId ?? -1) ?? 'unknown';
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return [...counts].map(([account, count]) => ({ account, count }));
    },
    // Only the live states, each counted in its partial index: a count of every state read whole
    // tables on the event loop at each scrape (1.7 s at a million receipts and forwards). Totals
    // are the counters smscd_smpp_receipts_sent_total and smscd_forwards_total.
    receipts: () => ({ pending: store.receipts.countPending() }),
    outbox: () => {
      const names = new Map(store.targets.list().map((t) => [t.id, t.kind === 'callback' ? 'callback' : t.name]));
      // Callback targets (one per notificationCallbackUrl) are summed under one label.
      const sums = new Map<string, { target: string; state: string; count: number }>();
      for (const d of store.outbox.liveDepth()) {
        const target = names.get(d.targetId) ?? String(d.targetId);
        const key = `${target}\u0000${d.state}`;
        const entry = sums.get(key) ?? { target, state: d.state, count: 0 };
        entry.count += d.n;
        sums.set(key, entry);
      }
      return [...sums.values()];
    },
  });
  onRecorded = (accountIds) => {
    for (const id of accountIds) smpp.receipts.owed(id);
  };
  smpp.receipts.setGate(() => forwarding.forwardingOn);
  const smppPort = await smpp.listen();
  await api.listen({ port: config.http.port, host: config.http.host });
  const httpPort = (api.server.address() as import('node:net').AddressInfo).port;
  const smtpPort = await email.listen(config.email.port, config.email.host);
  scheduler.start();
  relay.start();
  worker.start();

  const stopWatching = watchForCliChanges(store, config.cli.reloadIntervalMs, reloadFromStore);

  let closing: Promise<void> | null = null;
  const app: App = {
    config,
    store,
    smpp,
    scheduler,
    relay,
    forwarding: { policy: forwarding, worker },
    log,
    ports: { smpp: smppPort, smppTls: smpp.tlsPort, http: httpPort, smtp: smtpPort },
    metrics,
    api,
    demo,
    operatorPassword,
    close() {
      closing ??= (async () => {
        stopWatching();
        await email.close();
        await api.close();
        await smpp.close();
        scheduler.stop();
        await relay.stop();
        await worker.stop();
        await checkpointer?.stop();
        // A group commit may still be committing or being flushed; its answers run against the store.
        await store.settled();
        store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
  log.info({ smpp: smppPort, ...(config.smpp.tls ? { smppTls: smpp.tlsPort } : {}), http: httpPort, ...(config.http.tls ? { https: true } : {}), smtp: smtpPort, db: config.store.path }, 'listening');
  return app;
}

/**
 * Stores accepted messages with their delivery plans in group commits (one transaction per turn
 * of the event loop) and wakes the scheduler for the earliest plan once they are committed.
 */
function createIntake(store: Store, scheduler: DeliveryScheduler, relay: RelayWorker, maxRows: number, log: Logger): GroupCommitter<Submission, string> {
  return new GroupCommitter<Submission, string>(
    (submissions) => {
      let relayed = 0;
      const ids = store.transaction(() =>
        submissions.map(({ message, plan }) => {
          // A message routed upstream waits in relay_messages instead of the simulator's timers.
          const upstream = relay.route(message);
          const id = store.messages.insert(message, upstream === null ? plan : null);
          if (upstream !== null) {
            relay.enqueue(id, upstream, message);
            relayed++;
          }
          return id;
        }),
      );
      // After the commit; the scheduler runs on a later turn, after the responses are written.
      if (relayed < submissions.length) scheduler.wake(Math.min(...submissions.map((s) => s.plan.dueAt)));
      if (relayed > 0) relay.poke();
      return ids;
    },
    maxRows,
    (err) => log.error({ err }, 'submit callback failed'),
    store.turn,
    true, // clientWaits: its writes are submit_sm answers only
  );
}

/** The database's random prefix of notificationIds (created once, kept forever). */
function notificationPrefix(store: Store): string {
  let prefix = store.settings.get('notification.prefix');
  if (!prefix) {
    prefix = randomBytes(8).toString('hex').slice(0, 8);
    store.settings.set('notification.prefix', prefix);
  }
  return prefix;
}

/** On the first start (no account yet, none created before) creates the demo account. */
function ensureDemoAccount(store: Store, config: Config): App['demo'] {
  if (!config.demo.enabled || store.settings.get('demo.created') || store.accounts.count() > 0) return null;
  const password = generatePassword(8);
  store.transaction(() => {
    store.accounts.add({
      systemId: config.demo.systemId,
      passwordHash: hashPassword(password),
      maxBinds: 10,
      rate: 0,
      allowedIps: [],
      email: null,
      apiTokenHash: null,
    });
    store.settings.set('demo.created', new Date().toISOString());
  });
  return { systemId: config.demo.systemId, password };
}

/**
 * The CLI writes to the same database from another process. SQLite's `data_version` changes
 * when another connection commits, so polling it is a cheap way to notice within a second.
 */
function watchForCliChanges(store: Store, intervalMs: number, onChange: () => void): () => void {
  let version = store.dataVersion();
  const timer = setInterval(() => {
    const current = store.dataVersion();
    if (current === version) return;
    version = current;
    onChange();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
