// The reference server of the receipt benchmark: the smpp package's own server doing the least an
// SMSC that sends receipts must do. It answers every submit_sm and right after it sends one final
// delivery receipt (deliver_sm) on the same session: Appendix B text, esm_class 0x04, the TLVs
// receipted_message_id, message_state and network_error_code. It stores nothing, keeps no window
// and ignores the deliver_sm_resp; smscd is measured against this ceiling.
//
// Run as a child process: prints one JSON line {"port":N} on stdout once it listens.
import smpp from 'smpp';

const ESM_RECEIPT = 0x04;
const DELIVERED = 2;
const NO_NETWORK_ERROR = Buffer.from([3, 0, 0]);

let nextMessageId = 0;

// Appendix B dates are YYMMDDhhmm: the text changes once a minute, so format it once a minute.
let dateMinute = -1;
let dateText = '';
function receiptDate(now: number): string {
  const minute = Math.floor(now / 60_000);
  if (minute !== dateMinute) {
    dateMinute = minute;
    const d = new Date(now);
    dateText = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
      .map((n) => String(n).padStart(2, '0'))
      .join('');
  }
  return dateText;
}

/** The submitted text as the smpp package decoded it (`{ message }` or a Buffer). */
function submittedText(value: unknown): string {
  const message = typeof value === 'object' && value !== null && !Buffer.isBuffer(value) ? (value as { message?: unknown }).message : value;
  if (typeof message === 'string') return message;
  return Buffer.isBuffer(message) ? message.toString('latin1') : '';
}

function receipt(pdu: smpp.PDU, messageId: string): smpp.PDU {
  const date = receiptDate(Date.now());
  const text = submittedText(pdu['short_message']).slice(0, 20);
  const body = `id:${messageId} sub:001 dlvrd:001 submit date:${date} done date:${date} stat:DELIVRD err:000 text:${text}`;
  return new smpp.PDU('deliver_sm', {
    source_addr_ton: pdu['dest_addr_ton'],
    source_addr_npi: pdu['dest_addr_npi'],
    source_addr: pdu['destination_addr'],
    dest_addr_ton: pdu['source_addr_ton'],
    dest_addr_npi: pdu['source_addr_npi'],
    destination_addr: pdu['source_addr'],
    esm_class: ESM_RECEIPT,
    data_coding: 0,
    short_message: Buffer.from(body, 'latin1'),
    receipted_message_id: messageId,
    message_state: DELIVERED,
    network_error_code: NO_NETWORK_ERROR,
  });
}

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
      case 'submit_sm': {
        // message_id must be a string: a number in a C-string field throws in send().
        nextMessageId += 1;
        const messageId = String(nextMessageId);
        session.send(pdu.response({ message_id: messageId }));
        // The response first: synchronous clients drop a receipt that comes before it.
        if ((Number(pdu['registered_delivery']) & 0x03) !== 0) session.send(receipt(pdu, messageId));
        break;
      }
      case 'enquire_link':
        session.send(pdu.response());
        break;
      case 'unbind':
        session.send(pdu.response(), () => session.close());
        break;
      default:
        // Responses (deliver_sm_resp) are ignored; any other request gets generic_nack.
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
