// The reference server of the ingest benchmark: the smpp package's own server doing the least an
// SMSC must do (answer every request, store nothing). smscd is measured against this ceiling,
// so nothing here may cost more than encoding the response.
//
// Run as a child process: prints one JSON line {"port":N} on stdout once it listens.
import smpp from 'smpp';

let nextMessageId = 0;

const server = smpp.createServer({}, (session) => {
  // Without an 'error' listener a bad socket crashes the whole process (see notes).
  session.on('error', () => session.destroy());
  session.on('pdu', (pdu: smpp.PDU) => {
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        session.send(pdu.response({ system_id: 'bare' }));
        break;
      case 'submit_sm':
        // message_id must be a string: a number in a C-string field throws in send().
        nextMessageId += 1;
        session.send(pdu.response({ message_id: String(nextMessageId) }));
        break;
      case 'enquire_link':
        session.send(pdu.response());
        break;
      case 'unbind':
        session.send(pdu.response(), () => session.close());
        break;
      default:
        // Responses are ignored; any other request gets generic_nack (built directly, since
        // not every request type has a _resp to build from).
        if (!pdu.isResponse()) {
          const nack = { command_status: smpp.errors.ESME_RINVCMDID, sequence_number: pdu.sequence_number };
          session.send(new smpp.PDU('generic_nack', nack));
        }
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

// The benchmark stops us with SIGTERM; exit promptly without waiting for open sessions.
process.on('SIGTERM', () => process.exit(0));
