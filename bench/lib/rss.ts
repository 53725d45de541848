// Samples a process's resident set size from /proc/<pid>/status (Linux) at a fixed interval, to
// report the peak memory of a server under test from outside it.
import { readFileSync } from 'node:fs';

export interface RssSampler {
  /** Highest VmRSS seen so far, in bytes (0 if none could be read). */
  readonly peakBytes: number;
  /** The latest sample, in bytes. */
  readonly lastBytes: number;
  readonly samples: number;
  /** Takes a last sample and stops; returns the peak in bytes. */
  stop(): number;
}

/** VmRSS of `pid` in bytes, or null when the process is gone or /proc is not there. */
export function readRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** VmRSS split as /proc reports it (kB → bytes): anonymous (heap, malloc), file-backed, shared memory. */
export interface RssParts {
  anon: number;
  file: number;
  shmem: number;
}

/** The parts of `pid`'s RSS, or null when they cannot be read. */
export function readRssParts(pid: number): RssParts | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const parts = { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
    return Number.isNaN(parts.anon) ? null : parts;
  } catch {
    return null;
  }
}

export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let peak = 0;
  let last = 0;
  let samples = 0;
  const sample = (): void => {
    const rss = readRss(pid);
    if (rss === null) return;
    samples += 1;
    last = rss;
    if (rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    get peakBytes() {
      return peak;
    },
    get lastBytes() {
      return last;
    },
    get samples() {
      return samples;
    },
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
