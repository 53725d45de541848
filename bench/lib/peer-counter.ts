// The counting side of the forwarding benchmark's peers (bench/peer-*.ts): each peer counts what
// it received and reports on stdout, one JSON line at a time, so the benchmark (another process)
// can time the run without sharing the peer's CPU. A line is written at once when the count
// reaches one of the milestones the benchmark asked for (--milestones a,b,…), and otherwise at
// most every PROGRESS_MS while the count changes (for stall detection).

/** Longest gap between progress lines while the count changes (ms). */
const PROGRESS_MS = 100;

/** One line a peer writes; `ready` comes first, with whatever the benchmark needs to connect. */
export type PeerLine = { ready: true; port: number; [key: string]: unknown } | { count: number; milestone?: true };

export interface PeerCounter {
  readonly count: number;
  /** Adds `n` received items. */
  add(n?: number): void;
  /** Sets the count (peers that read a total, e.g. a queue depth). */
  set(total: number): void;
}

/** Milestones from `--milestones 2000,22000` in argv (empty when absent). */
export function milestonesFromArgv(argv: string[]): number[] {
  const i = argv.indexOf('--milestones');
  if (i < 0 || argv[i + 1] === undefined) return [];
  return argv[i + 1]!.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
}

export function writeLine(line: PeerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function createPeerCounter(milestones: number[]): PeerCounter {
  let count = 0;
  let reported = 0;
  let next = 0;
  const timer = setInterval(() => {
    if (count !== reported) {
      reported = count;
      writeLine({ count });
    }
  }, PROGRESS_MS);
  timer.unref();
  const check = (): void => {
    let hit = false;
    while (next < milestones.length && count >= milestones[next]!) {
      next += 1;
      hit = true;
    }
    if (hit) {
      reported = count;
      writeLine({ count, milestone: true });
    }
  };
  return {
    get count() {
      return count;
    },
    add(n = 1) {
      count += n;
      check();
    },
    set(total) {
      count = total;
      check();
    },
  };
}

/** Stops the peer cleanly on SIGTERM/SIGINT (the benchmark's Child.stop sends SIGTERM). */
export function exitOnSignal(close: () => Promise<void> | void): void {
  const stop = (): void => {
    void Promise.resolve()
      .then(close)
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
