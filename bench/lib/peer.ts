// A forwarding peer (bench/peer-http.ts, peer-smtp.ts, peer-sqs.ts) as a child process: its
// ready line (where to connect) and the count it reports on stdout, so a benchmark can wait
// until the peer has received N events without sharing the peer's CPU.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startChild, type Child } from './child.js';
import type { PeerLine } from './peer-counter.js';
import { ROOT } from './smscd.js';

const READY_TIMEOUT_MS = 30_000;

/** A running peer: its ready line and the latest count it reported. */
export interface Peer {
  child: Child;
  ready: Extract<PeerLine, { ready: true }>;
  readonly count: number;
  /** Resolves once the count reaches `n` (at the moment its line was read). */
  reach(n: number): Promise<number>;
  stop(): Promise<void>;
}

/** Starts dist/bench/peer-<kind>.js, reporting at once when its count reaches each milestone. */
export async function startPeer(kind: 'http' | 'smtp' | 'sqs', milestones: number[]): Promise<Peer> {
  const child = startChild(`peer-${kind}`, process.execPath, [join(ROOT, `dist/bench/peer-${kind}.js`), '--milestones', milestones.join(',')], { cwd: ROOT });
  let count = 0;
  const waiters: Array<{ n: number; resolve: (at: number) => void }> = [];
  createInterface({ input: child.process.stdout! }).on('line', (line) => {
    let reported: unknown;
    try {
      reported = (JSON.parse(line) as { count?: unknown } | null)?.count;
    } catch {
      return;
    }
    if (typeof reported !== 'number') return;
    const now = performance.now();
    count = reported;
    for (const w of [...waiters]) {
      if (count >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(now);
      }
    }
  });
  try {
    const line = await child.waitForLine((l) => l.includes('"ready":true'), READY_TIMEOUT_MS);
    const ready = JSON.parse(line) as Extract<PeerLine, { ready: true }>;
    return {
      child,
      ready,
      get count() {
        return count;
      },
      reach(n) {
        if (count >= n) return Promise.resolve(performance.now());
        return new Promise((resolve) => waiters.push({ n, resolve }));
      },
      stop: () => child.stop(),
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
