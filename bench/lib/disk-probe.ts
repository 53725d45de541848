// The disk's own flush latency, as smscd's group commits meet it: 16 KiB appended to a file and
// fdatasync'ed on libuv's thread pool, back to back (as WalSync flushes under load), for a few
// seconds, in the directory the benchmarks' databases go to. Its tail is the floor under any
// durable answer's latency on this machine: a submit_sm_resp waits for the flush that covers its
// commit, so a flush stalled for 20 ms holds every answer committed meanwhile. The latency
// benchmark prints it beside smscd's p99, so a run on a disk that stalls says so.
import { fdatasync, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LatencyHistogram } from '../../src/loadtest/latency-histogram.js';

const flush = promisify(fdatasync);
const WRITE_BYTES = 16 * 1024;
/** The file is overwritten from its start once it reaches this size, as a WAL is after a checkpoint. */
const FILE_BYTES = 8 * 1024 * 1024;
/** A flush longer than this counts as a stall. */
export const STALL_MS = 5;

export interface DiskProbe {
  flushes: number;
  p50: number;
  p99: number;
  max: number;
  /** Flushes longer than STALL_MS. */
  stalls: number;
}

/** Flushes back to back for `seconds` and returns the latency of each (write to fdatasync done, ms). */
export async function probeDisk(seconds: number, dir: string = os.tmpdir()): Promise<DiskProbe> {
  const work = mkdtempSync(join(dir, 'smscd-disk-probe-'));
  const fd = openSync(join(work, 'probe'), 'w+');
  const histogram = new LatencyHistogram();
  const chunk = Buffer.alloc(WRITE_BYTES, 0x5a);
  let stalls = 0;
  try {
    let offset = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const started = performance.now();
      writeSync(fd, chunk, 0, WRITE_BYTES, offset);
      offset = (offset + WRITE_BYTES) % FILE_BYTES;
      await flush(fd);
      const ms = performance.now() - started;
      if (ms > STALL_MS) stalls++;
      histogram.record(ms);
    }
    const s = histogram.summary();
    return { flushes: s.count, p50: s.p50 ?? 0, p99: s.p99 ?? 0, max: s.max ?? 0, stalls };
  } finally {
    closeSync(fd);
    rmSync(work, { recursive: true, force: true });
  }
}
