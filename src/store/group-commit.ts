/**
 * Group commit: writes that arrive within one turn of the event loop go into one transaction,
 * and each caller is told its result only after that transaction has committed. With
 * `synchronous=FULL` one fsync then covers hundreds of rows (DESIGN.md "Choices already made").
 */

/** Called once a queued write has committed (or failed with the whole group). */
export type Done<R> = (err: Error | null, result?: R) => void;

/** Batches writes into one transaction per event-loop turn. */
export class GroupCommitter<T, R> {
  private items: T[] = [];
  private callbacks: Array<Done<R>> = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param writeAll writes every item inside one transaction and returns one result per item;
   *   it must throw (and roll back) rather than commit part of the group.
   * @param maxRows most items per transaction; more wait for the next one.
   */
  constructor(
    private readonly writeAll: (items: T[]) => R[],
    private readonly maxRows: number,
    /** Told about a callback that threw; the other callbacks of the group still run. */
    private readonly onCallbackError: (err: unknown) => void = (err) => console.error(err),
  ) {}

  /** Queues one write; `done` runs after the commit. */
  add(item: T, done: Done<R>): void {
    this.items.push(item);
    this.callbacks.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate runs after the I/O callbacks of this turn: everything read from every
      // socket in this turn joins the same transaction.
      setImmediate(() => this.flush());
    }
  }

  /** Items queued and not yet committed. */
  get pending(): number {
    return this.items.length;
  }

  /** Resolves once nothing is queued. */
  idle(): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    while (this.items.length > 0) {
      const items = this.items.splice(0, this.maxRows);
      const callbacks = this.callbacks.splice(0, items.length);
      let results: R[] | null = null;
      let failure: Error | null = null;
      try {
        results = this.writeAll(items);
      } catch (err) {
        failure = err as Error;
      }
      for (let i = 0; i < callbacks.length; i++) {
        try {
          callbacks[i]!(failure, results?.[i]);
        } catch (err) {
          this.onCallbackError(err);
        }
      }
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
