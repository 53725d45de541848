/**
 * Prometheus metrics (prom-client), one registry per App. Counters and histograms are moved by
 * the components that see the events; gauges (binds, owed receipts, outbox depth) are read from
 * their source when /metrics is scraped, so they cannot drift.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the scrape-time gauges read from. */
export interface GaugeSources {
  /** bound sessions by account systemId */
  binds(): Array<{ account: string; count: number }>;
  /** owed SMPP receipts by state */
  receipts(): Record<string, number>;
  /** outbox rows by target name and state */
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
      help: 'SMPP receipts by state (pending = owed to the client)',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(self.sources?.receipts() ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'smscd_outbox',
      help: 'Forwarding outbox rows by target and state (pending = depth)',
      labelNames: ['target', 'state'],
      registers,
      collect() {
        this.reset();
        for (const o of self.sources?.outbox() ?? []) this.set({ target: o.target, state: o.state }, o.count);
      },
    });
  }

  /** Connects the scrape-time gauges to their sources. */
  setSources(sources: GaugeSources): void {
    this.sources = sources;
  }
}
