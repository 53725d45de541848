// The delivery-step microbenchmark (`node dist/bench/record-steps.js`): CPU per simulated delivery
// step on the store alone, without sockets or load client — the receipt side of the full path
// (take the due timer, record the status event, move the message, owe an SMPP receipt and one
// forward, remove the timer), through the real DeliveryScheduler in the store's commit turns.
// Its figure moves with the code, not with the load client, so it shows small changes that the
// full-path benchmark's run-to-run noise hides: run it in two checkouts, alternating.
//
//   node dist/bench/record-steps.js [--count 40000] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { StatusRecorder } from '../src/delivery/record-status.js';
import { DeliveryScheduler } from '../src/delivery/scheduler.js';
import { Store } from '../src/store/store.js';
import { reportResult } from './lib/result.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '40000' }, rounds: { type: 'string', default: '3' } } });
const count = Number(values.count);
const rounds = Number(values.rounds);

/** One round on a fresh database: CPU µs (all threads) and wall µs per delivery step. */
async function round(): Promise<{ cpuUs: number; wallUs: number }> {
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
    // One SMPP receipt and one forward per step, as the full path's rule makes.
    const recorder = new StatusRecorder(store, 72, { smppReceiptsAllowed: () => true, destinations: () => [{ targetId: target.id, format: 'json' }] });
    let recorded = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const scheduler = new DeliveryScheduler(
      store,
      recorder,
      (r) => {
        recorded += r.length;
        if (recorded >= count) done();
      },
      pino({ level: 'silent' }),
    );
    const cpu = process.cpuUsage();
    const started = performance.now();
    scheduler.start();
    await finished;
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    scheduler.stop();
    await store.settled();
    return { cpuUs: (used.user + used.system) / count, wallUs: (wall * 1000) / count };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`record steps: ${count} simulated deliveries (one event, SMPP receipt and forward each), ${rounds} rounds on fresh databases`);
  const cpu: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const { cpuUs, wallUs } = await round();
    cpu.push(cpuUs);
    console.log(`round ${r}/${rounds}: ${cpuUs.toFixed(1)} µs CPU per step (all threads), ${wallUs.toFixed(1)} µs wall`);
  }
  const median = [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!;
  console.log(`median: ${median.toFixed(1)} µs CPU per step`);
  reportResult({ bench: 'record steps', figure: 'CPU µs per simulated delivery step (store only)', value: median, unit: 'µs', goal: 'reported', met: true });
}

main().catch((err: unknown) => {
  console.error(`record-steps benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
