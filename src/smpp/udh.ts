/**
 * User Data Header parsing (3GPP TS 23.040 §9.2.3.24) and the SMPP SAR TLVs (SMPP 3.4 §5.3.2.22–24),
 * the two ways a client marks one segment of a concatenated message.
 */

/** One segment's place in a concatenated message: reference, segment count and 1-based sequence number. */
export interface Concat {
  ref: number;
  total: number;
  seq: number;
}

/** A short_message split into its User Data Header (without the UDHL octet), body and concatenation info. */
export interface UserData {
  udh: Buffer | null;
  body: Buffer;
  concat: Concat | null;
}

/** A User Data Header that cannot be parsed. */
export class UdhError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UdhError';
  }
}

/** SAR TLVs that are incomplete or inconsistent. */
export class SarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SarError';
  }
}

/** IEI of concatenated short messages, 8-bit reference (23.040 §9.2.3.24.1). */
const IEI_CONCAT_8 = 0x00;
/** IEI of concatenated short messages, 16-bit reference (23.040 §9.2.3.24.8). */
const IEI_CONCAT_16 = 0x08;

/**
 * Splits a short_message into UDH and body; when `hasUdh` (esm_class UDHI bit, 0x40) octet 0 is the
 * UDHL and the header is checked, throwing UdhError when it is malformed.
 */
export function splitUserData(shortMessage: Buffer, hasUdh: boolean): UserData {
  if (!hasUdh) return { udh: null, body: shortMessage, concat: null };
  if (shortMessage.length === 0) throw new UdhError('UDHI is set but short_message is empty (no UDHL octet)');
  const udhl = shortMessage[0];
  if (udhl === 0) throw new UdhError('UDHI is set but UDHL is 0 (empty User Data Header)');
  if (1 + udhl > shortMessage.length) {
    throw new UdhError(`UDHL ${udhl} runs past the ${shortMessage.length - 1} octets after it`);
  }
  const udh = shortMessage.subarray(1, 1 + udhl);
  return { udh, body: shortMessage.subarray(1 + udhl), concat: concatFromUdh(udh) };
}

/**
 * The concatenation info in a UDH (without UDHL), or null when it has none. Concatenation IEs are not
 * repeatable and 8-bit and 16-bit references exclude each other, so the last one wins (23.040 §9.2.3.24).
 */
function concatFromUdh(udh: Buffer): Concat | null {
  let concat: Concat | null = null;
  let offset = 0;
  while (offset < udh.length) {
    const iei = udh[offset];
    if (offset + 1 >= udh.length) {
      throw new UdhError(`IE 0x${hex(iei)} at UDH offset ${offset} has no length octet`);
    }
    const length = udh[offset + 1];
    const start = offset + 2;
    if (start + length > udh.length) {
      throw new UdhError(`IE 0x${hex(iei)} at UDH offset ${offset} has length ${length}, past the ${udh.length}-octet header`);
    }
    const data = udh.subarray(start, start + length);
    if (iei === IEI_CONCAT_8) concat = concatIe(iei, data, 3);
    if (iei === IEI_CONCAT_16) concat = concatIe(iei, data, 4);
    offset = start + length;
  }
  return concat;
}

/** A concatenation IE's data (reference, total, sequence) checked against its fixed `wantLength`. */
function concatIe(iei: number, data: Buffer, wantLength: number): Concat {
  if (data.length !== wantLength) {
    throw new UdhError(`concatenation IE 0x${hex(iei)} has length ${data.length}, wanted ${wantLength}`);
  }
  const ref = wantLength === 3 ? data.readUInt8(0) : data.readUInt16BE(0);
  const total = data[wantLength - 2];
  const seq = data[wantLength - 1];
  const problem = concatProblem(total, seq);
  if (problem) throw new UdhError(`concatenation IE 0x${hex(iei)}: ${problem}`);
  return { ref, total, seq };
}

/** What is wrong with a segment count and sequence number, or null when they are consistent. */
function concatProblem(total: number, seq: number): string | null {
  if (total === 0) return 'total segments is 0';
  if (seq === 0) return 'segment sequence number is 0';
  if (seq > total) return `segment sequence number ${seq} is past total segments ${total}`;
  return null;
}

/** Two hex digits for an octet in messages. */
function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}

/**
 * The concatenation info carried by the SMPP SAR TLVs sar_msg_ref_num, sar_total_segments and
 * sar_segment_seqnum (SMPP 3.4 §5.3.2.22–24), null when none is present; they only make sense
 * together, so a partial or inconsistent set throws SarError.
 */
export function concatFromSar(ref: number | undefined, total: number | undefined, seq: number | undefined): Concat | null {
  if (ref === undefined && total === undefined && seq === undefined) return null;
  const missing = [
    ref === undefined ? 'sar_msg_ref_num' : null,
    total === undefined ? 'sar_total_segments' : null,
    seq === undefined ? 'sar_segment_seqnum' : null,
  ].filter((name): name is string => name !== null);
  if (ref === undefined || total === undefined || seq === undefined) {
    throw new SarError(`SAR TLVs must come together: missing ${missing.join(', ')}`);
  }
  if (total === 0) throw new SarError('sar_total_segments is 0');
  if (seq === 0) throw new SarError('sar_segment_seqnum is 0');
  if (seq > total) throw new SarError(`sar_segment_seqnum ${seq} is past sar_total_segments ${total}`);
  return { ref, total, seq };
}
