// The shared SMPP load client of the benchmarks: a few transceiver binds, each keeping a fixed
// window of submit_sm outstanding, as a real high-volume ESME does. The same client drives every
// server compared, so differences in rate are the servers' differences. The receipt benchmark
// uses the same client with registered_delivery set, hooks to see every submit_sm_resp and
// deliver_sm, and a wait for the receipts before the binds are closed.
import type smpp from 'smpp';
import { bind, closeSession, openSession } from './client-session.js';

// Connecting, binding and closing live in client-session.ts; they are re-exported for the
// benchmarks that import them from here.
export { bind, closeSession, openSession, type BindAs } from './client-session.js';

export interface LoadOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  binds: number;
  /** Most submit_sm outstanding per bind; the next is sent when a response arrives. */
  window: number;
  /** submit_sm to send in total, split across the binds. */
  count: number;
  shortMessage?: string;
  /** Default 'transceiver'. */
  bindAs?: 'transceiver' | 'transmitter';
  /** registered_delivery of every submit_sm (default 0: no receipt). */
  registeredDelivery?: number;
  /** Sees every submit_sm_resp (after it is counted). */
  onSubmitResponse?: (pdu: smpp.PDU) => void;
  /** Sees every deliver_sm before it is answered with deliver_sm_resp. */
  onDeliverSm?: (pdu: smpp.PDU) => void;
  /** Awaited after the last submit_sm_resp, before the binds are closed (e.g. for receipts). */
  afterSubmits?: () => Promise<void>;
}

export interface LoadResult {
  submitted: number;
  /** Responses with command_status 0. */
  ok: number;
  /** Responses with a non-zero command_status, counted per status. */
  failed: Record<number, number>;
  /** performance.now() when the first submit_sm was sent (all binds done). */
  startedAt: number;
  /** From all binds done to the last response. */
  elapsedMs: number;
  /** Accepted messages per second: rejections do not count as throughput. */
  ratePerSec: number;
}

const STALL_TIMEOUT_MS = 30_000;
const SOURCE_ADDR = '4366012345';
const DEFAULT_TEXT = 'Hello from the ingest benchmark';

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.binds < 1 || options.window < 1 || options.count < 0) {
    throw new Error(`invalid load options: binds ${options.binds}, window ${options.window}, count ${options.count}`);
  }
  const sessions: smpp.Session[] = [];
  try {
    for (let i = 0; i < options.binds; i++) sessions.push(openSession(options, options.onDeliverSm));
    await Promise.all(sessions.map((session, i) => bind(session, options, i, options.bindAs ?? 'transceiver')));
    const result = await submitAll(sessions, options);
    if (options.afterSubmits) await options.afterSubmits();
    return result;
  } finally {
    await Promise.all(sessions.map(closeSession));
  }
}

function submitAll(sessions: smpp.Session[], options: LoadOptions): Promise<LoadResult> {
  const text = options.shortMessage ?? DEFAULT_TEXT;
  const failed: Record<number, number> = {};
  let submitted = 0;
  let responses = 0;
  let ok = 0;
  let destinationCounter = 0;

  return new Promise<LoadResult>((resolve, reject) => {
    let done = false;
    let lastProgress = performance.now();
    const start = performance.now();

    const fail = (message: string): void => {
      if (done) return;
      done = true;
      clearInterval(stallCheck);
      reject(new Error(`${message} (${submitted} submitted, ${responses} answered)`));
    };
    const finishIfDone = (): void => {
      if (done || responses < options.count) return;
      done = true;
      clearInterval(stallCheck);
      const elapsedMs = performance.now() - start;
      resolve({ submitted, ok, failed, startedAt: start, elapsedMs, ratePerSec: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0 });
    };
    const stallCheck = setInterval(() => {
      const idle = performance.now() - lastProgress;
      if (idle > STALL_TIMEOUT_MS) fail(`load stalled: no response for ${Math.round(idle / 1000)} s`);
    }, 1_000);

    sessions.forEach((session, index) => {
      // An even split; the first `count % binds` sessions take one more.
      const share = Math.floor(options.count / sessions.length) + (index < options.count % sessions.length ? 1 : 0);
      let sent = 0;
      const sendNext = (): void => {
        if (done || sent >= share) return;
        sent += 1;
        submitted += 1;
        destinationCounter = (destinationCounter + 1) % 10_000_000;
        const accepted = session.submit_sm(
          {
            source_addr: SOURCE_ADDR,
            destination_addr: `43676${String(destinationCounter).padStart(7, '0')}`,
            short_message: text,
            registered_delivery: options.registeredDelivery ?? 0,
          },
          onResponse,
        );
        if (!accepted) fail(`bind ${index + 1}: connection no longer writable`);
      };
      const onResponse = (pdu: smpp.PDU): void => {
        responses += 1;
        lastProgress = performance.now();
        if (pdu.command_status === 0) ok += 1;
        else failed[pdu.command_status] = (failed[pdu.command_status] ?? 0) + 1;
        options.onSubmitResponse?.(pdu);
        sendNext();
        finishIfDone();
      };
      // A no-op once the run is done, when we close the sessions ourselves.
      session.on('close', () => fail(`bind ${index + 1}: connection closed by the server`));
      for (let i = 0; i < Math.min(options.window, share); i++) sendNext();
    });
    finishIfDone(); // count 0
  });
}
