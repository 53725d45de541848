/**
 * Turns the simulator's stored timers into status events when they fall due. Timers live in
 * the `sim_*` columns of `messages`, so after a restart `start()` picks up every pending delivery
 * (the repository queues them in due order in memory).
 *
 * A run is a member of the store's CommitTurn: due deliveries are recorded in the same
 * transaction as the submits of that turn, so one commit and one flush serve both. (With the
 * flush inline in COMMIT this once made submits wait for delivery work; with the flush off the
 * event loop, a transaction of its own would cost a second flush per cycle, which submits wait
 * for just the same.) The turn commits only when no flush is running, and the recorded statuses
 * are announced (receipts, forwards) only once flushed — after the submit_sm_resp of the same
 * turn, so a receipt never precedes its response.
 */
import type { Logger } from '../log.js';
import type { TurnMember } from '../store/group-commit.js';
import type { DueDelivery } from '../store/simulated-deliveries.js';
import type { Store } from '../store/store.js';
import type { ClaimedForwards, RecordedStatus, StatusRecorder } from './record-status.js';

/** Most timers handled in one transaction. */
const BATCH = 2000;
/** Longest sleep between checks (ms): a safety net, wake() normally comes first. */
const MAX_SLEEP_MS = 60_000;
/**
 * Shortest time between two runs (ms). Deliveries due a millisecond apart would otherwise join
 * every turn's transaction; waiting this long gathers them into fewer, larger ones, at the cost
 * of a delay no simulated network would notice. A run holds the event loop for its whole batch
 * (at 5,000 submits/s with receipts, 10 ms gathered 1.2–2 ms of work, sometimes 3–6): 5 ms halves
 * that. Alternated bench:latency runs: p99 18.2 / 13.1 / 18.0 ms at 5 ms against 28.9 / 13.8 /
 * 15.4 at 10 ms, bench:receipts 19.3k / 18.1k against 16.2k / 17.7k per second — within the
 * noise of this machine, but not worse.
 */
export const MIN_RUN_INTERVAL_MS = 5;
/**
 * How often a run saves the timers' restart mark (SimulatedDeliveryRepository.saveMark): a
 * restart reads `messages` from there on to queue the pending timers. Saving costs a scan of the
 * queue and one row written; a mark this old only makes that read a little longer.
 */
const MARK_INTERVAL_MS = 10_000;

/** Runs due simulator steps. */
export class DeliveryScheduler implements TurnMember {
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private lastRunAt = 0;
  /** When the restart mark was last saved (ms since epoch; 0: not yet, so the first run saves it). */
  private markSavedAt = 0;
  /**
   * Steps of runs not yet settled: off the queue, and back in it if their commit fails. The
   * restart mark must not pass them (a crash before the put-back would leave them behind it).
   */
  private readonly unsettled = new Set<DueDelivery[]>();
  private stopped = false;
  /** Joined the store's CommitTurn and not yet written. */
  private joined = false;

  constructor(
    private readonly store: Store,
    private readonly recorder: StatusRecorder,
    /**
     * Told, after each commit is on disk, what was recorded (the receipt pusher listens) and which
     * outbox rows were claimed for the forwarding worker as they were recorded (it must take them).
     * Once stopped, only the claimed rows are told (with nothing recorded).
     */
    private readonly onRecorded: (recorded: RecordedStatus[], claimed: ClaimedForwards) => void,
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
    if (this.stopped || this.joined || at >= this.wakeAt) return;
    this.wakeAt = at;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wait = at - Date.now();
    if (wait <= 0) this.join();
    else this.timer = setTimeout(() => this.join(), Math.min(wait, MAX_SLEEP_MS));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private join(): void {
    this.timer = null;
    this.wakeAt = Infinity;
    if (this.stopped || this.joined) return;
    this.joined = true;
    this.store.turn.schedule(this);
  }

  /** @internal Driven by the CommitTurn: records what is due, inside the turn's transaction. */
  writeQueued(): (commitError: Error | null) => void {
    this.joined = false;
    const now = Date.now();
    this.lastRunAt = now;
    let recorded: RecordedStatus[] = [];
    let due: DueDelivery[] = [];
    const claimed: ClaimedForwards = { rows: [], leaseUntil: Infinity };
    let failure: Error | null = null;
    try {
      // A savepoint of its own: if this throws, the submits of the turn still commit.
      recorded = this.store.transaction(() => {
        if (now - this.markSavedAt >= MARK_INTERVAL_MS) {
          this.store.simulated.saveMark(this.lowestUnsettled());
          this.markSavedAt = now;
        }
        due = this.store.simulated.takeDue(now, BATCH);
        this.unsettled.add(due);
        const out: RecordedStatus[] = [];
        for (const step of due) {
          const intermediate = step.nextStatus !== step.finalStatus;
          const result = this.recorder.record(
            { messageId: step.messageId, status: step.nextStatus, errorCode: intermediate ? 0 : step.errorCode, origin: 'simulator', occurredAt: now },
            step.facts,
            step.receiptParts,
            // The last step: its status update removes the timer too.
            !intermediate,
            claimed,
          );
          if (result) out.push(result);
          const [next, ...rest] = step.remaining ?? [];
          if (intermediate && result && next) this.store.simulated.reschedule(step.messageId, next[0], next[1], rest);
          else if (intermediate && result) this.store.simulated.advance(step.messageId, now, step.finalDueAt);
          else if (!result) this.store.simulated.remove(step.messageId);
        }
        return out;
      });
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      // The savepoint rolled back: the steps go back in the queue now, before any later run.
      this.unsettled.delete(due);
      this.store.simulated.putBack(due);
      due = [];
    }
    const taken = due;
    return (commitError) => {
      this.unsettled.delete(taken);
      const err = commitError ?? failure;
      if (this.stopped) {
        // Stopped meanwhile (the server is closing): nothing is announced (owed receipts go out
        // after the restart), but the rows claimed for the forwarding worker are handed over all
        // the same, so it gives them back; else their leases would hold them until they end, a
        // minute after the restart. Not once the store is closed (a flush can end after that).
        if (!err && claimed.rows.length > 0 && this.store.db.open) this.onRecorded([], claimed);
        return;
      }
      if (err) {
        // The database refused (busy, full) or the flush failed: the steps go back in the
        // queue (those whose timers the commit did move or remove are skipped as stale), and it
        // tries again shortly. Its claimed rows were rolled back with it (or, if only the flush
        // failed, keep their leases and are claimed again when those end).
        this.store.simulated.putBack(taken);
        this.log.error({ err }, 'simulated delivery step failed, retrying');
        this.wake(Date.now() + 1000);
        return;
      }
      if (recorded.length > 0) this.onRecorded(recorded, claimed);
      if (taken.length === BATCH) this.wake(now);
      else {
        const next = this.store.simulated.nextDue();
        if (next !== null) this.wake(next);
      }
    };
  }

  /** The lowest message id of steps taken whose transaction has not settled, or null. */
  private lowestUnsettled(): number | null {
    let lowest: number | null = null;
    for (const steps of this.unsettled) for (const s of steps) lowest = Math.min(lowest ?? Infinity, Number(s.messageId));
    return lowest;
  }

  /** @internal The turn's transaction could not begin. */
  failQueued(err: Error): void {
    this.joined = false;
    this.log.error({ err }, 'simulated delivery step failed, retrying');
    this.wake(Date.now() + 1000);
  }
}
