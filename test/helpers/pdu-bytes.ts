/**
 * Hand-built PDU bytes for what the `smpp` client cannot send (a TLV of the wrong size), and a way
 * to send them over a client session and wait for the answer.
 */
import type { PDU, Session } from './smpp-client.js';

const SUBMIT_SM = 0x00000004;

/** C-Octet String: the latin1 bytes and a NUL. */
export function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'latin1'), Buffer.from([0x00])]);
}

/** One TLV: tag (2 octets), length (2 octets), value — the length is the value's, whatever the tag wants. */
export function tlv(tag: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(tag, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** A complete, well-framed submit_sm (SMPP 3.4 §4.4.1) from 436601234567 to 436991234567 with `tlvs` appended. */
export function submitSmBytes(sequence: number, shortMessage: Buffer, tlvs: Buffer[] = []): Buffer {
  const body = Buffer.concat([
    cstring(''), //                              service_type
    Buffer.from([0x01, 0x01]), //               source_addr_ton 1 (international), source_addr_npi 1 (E.164)
    cstring('436601234567'), //                  source_addr
    Buffer.from([0x01, 0x01]), //               dest_addr_ton 1, dest_addr_npi 1
    cstring('436991234567'), //                  destination_addr
    Buffer.from([0x00, 0x00, 0x00]), //         esm_class 0, protocol_id 0, priority_flag 0
    cstring(''), //                              schedule_delivery_time (immediate)
    cstring(''), //                              validity_period (SMSC default)
    Buffer.from([0x00, 0x00, 0x00, 0x00]), //   registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    Buffer.from([shortMessage.length]), //      sm_length
    shortMessage, //                             short_message
    ...tlvs,
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0); // command_length
  header.writeUInt32BE(SUBMIT_SM, 4); //        command_id
  header.writeUInt32BE(0, 8); //                command_status
  header.writeUInt32BE(sequence, 12); //        sequence_number
  return Buffer.concat([header, body]);
}

/**
 * Writes `bytes` on the client's socket and resolves with the PDU the server answers with
 * `sequence` (a response or a generic_nack), or 'closed' when the connection closes first.
 * Pick a sequence the client's own counter will not reach (e.g. 0x7fff0000 and up).
 */
export function sendRaw(session: Session, bytes: Buffer, sequence: number, timeoutMs = 3000): Promise<PDU | 'closed'> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      session.off('pdu', onPdu);
      session.socket.off('close', onClose);
    };
    const onPdu = (pdu: PDU): void => {
      if (pdu.sequence_number !== sequence) return;
      done();
      resolve(pdu);
    };
    const onClose = (): void => {
      done();
      resolve('closed');
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer to sequence ${sequence} within ${timeoutMs} ms`));
    }, timeoutMs);
    session.on('pdu', onPdu);
    session.socket.on('close', onClose);
    session.socket.write(bytes);
  });
}
