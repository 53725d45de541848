/**
 * One upstream SMSC: its binds, the window and the rate over them, and slowing down when the
 * upstream says it is overloaded (ESME_RTHROTTLED, ESME_RMSGQFUL): the relay then pauses for
 * `throttleDelayMs` and halves its window and rate, and grows them back by one step per window's
 * worth of accepted submits (additive increase, multiplicative decrease).
 */
import type smpp from 'smpp';
import type { UpstreamConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { UpstreamBind, type BindListener, type SubmitAnswer } from './upstream-bind.js';

/** What the upstream tells the relay worker. */
export interface UpstreamListener {
  /** Capacity may have grown (a bind came up, a window slot freed, a pause ended). */
  onCapacity(upstream: Upstream): void;
  onDeliver(upstream: Upstream, pdu: smpp.PDU, answer: (status: number) => void): void;
}

/** The binds to one upstream, used as one. */
export class Upstream implements BindListener {
  readonly binds: UpstreamBind[] = [];
  /** Window per bind now (≤ config.window). */
  private window: number;
  /** Messages per second now (≤ config.rate); Infinity = unlimited. */
  private rate: number;
  private tokens: number;
  private refilledAt = Date.now();
  private pausedUntil = 0;
  private successes = 0;
  private wakeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: UpstreamConfig,
    private readonly listener: UpstreamListener,
    private readonly log: Logger,
  ) {
    this.window = config.window;
    this.rate = config.rate > 0 ? config.rate : Infinity;
    this.tokens = this.bucketSize();
    const types: Array<'transceiver' | 'transmitter' | 'receiver'> = config.bindType === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
    for (const type of types) {
      for (let i = 0; i < config.binds; i++) {
        this.binds.push(new UpstreamBind(config, type, i, this, log.child({ bind: `${type}-${i}` })));
      }
    }
  }

  get name(): string {
    return this.config.name;
  }

  /** Whether at least one bind can take submits. */
  get up(): boolean {
    return this.binds.some((b) => b.ready);
  }

  start(): void {
    for (const b of this.binds) b.start();
  }

  async stop(): Promise<void> {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    await Promise.all(this.binds.map((b) => b.stop()));
  }

  /** How many submits may go out now (free window slots on ready binds, tokens of the rate). */
  capacity(now = Date.now()): number {
    if (now < this.pausedUntil) {
      this.wakeAt(this.pausedUntil);
      return 0;
    }
    let free = 0;
    for (const b of this.binds) if (b.ready) free += Math.max(0, this.window - b.inFlight);
    if (free === 0 || this.rate === Infinity) return free;
    this.refill(now);
    const whole = Math.floor(this.tokens);
    if (whole === 0) this.wakeAt(now + Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    return Math.min(free, whole);
  }

  /** Sends on the ready bind with the most free window; call only within capacity(). */
  send(fields: Record<string, unknown>): Promise<SubmitAnswer> {
    let best: UpstreamBind | null = null;
    for (const b of this.binds) {
      if (!b.ready || b.inFlight >= this.window) continue;
      if (!best || b.inFlight < best.inFlight) best = b;
    }
    if (!best) return Promise.resolve({ kind: 'lost', reason: 'no bind with a free window' });
    if (this.rate !== Infinity) this.tokens -= 1;
    return best.submit(fields);
  }

  /** The upstream said it is overloaded: pause, halve window and rate. */
  throttled(now = Date.now()): void {
    const first = now >= this.pausedUntil;
    this.pausedUntil = Math.max(this.pausedUntil, now + this.config.throttleDelayMs);
    if (!first) return; // one slow-down per pause, however many answers said so
    this.window = Math.max(1, Math.floor(this.window / 2));
    if (this.rate !== Infinity) this.rate = Math.max(1, this.rate / 2);
    this.tokens = Math.min(this.tokens, this.bucketSize());
    this.successes = 0;
    this.log.info({ window: this.window, rate: this.rate === Infinity ? 0 : Math.round(this.rate), pauseMs: this.config.throttleDelayMs }, 'upstream throttled: slowing down');
    this.wakeAt(this.pausedUntil);
  }

  /** A submit was accepted: grow back towards the configured window and rate. */
  accepted(): void {
    if (this.window >= this.config.window && (this.config.rate === 0 || this.rate >= this.config.rate)) return;
    if (++this.successes < this.window) return;
    this.successes = 0;
    this.window = Math.min(this.config.window, this.window + 1);
    if (this.config.rate > 0) this.rate = Math.min(this.config.rate, this.rate + Math.max(1, this.config.rate / 20));
  }

  onReady(): void {
    this.listener.onCapacity(this);
  }

  onSlotFree(): void {
    this.listener.onCapacity(this);
  }

  onDeliver(_bind: UpstreamBind, pdu: smpp.PDU, answer: (status: number) => void): void {
    this.listener.onDeliver(this, pdu, answer);
  }

  private bucketSize(): number {
    // 50 ms worth of messages, at least one: smooth, but not one timer per message.
    return this.rate === Infinity ? Infinity : Math.max(1, this.rate / 20);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.bucketSize(), this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
  }

  /** Tells the worker to look again at `at` (ms since epoch). */
  private wakeAt(at: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.listener.onCapacity(this);
    }, Math.max(1, at - Date.now()));
  }
}
