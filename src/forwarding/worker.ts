/**
 * The forwarding worker (Svix-style named steps): claimDue → prepare → send → onSuccess | onFailure.
 *
 * - Rows are claimed with a lease in one UPDATE … RETURNING; a crash leaves leases that expire and
 *   are claimed again, so every event is delivered at least once. While this worker holds a row
 *   (queued or in progress) its lease is renewed, so a slow target's rows are not claimed twice.
 * - Only the oldest pending row of each (message, target) can be claimed: events of one message
 *   reach a target in order.
 * - Each target has at most `forwarding.concurrency` deliveries in progress.
 * - Every attempt is recorded (outcome, code, excerpt, duration); outcomes are committed in groups.
 */
import type { Statement } from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { BUSY_RETRY_MS, GroupCommitter, isBusy } from '../store/group-commit.js';
import type { ClaimedForwards, ForwardHandOff } from '../delivery/record-status.js';
import type { ClaimedRow } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { TargetRow } from '../store/targets.js';
import { buildDocument, type EventDocument, type EventFacts } from './formats/document.js';
import { encodeDocument } from './formats/encode.js';
import { Fifo } from './fifo.js';
import { retryDelayMs } from './retry-policy.js';
import type { Delivery, DeliveryResult, Target, TargetSpec } from './targets/target.js';

/** Rows claimed per round. */
const CLAIM_BATCH = 500;
/** Claim again when fewer than this many rows wait in memory. */
const LOW_WATER = 250;
/**
 * Rows are taken straight from the delivery transaction (leaseFor) only while fewer than this
 * many wait in memory; beyond it a slow target's rows wait in the outbox, not in memory.
 */
const HAND_OFF_MAX_QUEUED = 2000;
/** Longest sleep between looks for due rows (ms); pokes normally come first. */
const MAX_SLEEP_MS = 1000;
/** Longest wait between tries while another connection holds the write lock (ms). */
const MAX_BUSY_RETRY_MS = 50;

/** Builds a connected target from its stored spec. */
export type TargetFactory = (spec: TargetSpec) => Target;

/** A row of ForwardingWorker.readFacts, in its column order. */
type FactsRow = [
  eventId: number,
  status: string,
  errorCode: number,
  occurredAt: number,
  messageId: number,
  messageType: 'sms' | 'whatsapp',
  channel: string,
  account: string,
  clientRef: string | null,
  sourceAddr: string,
  destAddr: string,
  submittedAt: number,
  partNumber: number | null,
  partCount: number | null,
  transferId: string | null,
  replyMessageId: string | null,
  replySubject: string | null,
];

/** A claimed row with its encoded delivery. */
interface Prepared {
  row: ClaimedRow;
  delivery: Delivery;
  /** When its lease ends (ms since epoch); renewed while the row waits or is in progress. */
  leaseUntil: number;
}

/** What happened to one prepared delivery. */
type Settled = { prepared: Prepared; result: DeliveryResult };

interface TargetState {
  row: TargetRow;
  target: Target;
  queue: Fifo<Prepared>;
  inFlight: number;
}

/** Delivers outbox rows to their targets. */
export class ForwardingWorker implements ForwardHandOff {
  private readonly targets = new Map<number, TargetState>();
  private readonly outcomes: GroupCommitter<Settled, undefined>;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private stopped = false;
  private queued = 0;
  /** The last wait before claiming again while the write lock was taken (ms); 0 when not busy. */
  private busyRetryMs = 0;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private factsStmt: Statement<[string], FactsRow> | undefined;
  /** Claimed rows this worker holds (queued or in progress), by outbox id. */
  private readonly held = new Map<number, Prepared>();
  private renewTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly config: Config['forwarding'],
    private readonly makeTarget: TargetFactory,
    private readonly idPrefix: string,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    private readonly random: () => number = Math.random,
  ) {
    this.outcomes = new GroupCommitter<Settled, undefined>(
      (items) => store.transaction(() => items.map((s) => this.onSettled(s))),
      2000,
      (err) => log.error({ err }, 'forwarding outcome callback failed'),
      store.turn,
    );
  }

  start(): void {
    this.reloadTargets();
    this.poke();
    // A quarter of the lease: a renewal refused (the write lock busy) is tried again in time.
    this.renewTimer = setInterval(() => this.renewLeases(), Math.max(1000, (this.config.leaseSec * 1000) / 4));
    this.renewTimer.unref();
  }

  /**
   * Extends the leases of held rows whose lease is half gone. A slow target (one connection, long
   * answers, a long timeout) can keep rows in the queue or in progress longer than a lease; once
   * it ended, the next claim would take the row again and send it twice, out of order.
   */
  private renewLeases(): void {
    if (this.stopped || this.held.size === 0) return;
    const now = Date.now();
    const leaseMs = this.config.leaseSec * 1000;
    const due = [...this.held.values()].filter((p) => p.leaseUntil < now + leaseMs / 2);
    if (due.length === 0) return;
    try {
      this.store.writeWithoutWaiting(() => this.store.outbox.renew(due.map((p) => p.row.id), now + leaseMs));
      for (const p of due) p.leaseUntil = now + leaseMs;
    } catch (err) {
      // Busy (the checkpoint, a CLI command): the next tick tries again, a quarter lease later.
      if (!isBusy(err)) this.log.warn({ err }, 'could not renew delivery leases; trying again');
    }
  }

  /**
   * ForwardHandOff: a row to `targetId` recorded now is claimed as it is inserted and given to
   * takeClaimed after its commit, when the target is known and enabled and the queues are short.
   * That spares the claim's UPDATE and its search of the outbox for most rows.
   */
  leaseFor(targetId: number): number | null {
    if (this.stopped || this.queued >= HAND_OFF_MAX_QUEUED) return null;
    const state = this.targets.get(targetId);
    if (!state?.row.enabled) return null;
    return Date.now() + this.config.leaseSec * 1000;
  }

  /** Takes rows claimed as they were recorded (leaseFor), once their commit is on disk. */
  takeClaimed(claimed: ClaimedForwards): void {
    if (claimed.rows.length === 0) return;
    if (this.stopped) {
      // Closing: given back, they go out after the restart instead of when their lease ends.
      for (const row of claimed.rows) this.releaseLater(row.id);
      return;
    }
    this.enqueue(this.prepare(claimed.rows, claimed.leaseUntil));
    for (const state of this.targets.values()) this.send(state);
  }

  /** New rows may be due (an event was recorded, a row was settled, the CLI changed something). */
  poke(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.round();
    });
  }

  /** Re-reads the targets table (a CLI change): new targets connect, removed ones close. */
  reloadTargets(): void {
    const rows = new Map(this.store.targets.list().map((t) => [t.id, t]));
    for (const [id, state] of this.targets) {
      const row = rows.get(id);
      if (!row || JSON.stringify(specOf(row)) !== JSON.stringify(specOf(state.row))) {
        this.targets.delete(id);
        void state.target.close();
        for (const p of state.queue) {
          this.held.delete(p.row.id);
          this.releaseLater(p.row.id);
        }
        this.queued -= state.queue.length;
      } else {
        state.row = row;
      }
    }
    for (const [id, row] of rows) {
      if (!this.targets.has(id)) this.targets.set(id, { row, target: this.makeTarget(specOf(row)), queue: new Fifo<Prepared>(), inFlight: 0 });
    }
  }

  /** Stops claiming, waits for deliveries in progress, gives queued rows back, closes targets. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.outcomes.idle();
    try {
      this.store.transaction(() => {
        const now = Date.now();
        for (const state of this.targets.values()) for (const p of state.queue) this.store.outbox.release(p.row.id, now);
      });
    } catch (err) {
      this.log.warn({ err }, 'could not give back queued deliveries; their leases will expire');
    }
    await Promise.all([...this.targets.values()].map((s) => s.target.close()));
  }

  // ── claimDue ─────────────────────────────────────────────────────────────────────────

  private round(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queued < LOW_WATER) {
      const now = Date.now();
      const leaseUntil = now + this.config.leaseSec * 1000;
      let claimed: ClaimedRow[] = [];
      try {
        // Neither an fsync nor a wait for the write lock on the event loop (Store.writeWithoutWaiting).
        claimed = this.store.writeWithoutWaiting(() => this.store.outbox.claim(now, leaseUntil, CLAIM_BATCH));
        this.busyRetryMs = 0;
      } catch (err) {
        if (isBusy(err)) {
          // Another connection holds the write lock (the checkpoint thread, a CLI command): soon again.
          for (const state of this.targets.values()) this.send(state);
          this.retryBusy();
          return;
        }
        this.log.error({ err }, 'claiming deliveries failed; trying again');
      }
      if (claimed.length > 0) this.enqueue(this.prepare(claimed, leaseUntil));
      if (claimed.length === CLAIM_BATCH) this.poke();
    }
    for (const state of this.targets.values()) this.send(state);
    this.sleep();
  }

  /** Claims again after BUSY_RETRY_MS, doubling while the lock stays taken, up to MAX_BUSY_RETRY_MS. */
  private retryBusy(): void {
    if (this.stopped || this.scheduled) return;
    this.busyRetryMs = Math.min(MAX_BUSY_RETRY_MS, this.busyRetryMs * 2 || BUSY_RETRY_MS);
    this.timer = setTimeout(() => this.round(), this.busyRetryMs);
    this.timer.unref();
  }

  private sleep(): void {
    if (this.stopped || this.scheduled) return;
    let wait = MAX_SLEEP_MS;
    // While deliveries are in progress their outcomes come back to claim again (poke), and a row
    // due meanwhile waits at most MAX_SLEEP_MS: retries are seconds apart, and new events poke
    // for themselves. The query for the next due time cost ~5 µs a round, about one per forward
    // at full-path load.
    if (this.inFlight > 0) {
      this.timer = setTimeout(() => this.round(), wait);
      this.timer.unref();
      return;
    }
    try {
      const next = this.store.outbox.nextDue();
      if (next !== null) wait = Math.min(wait, Math.max(10, next - Date.now()));
    } catch {
      /* the store is closing */
    }
    this.timer = setTimeout(() => this.round(), wait);
    this.timer.unref();
  }

  // ── prepare ──────────────────────────────────────────────────────────────────────────

  /** Reads each event once, builds its document, encodes it per row's format. */
  private prepare(rows: ClaimedRow[], leaseUntil: number): Prepared[] {
    const facts = this.readFacts([...new Set(rows.map((r) => r.eventId))]);
    const docs = new Map<number, EventDocument>();
    const out: Prepared[] = [];
    for (const row of rows) {
      const f = facts.get(row.eventId);
      if (!f) {
        // The message is gone (its account was removed): nothing can be sent.
        this.outcomes.add({ prepared: { row, delivery: placeholder(row), leaseUntil }, result: { outcome: 'failed', code: 'ENOEVENT', reason: 'event or message no longer exists', durationMs: 0 } }, () => undefined);
        continue;
      }
      let doc = docs.get(row.eventId);
      if (!doc) docs.set(row.eventId, (doc = buildDocument(f, this.idPrefix)));
      out.push({
        row,
        delivery: {
          outboxId: row.id,
          notificationId: doc.notificationId,
          messageId: row.messageId,
          messageType: doc.messageType,
          status: f.status,
          account: f.account,
          format: row.format,
          body: encodeDocument(doc, row.format),
          attempt: row.attempt,
          reply: f.reply,
        },
        leaseUntil,
      });
    }
    return out;
  }

  private readFacts(eventIds: number[]): Map<number, EventFacts & { reply: Delivery['reply'] }> {
    const out = new Map<number, EventFacts & { reply: Delivery['reply'] }>();
    if (eventIds.length === 0) return out;
    // One statement for any batch (the ids go in as a JSON array), its rows as arrays: built as
    // objects, 17 named columns cost 20 µs a row, twice the row's whole read as an array
    // (better-sqlite3 sets each key on a fresh object; profile of bench:forward, issue 7).
    this.factsStmt ??= this.store.db
      .prepare<[string], FactsRow>(
        `SELECT e.id, e.status, e.error_code, e.occurred_at, m.id, m.message_type, m.channel,
                coalesce(a.system_id, '#' || m.account_id), m.client_ref, m.source_addr, m.dest_addr,
                m.submitted_at, m.part_number, m.part_count, m.transfer_id, m.reply_message_id, m.reply_subject
         FROM status_events e JOIN messages m ON m.id = e.message_id LEFT JOIN accounts a ON a.id = m.account_id
         WHERE e.id IN (SELECT value FROM json_each(?))`,
      )
      .raw(true);
    for (const r of this.factsStmt.all(JSON.stringify(eventIds))) {
      const [eventId, status, errorCode, occurredAt, messageId, messageType, channel, account, clientRef, sourceAddr, destAddr, submittedAt, partNumber, partCount, transferId, replyId, replySubject] = r;
      out.set(eventId, {
        eventId,
        status,
        errorCode,
        occurredAt,
        messageId: String(messageId),
        transferId,
        messageType,
        channel,
        account,
        clientRef,
        sourceAddr,
        destAddr,
        submittedAt,
        partNumber,
        partCount,
        reply: replyId === null ? null : { messageId: replyId, subject: replySubject },
      });
    }
    return out;
  }

  private enqueue(prepared: Prepared[]): void {
    for (const p of prepared) {
      // Held already: claimed again after its lease ended (renewal refused for a whole lease).
      // The copy held is sent; a second one would go out twice, out of order.
      if (this.held.has(p.row.id)) {
        this.log.warn({ outboxId: p.row.id }, 'a held delivery was claimed again after its lease ended; sent once');
        continue;
      }
      const state = this.targets.get(p.row.targetId);
      if (!state) {
        this.reloadTargets();
      }
      const target = this.targets.get(p.row.targetId);
      if (!target) {
        this.releaseLater(p.row.id);
        continue;
      }
      target.queue.push(p);
      this.held.set(p.row.id, p);
      this.queued++;
    }
  }

  // ── send ─────────────────────────────────────────────────────────────────────────────

  private send(state: TargetState): void {
    while (!this.stopped && state.inFlight < this.config.concurrency && state.queue.length > 0) {
      const batch = state.queue.take(state.target.maxBatch);
      this.queued -= batch.length;
      state.inFlight++;
      this.inFlight++;
      state.target
        .deliver(batch.map((p) => p.delivery))
        .catch((err: unknown): DeliveryResult[] =>
          // A target must not reject; if one does, treat it as a network failure.
          batch.map(() => ({ outcome: 'retry', code: 'EINTERNAL', reason: err instanceof Error ? err.message : String(err), durationMs: 0 })),
        )
        .then((results) => {
          state.inFlight--;
          this.inFlight--;
          batch.forEach((prepared, i) => {
            this.held.delete(prepared.row.id);
            const result = results[i] ?? { outcome: 'retry', code: 'EINTERNAL', reason: 'no result from target', durationMs: 0 };
            this.outcomes.add({ prepared, result }, () => this.poke());
          });
          if (this.inFlight === 0 && this.stopped) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
          this.send(state);
        });
    }
  }

  // ── onSuccess | onFailure (inside the outcome transaction) ───────────────────────────

  private onSettled({ prepared, result }: Settled): undefined {
    const { row } = prepared;
    const now = Date.now();
    const outbox = this.store.outbox;
    const durationMs = Math.round(result.durationMs);
    // The delivering attempt is kept in the outbox row (`delivered`): a statement less per forward.
    if (result.outcome !== 'delivered') {
      outbox.recordAttempt({ outboxId: row.id, attempt: row.attempt, at: now, durationMs, outcome: result.outcome, code: result.code, excerpt: result.excerpt ?? result.reason });
    }
    // Made only when something is logged: a child logger per delivered row cost more than its write.
    const log = (): Logger => this.log.child({ outboxId: row.id, messageId: row.messageId, targetId: row.targetId, attempt: row.attempt });
    const targetName = this.targets.get(row.targetId)?.row.kind === 'callback' ? 'callback' : (this.targets.get(row.targetId)?.row.name ?? String(row.targetId));
    this.metrics?.forwards.inc({ target: targetName, result: result.outcome });
    this.metrics?.forwardLatency.observe({ target: targetName }, result.durationMs / 1000);
    switch (result.outcome) {
      case 'delivered':
        outbox.delivered(row.id, result.code, now, durationMs, result.excerpt ?? null);
        return undefined;
      case 'failed':
        log().warn({ code: result.code, reason: result.reason }, 'delivery failed for good');
        outbox.failed(row.id, result.code, result.reason, now);
        return undefined;
      case 'disable': {
        const reason = `${result.code}: ${result.reason}`;
        log().warn({ code: result.code }, 'the receiver asked to stop: target disabled');
        this.store.targets.setEnabled(row.targetId, false, reason, now);
        // The row waits (pending) until the target is enabled again.
        outbox.retryAt(row.id, now, result.code, result.reason);
        const state = this.targets.get(row.targetId);
        if (state) state.row = { ...state.row, enabled: false, disabledReason: reason };
        return undefined;
      }
      case 'retry': {
        const delay = retryDelayMs(this.config.retrySchedule, this.config.retryJitter, row.attempt, result.retryAfterMs, this.random);
        if (delay === null) {
          log().warn({ code: result.code, reason: result.reason }, 'delivery failed: retries exhausted');
          outbox.failed(row.id, result.code, `retries exhausted: ${result.reason}`, now);
        } else {
          log().info({ code: result.code, reason: result.reason, retryInMs: delay }, 'delivery failed; will retry');
          outbox.retryAt(row.id, now + delay, result.code, result.reason);
        }
        return undefined;
      }
    }
  }

  private releaseLater(outboxId: number): void {
    try {
      this.store.outbox.release(outboxId, Date.now());
    } catch (err) {
      this.log.warn({ err, outboxId }, 'could not give back a delivery; its lease will expire');
    }
  }
}

function specOf(row: TargetRow): TargetSpec {
  return { id: row.id, name: row.name, type: row.type, url: row.url, to: row.to, queueUrl: row.queueUrl, format: row.format, secret: row.secret };
}

function placeholder(row: ClaimedRow): Delivery {
  return { outboxId: row.id, notificationId: '', messageId: row.messageId, messageType: '', status: '', account: '', format: row.format, body: '', attempt: row.attempt };
}
