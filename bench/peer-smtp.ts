// SMTP peer of the forwarding benchmark: an smtp-server sink on 127.0.0.1 that accepts every
// mail (no TLS, no AUTH), drains the DATA stream and counts the mails. Runs as its own process
// (started by bench/forward.ts) so it does not share smscd's CPU.
//   node dist/bench/peer-smtp.js [--milestones 2000,22000]
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createPeerCounter, exitOnSignal, milestonesFromArgv, writeLine } from './lib/peer-counter.js';

const counter = createPeerCounter(milestonesFromArgv(process.argv.slice(2)));
let sessions = 0;

const server = new SMTPServer({
  logger: false,
  // 127.0.0.1 has no name worth a DNS round trip per session.
  disableReverseLookup: true,
  // No certificate smscd would trust, and nothing to authenticate: plain SMTP, as a LAN relay.
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  onConnect(_session, callback) {
    sessions += 1;
    callback();
  },
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      counter.add();
      callback(null, 'queued');
    });
  },
});
server.on('error', (err) => console.error(err));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  writeLine({ ready: true, port });
});
exitOnSignal(
  () =>
    new Promise<void>((resolve) => {
      console.error(JSON.stringify({ sessions, mails: counter.count }));
      server.close(() => resolve());
    }),
);
