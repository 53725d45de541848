// One load with receipts requested (registered_delivery 1), waiting for every receipt before the
// binds close: the measured run of bench/receipts.ts and bench/relay.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiptTracker, type ReceiptCounts, type WaitResult } from './receipt-tracker.js';
import { runLoad, type LoadResult } from './smpp-load.js';

/** What a receipt load measured. */
export interface ReceiptRun {
  load: LoadResult;
  counts: ReceiptCounts;
  wait: WaitResult;
  /** Matched receipts per second from the first submit to the last receipt. */
  ratePerSec: number;
  elapsedMs: number;
}

/** Where and how to load. */
export interface ReceiptLoadOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  binds: number;
  window: number;
  /** Give up waiting for receipts after this long without one (ms). */
  stallMs: number;
  /** How long to keep the binds after the last receipt, to catch any sent twice (ms). */
  lingerMs: number;
}

/** Submits `count` messages asking for receipts and waits for them. */
export async function receiptLoad(options: ReceiptLoadOptions, count: number): Promise<ReceiptRun> {
  const tracker = new ReceiptTracker();
  let wait: WaitResult = { complete: false, reason: 'not waited' };
  const load = await runLoad({
    host: options.host,
    port: options.port,
    systemId: options.systemId,
    password: options.password,
    binds: options.binds,
    window: options.window,
    count,
    registeredDelivery: 1,
    onSubmitResponse: (pdu) => tracker.accepted(pdu),
    onDeliverSm: (pdu) => tracker.receipt(pdu),
    async afterSubmits() {
      wait = await tracker.waitFor(tracker.snapshot().expected, options.stallMs);
      await sleep(options.lingerMs);
    },
  });
  const counts = tracker.snapshot();
  const elapsedMs = counts.lastAt === null ? 0 : counts.lastAt - load.startedAt;
  return { load, counts, wait, elapsedMs, ratePerSec: elapsedMs > 0 ? (counts.matched * 1000) / elapsedMs : 0 };
}
