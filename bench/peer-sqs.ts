// SQS peer of the forwarding benchmark: fauxqs (in-memory SQS API) on 127.0.0.1 with a standard
// queue `bench` and a FIFO queue `bench.fifo`. The count is the number of messages in the queues,
// read every POLL_MS through fauxqs's own inspection endpoint (what a consumer could receive,
// not what was sent). Runs as its own process (started by bench/forward.ts) so it does not share
// smscd's CPU.
//   node dist/bench/peer-sqs.js [--milestones 2000,22000]
import { Agent, get } from 'node:http';
import { startFauxqs } from 'fauxqs';
import { createPeerCounter, exitOnSignal, milestonesFromArgv, writeLine } from './lib/peer-counter.js';

/** How often the queue depth is read (ms): the resolution of the peer's side of the timing. */
const POLL_MS = 10;

const counter = createPeerCounter(milestonesFromArgv(process.argv.slice(2)));
const server = await startFauxqs({ port: 0, logger: false });
const standard = server.createQueue('bench');
const fifo = server.createQueue('bench.fifo', { attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } });
const endpoint = `http://127.0.0.1:${server.port}`;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function depth(): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${endpoint}/_fauxqs/queues`, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const queues = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ approximateMessageCount: number; approximateInflightCount: number; approximateDelayedCount: number }>;
          resolve(queues.reduce((sum, q) => sum + q.approximateMessageCount + q.approximateInflightCount + q.approximateDelayedCount, 0));
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

let stopped = false;
async function poll(): Promise<void> {
  while (!stopped) {
    try {
      counter.set(await depth());
    } catch (err) {
      console.error(err);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
void poll();

writeLine({ ready: true, port: server.port, endpoint, queueUrl: standard.queueUrl, fifoQueueUrl: fifo.queueUrl });
exitOnSignal(async () => {
  stopped = true;
  agent.destroy();
  await server.stop();
});
