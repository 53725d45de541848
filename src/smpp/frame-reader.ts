/**
 * Splits a TCP byte stream into SMPP PDUs (SMPP 3.4 §3.2: every PDU starts with its 4-octet
 * command_length). We frame ourselves instead of letting the `smpp` package read the socket:
 * its reader wedges or crashes on lengths under 16 and cannot be paused mid-buffer
 * (notes/smpp-library.md), and a bad length must be refused before any body is read.
 */
import { PduFormatError } from '../errors.js';

/** A PDU header is 16 octets: command_length, command_id, command_status, sequence_number. */
export const HEADER_LENGTH = 16;

/** Accumulates chunks and hands out whole frames. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxPduBytes: number) {}

  /** Octets received and not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame, or null when more bytes are needed. Throws PduFormatError for a
   * command_length under 16 or over the limit; the caller answers generic_nack and closes,
   * since the stream can no longer be framed.
   */
  next(): Buffer | null {
    if (this.buffered < 4) return null;
    const head = this.peek(Math.min(this.buffered, HEADER_LENGTH));
    const length = head.readUInt32BE(0);
    if (length < HEADER_LENGTH || length > this.maxPduBytes) {
      throw new PduFormatError(
        length < HEADER_LENGTH
          ? `command_length ${length} is shorter than a PDU header (16)`
          : `command_length ${length} exceeds the limit of ${this.maxPduBytes} octets`,
        head.length >= HEADER_LENGTH ? head.readUInt32BE(12) : 0,
      );
    }
    if (this.buffered < length) return null;
    return this.take(length);
  }

  /** The first `n` buffered octets, joining chunks only as far as needed. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const frame = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return frame;
  }
}
