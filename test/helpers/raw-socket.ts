/** A raw TCP client for sending bytes no well-behaved SMPP library would send. */
import { connect as netConnect, type Socket } from 'node:net';

/** A received PDU header. */
export interface RawPdu {
  length: number;
  commandId: number;
  status: number;
  sequence: number;
  body: Buffer;
}

/** A raw connection that collects whatever the server sends and notes when it closes. */
export class RawClient {
  private received = Buffer.alloc(0);
  closed = false;
  private closeWaiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('error', () => {
      /* resets are expected when the server closes on us */
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** PDUs received so far (whole ones). */
  pdus(): RawPdu[] {
    const out: RawPdu[] = [];
    let offset = 0;
    while (offset + 16 <= this.received.length) {
      const length = this.received.readUInt32BE(offset);
      if (length < 16 || offset + length > this.received.length) break;
      out.push({
        length,
        commandId: this.received.readUInt32BE(offset + 4),
        status: this.received.readUInt32BE(offset + 8),
        sequence: this.received.readUInt32BE(offset + 12),
        body: this.received.subarray(offset + 16, offset + length),
      });
      offset += length;
    }
    return out;
  }

  /** Resolves when the server has closed the connection; rejects after `timeoutMs`. */
  waitClosed(timeoutMs = 3000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Encodes a PDU header with an arbitrary command_length and body. */
export function rawPdu(commandId: number, sequence: number, body: Buffer = Buffer.alloc(0), length = 16 + body.length, status = 0): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(length >>> 0, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  header.writeUInt32BE(status >>> 0, 8);
  header.writeUInt32BE(sequence >>> 0, 12);
  return Buffer.concat([header, body]);
}

/** C-Octet String: the bytes and a NUL. */
export function cstr(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'latin1'), Buffer.from([0])]);
}

/** A bind_transceiver body (SMPP 3.4 §4.1.5). */
export function bindBody(systemId: string, password: string): Buffer {
  return Buffer.concat([
    cstr(systemId), // system_id
    cstr(password), // password
    cstr(''), //       system_type
    Buffer.from([0x34, 0x00, 0x00]), // interface_version 3.4, addr_ton, addr_npi
    cstr(''), //       address_range
  ]);
}

/** A submit_sm body (SMPP 3.4 §4.4.1) with `shortMessage` and optional raw TLV bytes. */
export function submitBody(shortMessage: Buffer, tlvs: Buffer = Buffer.alloc(0), smLength = shortMessage.length): Buffer {
  return Buffer.concat([
    cstr(''), //                       service_type
    Buffer.from([0x01, 0x01]), //     source_addr_ton, source_addr_npi
    cstr('436601234567'), //         source_addr
    Buffer.from([0x01, 0x01]), //     dest_addr_ton, dest_addr_npi
    cstr('436991234567'), //         destination_addr
    Buffer.from([0x00, 0x00, 0x00]), // esm_class, protocol_id, priority_flag
    cstr(''), //                       schedule_delivery_time
    cstr(''), //                       validity_period
    Buffer.from([0x00, 0x00, 0x00, 0x00]), // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    Buffer.from([smLength]), //       sm_length
    shortMessage,
    tlvs,
  ]);
}
