/**
 * Turns the simulator's stored timers into status events when they fall due. Timers live in
 * the `sim_*` columns of `messages`, so after a restart `start()` picks up every pending delivery.
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { RecordedStatus, StatusRecorder } from './record-status.js';

/** Most timers handled in one transaction. */
const BATCH = 2000;
/** Longest sleep between checks (ms): a safety net, wake() normally comes first. */
const MAX_SLEEP_MS = 60_000;
/**
 * Shortest time between two runs (ms). Every run is a transaction, and with
 * `synchronous=FULL` every transaction an fsync that blocks the event loop; deliveries due a
 * millisecond apart would otherwise each get their own and starve the submit path. Waiting
 * this long gathers them into one transaction, at the cost of a delay no simulated network
 * would notice.
 */
export const MIN_RUN_INTERVAL_MS = 10;

/** Runs due simulator steps. */
export class DeliveryScheduler {
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private wakeAt = Infinity;
  private lastRunAt = 0;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly recorder: StatusRecorder,
    /** Told, after each commit, what was recorded (the receipt pusher listens). */
    private readonly onRecorded: (recorded: RecordedStatus[]) => void,
    private readonly log: Logger,
  ) {}

  /** Starts from whatever is pending in the database. */
  start(): void {
    const next = this.store.simulated.nextDue();
    if (next !== null) this.wake(next);
  }

  /** Makes sure a run happens no later than `dueAt` (ms since epoch), or MIN_RUN_INTERVAL_MS after the last run. */
  wake(dueAt: number): void {
    const at = Math.max(dueAt, this.lastRunAt + MIN_RUN_INTERVAL_MS);
    if (this.stopped || at >= this.wakeAt) return;
    this.wakeAt = at;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wait = at - Date.now();
    if (wait <= 0) {
      this.immediate ??= setImmediate(() => this.run());
    } else {
      this.timer = setTimeout(() => this.run(), Math.min(wait, MAX_SLEEP_MS));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  private run(): void {
    this.timer = null;
    this.immediate = null;
    this.wakeAt = Infinity;
    if (this.stopped) return;
    // Messages of a group commit still being flushed have no submit_sm_resp yet, and a receipt
    // never goes before it: run once that flush has released the answers (WalSync).
    if (this.store.walSync?.busy) return this.store.whenSettled(() => this.run());
    const now = Date.now();
    this.lastRunAt = now;
    let recorded: RecordedStatus[] = [];
    let count = 0;
    try {
      recorded = this.store.transaction(() => {
        const due = this.store.simulated.due(now, BATCH);
        count = due.length;
        const out: RecordedStatus[] = [];
        for (const step of due) {
          const intermediate = step.nextStatus !== step.finalStatus;
          const result = this.recorder.record({
            messageId: step.messageId,
            status: step.nextStatus,
            errorCode: intermediate ? 0 : step.errorCode,
            origin: 'simulator',
            occurredAt: now,
          });
          if (result) out.push(result);
          const [next, ...rest] = step.remaining ?? [];
          if (intermediate && result && next) this.store.simulated.reschedule(step.messageId, next[0], next[1], rest);
          else if (intermediate && result) this.store.simulated.advance(step.messageId, now);
          else this.store.simulated.remove(step.messageId);
        }
        return out;
      });
    } catch (err) {
      // The database refused (busy, full): nothing was changed; try again shortly.
      this.log.error({ err }, 'simulated delivery step failed, retrying');
      this.wake(Date.now() + 1000);
      return;
    }
    if (recorded.length > 0) this.onRecorded(recorded);
    if (count === BATCH) this.wake(now);
    else {
      const next = this.store.simulated.nextDue();
      if (next !== null) this.wake(next);
    }
  }
}
