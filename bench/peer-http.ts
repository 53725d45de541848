// HTTP peer of the forwarding benchmark: a plain node:http server on 127.0.0.1 that reads each
// POST to its end and answers 200 with a short JSON body at once, counting requests. Runs as its
// own process (started by bench/forward.ts) so it does not share smscd's CPU.
//   node dist/bench/peer-http.js [--milestones 2000,22000]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPeerCounter, exitOnSignal, milestonesFromArgv, writeLine } from './lib/peer-counter.js';

const counter = createPeerCounter(milestonesFromArgv(process.argv.slice(2)));
const ANSWER = JSON.stringify({ statusCode: 2000, statusMessage: 'ok' });

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    counter.add();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
});
// Longer than any pause in a run, so pooled connections are not dropped between warm-up and run.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  writeLine({ ready: true, port, url: `http://127.0.0.1:${port}/hook` });
});
exitOnSignal(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
