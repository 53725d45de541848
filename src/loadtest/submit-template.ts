/**
 * The submit_sm a load test sends, encoded once (SMPP 3.4 §4.4.1): every submit of a run is the
 * same message, so each one is a copy of these octets with its own sequence_number. Building a PDU
 * object and encoding it field by field for every submit was the load client's largest cost, and
 * its CPU and garbage on the same machine as the SMSC showed up in the latencies it measured.
 */
import { HEADER_LENGTH } from '../smpp/frame-reader.js';
import type { Address } from './loadtest-options.js';

/** submit_sm's command_id (SMPP 3.4 §5.1.2.1). */
const SUBMIT_SM = 0x00000004;

/** What every submit_sm of a run carries. */
export interface SubmitFields {
  source: Address;
  destination: Address;
  registeredDelivery: number;
  dataCoding: number;
  /** At most 254 octets (checked by the options). */
  shortMessage: Buffer;
}

/** The octets of one submit_sm, stamped with a sequence_number per send. */
export class SubmitTemplate {
  private readonly octets: Buffer;

  constructor(fields: SubmitFields) {
    const cstring = (value: string): Buffer => Buffer.from(`${value}\0`, 'latin1');
    const byte = (value: number): Buffer => Buffer.of(value);
    const body = Buffer.concat([
      cstring(''), // service_type: the SMSC's default
      byte(fields.source.ton),
      byte(fields.source.npi),
      cstring(fields.source.addr),
      byte(fields.destination.ton),
      byte(fields.destination.npi),
      cstring(fields.destination.addr),
      byte(0), // esm_class: default mode, no UDH
      byte(0), // protocol_id
      byte(0), // priority_flag
      cstring(''), // schedule_delivery_time: now
      cstring(''), // validity_period: the SMSC's default
      byte(fields.registeredDelivery),
      byte(0), // replace_if_present_flag
      byte(fields.dataCoding),
      byte(0), // sm_default_msg_id
      byte(fields.shortMessage.length),
      fields.shortMessage,
    ]);
    this.octets = Buffer.alloc(HEADER_LENGTH + body.length);
    this.octets.writeUInt32BE(this.octets.length, 0);
    this.octets.writeUInt32BE(SUBMIT_SM, 4);
    this.octets.writeUInt32BE(0, 8);
    body.copy(this.octets, HEADER_LENGTH);
  }

  /** A new buffer with the submit_sm numbered `sequence`. */
  stamp(sequence: number): Buffer {
    const out = Buffer.allocUnsafe(this.octets.length);
    this.octets.copy(out);
    out.writeUInt32BE(sequence >>> 0, 12);
    return out;
  }
}
