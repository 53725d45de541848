/**
 * The load test (SPEC §8 `smscd loadtest`): binds N transceiver sessions to any SMPP 3.4 SMSC,
 * submits with a window per bind at an optional rate shared by all binds, answers and matches
 * every receipt, and stops by itself once the submits are done and every owed receipt came or
 * its timeout passed.
 *
 * The event loop stays honest: one housekeeping interval (response and receipt timeouts,
 * enquire_link, progress), one timer for the rate and one for the duration, never a timer per
 * message. Memory is bounded by what is in flight: the window per bind, and the ids awaiting a
 * receipt (at most rate × receipt timeout).
 */
import { statusName } from '../smpp/command-status.js';
import { commandId, type Pdu } from '../smpp/pdu-codec.js';
import { EsmeSession } from './esme-session.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LoadtestError } from './loadtest-error.js';
import { resolveLoadtestOptions, type LoadtestInput, type LoadtestOptions } from './loadtest-options.js';
import type { LoadtestReport } from './loadtest-report.js';
import { parseReceipt } from './receipt-info.js';
import { ReceiptMatcher } from './receipt-matcher.js';
import { SubmitPacer } from './submit-pacer.js';
import { SubmitTemplate } from './submit-template.js';

/** Counters while a run goes on, for a progress display. */
export interface LoadtestProgress {
  /** 'submitting' until the count or duration is reached, then 'waiting' for responses and receipts. */
  phase: 'submitting' | 'waiting';
  submitted: number;
  accepted: number;
  refused: number;
  /** submit_sm awaiting their response, over all binds. */
  inFlight: number;
  /** Accepted messages whose final receipt is still awaited. */
  awaitingReceipts: number;
  /** Matched receipts (final and intermediate). */
  receipts: number;
  /** ms since the first submit_sm. */
  elapsedMs: number;
  /** submit_sm per second over about the last second. */
  currentRate: number;
}

/** Optional observers of a run. */
export interface LoadtestHooks {
  /** Called about five times a second while the run goes on. */
  onProgress?: (progress: LoadtestProgress) => void;
  /** Aborting stops the run at once: nothing outstanding is waited for; the report says `interrupted`. */
  signal?: AbortSignal;
}

/** How long a submit_sm may wait for its response before it counts as unanswered, ms. */
const RESPONSE_TIMEOUT_MS = 30_000;
/** Housekeeping interval, ms. */
const TICK_MS = 200;
/** enquire_link on every bind this often, so an SMSC with an idle timeout keeps the binds while we wait for receipts, ms. */
const ENQUIRE_LINK_MS = 30_000;
/** interface_version 3.4 (SMPP 3.4 §5.2.4): we assume nothing later. */
const INTERFACE_VERSION_34 = 0x34;
/** Ticks over which the current rate is averaged (about 1 s). */
const RATE_TICKS = 5;

/** One bound session and its submits in flight. */
interface Bind {
  index: number;
  session: EsmeSession;
  /** sequence_number → performance.now() when sent, in send order. */
  inFlight: Map<number, number>;
  /** Waiting for the socket's 'drain' before writing more. */
  draining: boolean;
}

const SUBMIT_SM_RESP = commandId('submit_sm_resp');

/** Runs a load test and resolves with its report; rejects with a UsageError for bad settings, a LoadtestError when it cannot run or finish. */
export async function runLoadtest(input: LoadtestInput, hooks: LoadtestHooks = {}): Promise<LoadtestReport> {
  const options = resolveLoadtestOptions(input);
  const run = new LoadRun(options);
  const sessions: EsmeSession[] = [];
  try {
    for (let i = 0; i < options.binds; i++) sessions.push(new EsmeSession(options));
    const bound = await Promise.allSettled(sessions.map((session, i) => session.bind({ ...options, interfaceVersion: INTERFACE_VERSION_34 }, i)));
    const failure = bound.find((b): b is PromiseRejectedResult => b.status === 'rejected');
    if (failure) throw new LoadtestError(bindFailure(failure.reason, options));
    return await run.run(sessions, hooks);
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

/** One line for a failed connect or bind, with a hint for a certificate that did not verify. */
function bindFailure(reason: unknown, options: LoadtestOptions): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  if (options.tls && !options.insecure && /certificate|self[- ]signed/i.test(message)) {
    return `${message} (--insecure accepts a certificate that does not verify)`;
  }
  return message;
}

/** The submit loop and the counters of one run. */
class LoadRun {
  /** Made when submitting starts, so tokens do not pile up while binding. */
  private pacer = new SubmitPacer(null);
  private readonly matcher = new ReceiptMatcher();
  private readonly submitLatency = new LatencyHistogram();
  private readonly receiptLatency = new LatencyHistogram();
  private readonly expectsReceipts: boolean;
  private readonly template: SubmitTemplate;
  private binds: Bind[] = [];
  private submitted = 0;
  private accepted = 0;
  private refusedTotal = 0;
  private readonly refused: Record<string, number> = {};
  private unanswered = 0;
  private otherDeliverSm = 0;
  private submitting = true;
  private finished = false;
  private interrupted = false;
  private startedAt = 0;
  private lastResponseAt = 0;
  private lastFinalReceiptAt: number | null = null;
  private lastEnquireAt = 0;
  /** The next bind to offer a submit to, so submits spread evenly. */
  private next = 0;
  private pacerTimer: NodeJS.Timeout | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private tick: NodeJS.Timeout | null = null;
  /** submitted at the last RATE_TICKS ticks, for the current rate. */
  private readonly rateSamples: Array<{ at: number; submitted: number }> = [];
  private unlisten: (() => void) | null = null;
  private onProgress: ((progress: LoadtestProgress) => void) | null = null;
  private settle: { resolve: (r: LoadtestReport) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: LoadtestOptions) {
    this.expectsReceipts = options.registeredDelivery !== 0;
    this.template = new SubmitTemplate(options);
  }

  /** Submits on the bound sessions until done; resolves with the report. */
  run(sessions: EsmeSession[], hooks: LoadtestHooks): Promise<LoadtestReport> {
    return new Promise<LoadtestReport>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.onProgress = hooks.onProgress ?? null;
      this.binds = sessions.map((session, index) => this.watch(session, index));
      this.pacer = new SubmitPacer(this.options.rate);
      this.startedAt = performance.now();
      this.lastResponseAt = this.startedAt;
      this.lastEnquireAt = this.startedAt;
      if (hooks.signal) {
        const signal = hooks.signal;
        const onAbort = (): void => this.interrupt();
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      if (this.options.durationMs !== null) {
        this.durationTimer = setTimeout(() => this.stopSubmitting(), this.options.durationMs);
      }
      this.tick = setInterval(() => this.housekeeping(), TICK_MS);
      if (hooks.signal?.aborted) this.interrupt();
      this.pump();
      this.checkDone();
    });
  }

  /** Counts a deliver_sm or data_sm before it is answered. */
  onDeliver(pdu: Pdu): void {
    // A throw here would wedge the session (see the package notes): end the run with it instead.
    try {
      const info = parseReceipt(pdu);
      if (!info.isReceipt) {
        this.otherDeliverSm += 1;
        return;
      }
      const now = performance.now();
      const latency = this.matcher.receipt(info, now);
      if (latency !== null) this.receiptDone(now, latency);
      this.checkDone();
    } catch (err) {
      this.fail(`could not read a deliver_sm: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private watch(session: EsmeSession, index: number): Bind {
    const b: Bind = { index, session, inFlight: new Map(), draining: false };
    // Receipts may come as deliver_sm or data_sm (SMPP 3.4 §4.7); the session answers both.
    session.handlers = { onResponse: (pdu) => this.onResponse(b, pdu), onDeliver: (pdu) => this.onDeliver(pdu) };
    session.socket.on('close', () => {
      const where = `${this.options.host}:${this.options.port}`;
      if (session.unreadable) this.fail(`bind ${index + 1} to ${where} was closed: ${session.unreadable}`);
      else if (session.unbound) this.fail(`bind ${index + 1} was unbound by ${where}`);
      else this.fail(`bind ${index + 1} was closed by ${where}${session.lastError ? `: ${session.lastError.message}` : ''}`);
    });
    return b;
  }

  /** Sends submit_sm while a bind has room in its window and the rate allows. */
  private pump(): void {
    while (this.submitting && !this.finished) {
      if (this.options.count !== null && this.submitted >= this.options.count) {
        this.stopSubmitting();
        return;
      }
      const b = this.bindWithRoom();
      if (!b) return; // a response or a 'drain' calls pump again
      if (!this.pacer.take()) {
        this.schedulePacer();
        return;
      }
      this.send(b);
    }
  }

  private bindWithRoom(): Bind | null {
    const n = this.binds.length;
    for (let k = 0; k < n; k++) {
      const b = this.binds[(this.next + k) % n]!;
      if (!b.draining && b.inFlight.size < this.options.window) {
        this.next = (this.next + k + 1) % n;
        return b;
      }
    }
    return null;
  }

  private schedulePacer(): void {
    if (this.pacerTimer) return;
    // At least 1 ms: a shorter timer fires at 1 ms anyway.
    this.pacerTimer = setTimeout(() => {
      this.pacerTimer = null;
      this.pump();
    }, Math.max(1, this.pacer.waitMs()));
  }

  private send(b: Bind): void {
    const sentAt = performance.now();
    const sequence = b.session.submit(this.template);
    if (sequence === null) {
      this.fail(`bind ${b.index + 1}: the connection to ${this.options.host}:${this.options.port} is no longer writable`);
      return;
    }
    b.inFlight.set(sequence, sentAt);
    this.submitted += 1;
    // Wait for 'drain' rather than queue in memory.
    if (b.session.needsDrain) {
      b.draining = true;
      b.session.socket.once('drain', () => {
        b.draining = false;
        this.pump();
      });
    }
  }

  private onResponse(b: Bind, pdu: Pdu): void {
    const sentAt = b.inFlight.get(pdu.sequence);
    // Not ours, or answered after it was given up as unanswered.
    if (sentAt === undefined) return;
    b.inFlight.delete(pdu.sequence);
    const now = performance.now();
    this.lastResponseAt = now;
    this.submitLatency.record(now - sentAt);
    if (pdu.commandId === SUBMIT_SM_RESP && pdu.status === 0) {
      this.accepted += 1;
      const id = pdu.fields['message_id'];
      if (this.expectsReceipts && typeof id === 'string' && id !== '') {
        for (const latency of this.matcher.accepted(id, sentAt)) this.receiptDone(sentAt + latency, latency);
      }
    } else {
      // A generic_nack always carries an error; one with 0 is still no acceptance.
      const name = pdu.status === 0 ? 'generic_nack' : statusName(pdu.status);
      this.refused[name] = (this.refused[name] ?? 0) + 1;
      this.refusedTotal += 1;
    }
    this.pump();
    this.checkDone();
  }

  private receiptDone(at: number, latency: number): void {
    this.receiptLatency.record(latency);
    this.lastFinalReceiptAt = Math.max(this.lastFinalReceiptAt ?? at, at);
  }

  private housekeeping(): void {
    const now = performance.now();
    for (const b of this.binds) {
      // In send order, so the oldest come first.
      for (const [sequence, sentAt] of b.inFlight) {
        if (now - sentAt < RESPONSE_TIMEOUT_MS) break;
        b.inFlight.delete(sequence);
        this.unanswered += 1;
      }
    }
    if (this.expectsReceipts) this.matcher.expire(now - this.options.receiptTimeoutMs);
    if (now - this.lastEnquireAt >= ENQUIRE_LINK_MS) {
      this.lastEnquireAt = now;
      for (const b of this.binds) b.session.enquireLink();
    }
    this.rateSamples.push({ at: now, submitted: this.submitted });
    if (this.rateSamples.length > RATE_TICKS) this.rateSamples.shift();
    this.onProgress?.(this.progress(now));
    this.pump();
    this.checkDone();
  }

  private progress(now: number): LoadtestProgress {
    const first = this.rateSamples[0];
    const span = first ? now - first.at : 0;
    return {
      phase: this.submitting ? 'submitting' : 'waiting',
      submitted: this.submitted,
      accepted: this.accepted,
      refused: this.refusedTotal,
      inFlight: this.inFlight(),
      awaitingReceipts: this.matcher.awaitingCount,
      receipts: this.matcher.snapshot().finals + this.matcher.snapshot().intermediates,
      elapsedMs: now - this.startedAt,
      currentRate: first && span > 0 ? ((this.submitted - first.submitted) * 1000) / span : 0,
    };
  }

  private inFlight(): number {
    return this.binds.reduce((n, b) => n + b.inFlight.size, 0);
  }

  private stopSubmitting(): void {
    this.submitting = false;
    this.checkDone();
  }

  private interrupt(): void {
    this.interrupted = true;
    this.submitting = false;
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finished || this.submitting) return;
    if (!this.interrupted && (this.inFlight() > 0 || (this.expectsReceipts && this.matcher.awaitingCount > 0))) return;
    this.finished = true;
    this.wrapUp();
    const report = this.report();
    // After the current event: a receipt that ended the run is answered before the unbind is sent.
    setImmediate(() => this.settle?.resolve(report));
  }

  private fail(message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.wrapUp();
    this.settle?.reject(new LoadtestError(message, this.report()));
  }

  /** Stops the timers and shows the final counts. */
  private wrapUp(): void {
    this.onProgress?.(this.progress(performance.now()));
    if (this.tick) clearInterval(this.tick);
    if (this.pacerTimer) clearTimeout(this.pacerTimer);
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.tick = this.pacerTimer = this.durationTimer = null;
    this.unlisten?.();
    this.unlisten = null;
  }

  private report(): LoadtestReport {
    const o = this.options;
    const now = performance.now();
    const counts = this.matcher.snapshot();
    const rd = o.registeredDelivery;
    const owed = rd === 1 || rd === 17 ? this.accepted : rd === 0 ? 0 : null;
    const submitMs = this.lastResponseAt - this.startedAt;
    const receiptSpan = this.lastFinalReceiptAt === null ? 0 : this.lastFinalReceiptAt - this.startedAt;
    const missing = owed === null ? null : Math.max(0, owed - counts.finals);
    return {
      target: `${o.host}:${o.port}`,
      tls: o.tls,
      binds: o.binds,
      window: o.window,
      registeredDelivery: rd,
      rateLimit: o.rate,
      submitted: this.submitted,
      accepted: this.accepted,
      refused: { ...this.refused },
      unanswered: this.unanswered + (this.interrupted ? this.inFlight() : 0),
      receipts: counts.byStat,
      receiptsExpected: owed,
      receiptsMissing: missing,
      intermediateReceipts: counts.intermediates,
      unmatchedReceipts: counts.unmatched,
      duplicateReceipts: counts.duplicates,
      lateReceipts: counts.late,
      receiptsWithoutId: counts.withoutId,
      otherDeliverSm: this.otherDeliverSm,
      submitMs: round(submitMs),
      totalMs: round(now - this.startedAt),
      submitRate: submitMs > 0 ? round((this.accepted * 1000) / submitMs) : 0,
      receiptRate: receiptSpan > 0 ? round((counts.finals * 1000) / receiptSpan) : null,
      latencyMs: { submitResponse: this.submitLatency.summary(), receipt: this.receiptLatency.summary() },
      interrupted: this.interrupted,
      complete: !this.interrupted && this.unanswered === 0 && this.inFlight() === 0 && (missing ?? 0) === 0,
    };
  }
}

/** To 0.001 (µs for ms values): enough for a report, stable in JSON. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
