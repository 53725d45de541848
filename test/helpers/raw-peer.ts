/**
 * A raw SMPP peer over a plain socket: binds, reads deliver_sm octet for octet (no text decoding
 * by a library), and answers them or not. For tests about exact receipt bytes and about a
 * client that stops reading.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { eventually } from './eventually.js';
import { bindBody, rawPdu } from './raw-socket.js';

const BIND_RECEIVER = 0x00000001;
const BIND_TRANSCEIVER = 0x00000009;
const DELIVER_SM = 0x00000005;
const DELIVER_SM_RESP = 0x80000005;

/** A deliver_sm body (SMPP 3.4 §4.6.1) read field by field; short_message kept as octets. */
export interface RawDeliverSm {
  sequence: number;
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  sourceAddr: string;
  destTon: number;
  destNpi: number;
  destAddr: string;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  shortMessage: Buffer;
  /** TLVs by tag, raw values. */
  tlvs: Map<number, Buffer>;
}

/** Decodes a deliver_sm body (the octets after the 16-octet header). */
export function decodeDeliverSm(sequence: number, body: Buffer): RawDeliverSm {
  let offset = 0;
  const cstring = (): string => {
    const end = body.indexOf(0, offset);
    if (end < 0) throw new Error(`deliver_sm ${sequence}: C-Octet String without NUL at ${offset}`);
    const value = body.toString('latin1', offset, end);
    offset = end + 1;
    return value;
  };
  const octet = (): number => body[offset++]!;
  const serviceType = cstring(); //           service_type
  const sourceTon = octet(); //               source_addr_ton
  const sourceNpi = octet(); //               source_addr_npi
  const sourceAddr = cstring(); //            source_addr
  const destTon = octet(); //                 dest_addr_ton
  const destNpi = octet(); //                 dest_addr_npi
  const destAddr = cstring(); //              destination_addr
  const esmClass = octet(); //                esm_class
  octet(); //                                 protocol_id
  octet(); //                                 priority_flag
  cstring(); //                               schedule_delivery_time
  cstring(); //                               validity_period
  const registeredDelivery = octet(); //      registered_delivery
  octet(); //                                 replace_if_present_flag
  const dataCoding = octet(); //              data_coding
  octet(); //                                 sm_default_msg_id
  const smLength = octet(); //                sm_length
  const shortMessage = Buffer.from(body.subarray(offset, offset + smLength)); // short_message
  offset += smLength;
  const tlvs = new Map<number, Buffer>();
  while (offset + 4 <= body.length) {
    const tag = body.readUInt16BE(offset);
    const length = body.readUInt16BE(offset + 2);
    tlvs.set(tag, Buffer.from(body.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return { sequence, serviceType, sourceTon, sourceNpi, sourceAddr, destTon, destNpi, destAddr, esmClass, dataCoding, registeredDelivery, shortMessage, tlvs };
}

/** A C-Octet String TLV value without its NUL. */
export function tlvString(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return value.toString('latin1', 0, end < 0 ? value.length : end);
}

/** A bound raw client that records deliver_sm and answers them when `autoAnswer` is on. */
export class RawPeer {
  readonly deliverSms: RawDeliverSm[] = [];
  /** Sequences of deliver_sm answered so far. */
  readonly answered = new Set<number>();
  /** Answer each deliver_sm as it is read. */
  autoAnswer: boolean;
  private buffer: Buffer = Buffer.alloc(0);
  private bindStatus: number | null = null;
  closed = false;

  private constructor(
    readonly socket: Socket,
    autoAnswer: boolean,
  ) {
    this.autoAnswer = autoAnswer;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      /* a reset when the server closes is expected */
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects and binds as receiver or transceiver (interface_version 3.4); rejects when refused. */
  static async bind(port: number, systemId: string, password: string, type: 'receiver' | 'transceiver', options: { autoAnswer?: boolean } = {}): Promise<RawPeer> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const peer = new RawPeer(socket, options.autoAnswer ?? true);
    socket.write(rawPdu(type === 'receiver' ? BIND_RECEIVER : BIND_TRANSCEIVER, 1, bindBody(systemId, password)));
    await eventually(() => peer.bindStatus !== null, 3000, `bind_${type}_resp`);
    if (peer.bindStatus !== 0) throw new Error(`bind_${type} refused with status 0x${peer.bindStatus!.toString(16)}`);
    return peer;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (offset + 16 <= this.buffer.length) {
      const length = this.buffer.readUInt32BE(offset);
      if (offset + length > this.buffer.length) break;
      const commandId = this.buffer.readUInt32BE(offset + 4);
      const status = this.buffer.readUInt32BE(offset + 8);
      const sequence = this.buffer.readUInt32BE(offset + 12);
      const body = this.buffer.subarray(offset + 16, offset + length);
      offset += length;
      if (commandId === BIND_RECEIVER + 0x80000000 || commandId === BIND_TRANSCEIVER + 0x80000000) {
        this.bindStatus = status;
      } else if (commandId === DELIVER_SM) {
        this.deliverSms.push(decodeDeliverSm(sequence, body));
        if (this.autoAnswer) this.answer(sequence);
      }
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(offset));
  }

  /** Answers one deliver_sm with deliver_sm_resp OK (message_id empty). */
  answer(sequence: number): void {
    if (this.answered.has(sequence) || this.closed) return;
    this.answered.add(sequence);
    this.socket.write(rawPdu(DELIVER_SM_RESP, sequence, Buffer.from([0x00])));
  }

  /** Answers every deliver_sm read so far that is still unanswered. */
  answerAll(): void {
    for (const d of this.deliverSms) this.answer(d.sequence);
  }

  /** receipted_message_id (0x001E) of each deliver_sm, in arrival order. */
  receiptedIds(): string[] {
    return this.deliverSms.map((d) => tlvString(d.tlvs.get(0x001e)) ?? '');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}
