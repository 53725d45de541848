// The delivery-step microbenchmark (`node dist/bench/record-steps.js`): CPU per simulated delivery
// step on the store alone, without sockets or load client — the receipt side of the full path
// (take the due timer, record the status event, move the message, owe an SMPP receipt and one
// forward, remove the timer), through the real DeliveryScheduler in the store's commit turns.
// Its figure moves with the code, not with the load client, so it shows small changes that the
// full-path benchmark's run-to-run noise hides: run it in two checkouts, alternating.
//
// With --forward the forwards are delivered too, through the real ForwardingWorker (claim or
// hand-off, prepare, outcome commits) to an in-process target that answers 200 at once: the
// forward side of the full path without its HTTP.
//
//   node dist/bench/record-steps.js [--count 40000] [--rounds 3] [--forward]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { StatusRecorder, type ClaimedForwards } from '../src/delivery/record-status.js';
import { ForwardingWorker } from '../src/forwarding/worker.js';
import type { Delivery, DeliveryResult, Target, TargetSpec } from '../src/forwarding/targets/target.js';
import { loadConfig } from '../src/config/load.js';
import { DeliveryScheduler } from '../src/delivery/scheduler.js';
import { Store } from '../src/store/store.js';
import { reportResult } from './lib/result.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '40000' }, rounds: { type: 'string', default: '3' }, forward: { type: 'boolean', default: false } } });
const count = Number(values.count);
const rounds = Number(values.rounds);
const forward = values.forward;

/** Deliveries the instant target has answered (--forward). */
let answered = 0;
let onAnswered = (): void => {};

/** A target that answers every delivery 200 at once (in a microtask), for --forward. */
function instantTarget(spec: TargetSpec): Target {
  return {
    spec,
    maxBatch: 1,
    deliver: (batch: Delivery[]): Promise<DeliveryResult[]> => {
      answered += batch.length;
      onAnswered();
      return Promise.resolve(batch.map(() => ({ outcome: 'delivered', code: '200', durationMs: 0.1 })));
    },
    close: () => Promise.resolve(),
  };
}

/**
 * CPU time of the main thread so far (µs; Linux, in clock ticks of 10 ms), apart from the
 * libuv threads' fdatasync that process.cpuUsage counts too: the event loop is what limits.
 */
function mainThreadUs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/** One round on a fresh database: CPU µs (all threads, main thread) and wall µs per delivery step. */
async function round(): Promise<{ cpuUs: number; mainUs: number; wallUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-record-steps-'));
  const store = Store.open({ path: join(dir, 'smscd.db'), commitFlush: 'async' });
  try {
    const account = store.accounts.add({ systemId: 'bench', passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==', maxBinds: 2, rate: 0, allowedIps: [], email: null, apiTokenHash: null });
    const target = store.targets.add({ name: 'hook', type: 'http', url: 'https://hooks.example.com/hook', to: null, queueUrl: null, format: 'json', secret: null });
    const now = Date.now();
    for (let i = 0; i < count; i += 500) {
      store.transaction(() => {
        for (let j = i; j < Math.min(count, i + 500); j++) {
          store.messages.insert(
            {
              accountId: account.id, channel: 'smpp', messageType: 'sms', sessionId: null, serviceType: '',
              sourceAddr: '436601234567', sourceTon: 1, sourceNpi: 1, destAddr: `43699${String(j).padStart(7, '0')}`, destTon: 1, destNpi: 1,
              esmClass: 0, protocolId: 0, priority: 0, registeredDelivery: 1, dataCoding: 0, udh: null,
              body: Buffer.from('hello'), text: 'hello', partRef: null, partNumber: null, partCount: null, clientRef: null,
              scheduleAt: null, expiresAt: null, status: 'enroute', submittedAt: now,
            },
            { nextStatus: 'delivered', finalStatus: 'delivered', errorCode: 0, dueAt: 0, finalDueAt: 0 },
          );
        }
      });
    }
    const worker = forward ? new ForwardingWorker(store, loadConfig({ env: {} }).forwarding, instantTarget, 'bench', pino({ level: 'silent' })) : null;
    // One SMPP receipt and one forward per step, as the full path's rule makes.
    const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [{ targetId: target.id, format: 'json' }] }, worker);
    let recorded = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const scheduler = new DeliveryScheduler(
      store,
      recorder,
      (r: Array<{ forwards: number }>, claimed?: ClaimedForwards) => {
        recorded += r.length;
        // As app.ts does (a checkout before the hand-off passes no `claimed`).
        if (worker && claimed) worker.takeClaimed(claimed);
        if (worker && r.length > (claimed?.rows.length ?? 0)) worker.poke();
        if (recorded >= count && !worker) done();
      },
      pino({ level: 'silent' }),
    );
    // --forward: done once every forward is answered and (worker.stop) its outcome committed.
    answered = 0;
    onAnswered = () => {
      if (answered >= count) done();
    };
    const cpu = process.cpuUsage();
    const main = mainThreadUs();
    const started = performance.now();
    worker?.start();
    scheduler.start();
    await finished;
    if (worker) {
      await worker.stop();
      await store.settled();
    }
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const mainUsed = mainThreadUs() - main;
    scheduler.stop();
    await store.settled();
    return { cpuUs: (used.user + used.system) / count, mainUs: mainUsed / count, wallUs: (wall * 1000) / count };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`record steps: ${count} simulated deliveries (one event, SMPP receipt and forward each${forward ? ', forwards delivered to an instant in-process target' : ''}), ${rounds} rounds on fresh databases`);
  const cpu: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const { cpuUs, mainUs, wallUs } = await round();
    cpu.push(cpuUs);
    console.log(`round ${r}/${rounds}: ${cpuUs.toFixed(1)} µs CPU per step (all threads), ${mainUs.toFixed(1)} µs main thread, ${wallUs.toFixed(1)} µs wall`);
  }
  const median = [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!;
  console.log(`median: ${median.toFixed(1)} µs CPU per step`);
  reportResult({ bench: forward ? 'record steps + forward' : 'record steps', figure: forward ? 'CPU µs per simulated delivery step and its forward (no sockets)' : 'CPU µs per simulated delivery step (store only)', value: median, unit: 'µs', goal: 'reported', met: true });
}

main().catch((err: unknown) => {
  console.error(`record-steps benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
