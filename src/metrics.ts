/**
 * Prometheus metrics (prom-client), one registry per App. Counters and histograms are moved by
 * the components that see the events; gauges (binds, owed receipts, outbox depth) are read from
 * their source when /metrics is scraped, so they cannot drift.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the scrape-time gauges read from. */
export interface GaugeSources {
  /** bound sessions by account systemId */
  binds(): Array<{ account: string; count: number }>;
  /** owed SMPP receipts (state pending) */
  receipts(): Record<string, number>;
  /** outbox rows by target name, pending and failed */
  outbox(): Array<{ target: string; state: string; count: number }>;
}

/** The metrics of one App. */
export class Metrics {
  readonly registry = new Registry();
  readonly submits: Counter<'channel' | 'result'>;
  readonly receiptsSent: Counter<'result'>;
  readonly forwards: Counter<'target' | 'result'>;
  readonly submitLatency: Histogram<'channel'>;
  readonly forwardLatency: Histogram<'target'>;
  readonly relaySubmits: Counter<'upstream' | 'result'>;
  readonly relayReceipts: Counter<'upstream' | 'result'>;
  readonly authFailures: Counter<'interface'>;
  readonly authLockouts: Counter<'interface'>;
  /** submits{channel=smpp,result=accepted} and submitLatency{channel=smpp}, bound once: the SMPP submit path counts every message, and resolving labels each time costs a hash per message. */
  readonly smppAccepted: { inc(): void };
  readonly smppSubmitLatency: { observe(seconds: number): void };
  /** receiptsSent{result=acked}, bound once for the same reason: counted per receipt. */
  readonly receiptsAcked: { inc(): void };
  private sources: GaugeSources | null = null;

  constructor() {
    const registers = [this.registry];
    this.submits = new Counter({ name: 'smscd_submits_total', help: 'Messages submitted, by channel and result (accepted, refused, throttled, error)', labelNames: ['channel', 'result'], registers });
    this.receiptsSent = new Counter({ name: 'smscd_smpp_receipts_sent_total', help: 'SMPP receipts (deliver_sm) sent, by the client answer (acked, refused, timeout)', labelNames: ['result'], registers });
    this.forwards = new Counter({ name: 'smscd_forwards_total', help: 'Forwarding attempts by target and outcome (delivered, retry, failed, disable)', labelNames: ['target', 'result'], registers });
    this.submitLatency = new Histogram({
      name: 'smscd_submit_seconds',
      help: 'Time from reading a submit to writing its response (includes the durable commit)',
      labelNames: ['channel'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.smppAccepted = this.submits.labels({ channel: 'smpp', result: 'accepted' });
    this.smppSubmitLatency = this.submitLatency.labels({ channel: 'smpp' });
    this.receiptsAcked = this.receiptsSent.labels({ result: 'acked' });
    this.forwardLatency = new Histogram({
      name: 'smscd_forward_seconds',
      help: 'Duration of one forwarding attempt',
      labelNames: ['target'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers,
    });
    this.relaySubmits = new Counter({ name: 'smscd_relay_submits_total', help: 'Relay submit_sm answers by upstream and outcome (ok, throttled, temporary, permanent, lost, invalid)', labelNames: ['upstream', 'result'], registers });
    this.relayReceipts = new Counter({
      name: 'smscd_relay_receipts_total',
      help: 'Upstream receipts by upstream and outcome (matched, held, matched-late, unmatched, not-a-receipt)',
      labelNames: ['upstream', 'result'],
      registers,
    });
    this.authFailures = new Counter({ name: 'smscd_auth_failures_total', help: 'Failed logins (wrong system id, password or token) by interface (smpp, api, email, console)', labelNames: ['interface'], registers });
    this.authLockouts = new Counter({ name: 'smscd_auth_lockouts_total', help: 'Brute-force lockouts started (an address or a systemId locked) by interface', labelNames: ['interface'], registers });
    // Present at 0 from the start, so that a rate() over them has a series before the first failure.
    for (const iface of ['smpp', 'api', 'email', 'console']) {
      this.authFailures.inc({ interface: iface }, 0);
      this.authLockouts.inc({ interface: iface }, 0);
    }
    const self = this;
    new Gauge({
      name: 'smscd_smpp_binds',
      help: 'Bound SMPP sessions by account',
      labelNames: ['account'],
      registers,
      collect() {
        this.reset();
        for (const b of self.sources?.binds() ?? []) this.set({ account: b.account }, b.count);
      },
    });
    new Gauge({
      name: 'smscd_smpp_receipts',
      help: 'SMPP receipts owed to clients (state="pending"); totals sent are smscd_smpp_receipts_sent_total',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(self.sources?.receipts() ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'smscd_outbox',
      help: 'Forwarding outbox rows by target: pending (the depth) and failed (given up, until retried); deliveries are smscd_forwards_total',
      labelNames: ['target', 'state'],
      registers,
      collect() {
        this.reset();
        for (const o of self.sources?.outbox() ?? []) this.set({ target: o.target, state: o.state }, o.count);
      },
    });
  }

  /** Event-loop delay since the previous scrape (see eventLoopDelayGauge). */
  readonly eventLoopDelay = eventLoopDelayGauge(this.registry);

  /** Connects the scrape-time gauges to their sources. */
  setSources(sources: GaugeSources): void {
    this.sources = sources;
  }
}

/**
 * `smscd_event_loop_delay_seconds{stat="p50"|"p99"|"max"}`: the event-loop delay since the
 * previous scrape, reset at each (as prom-client's own nodejs_eventloop_lag gauges are). The
 * monitor starts at the first scrape, so an App that is never scraped runs no timer; that first
 * scrape reports nothing.
 */
/** ms between the event-loop delay monitor's samples. */
const LOOP_RESOLUTION_MS = 10;

function eventLoopDelayGauge(registry: Registry): Gauge<'stat'> {
  let monitor: IntervalHistogram | null = null;
  return new Gauge({
    name: 'smscd_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, by stat (p50, p99, max)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      this.reset();
      if (!monitor) {
        monitor = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
        monitor.enable();
        return;
      }
      if (monitor.count > 0) {
        // The histogram holds the time between the sampling timer's runs (ns), so the sampling
        // interval itself is taken off: what is left is the delay.
        const delay = (ns: number): number => Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000);
        this.set({ stat: 'p50' }, delay(monitor.percentile(50)));
        this.set({ stat: 'p99' }, delay(monitor.percentile(99)));
        this.set({ stat: 'max' }, delay(monitor.max));
      }
      monitor.reset();
    },
  });
}
