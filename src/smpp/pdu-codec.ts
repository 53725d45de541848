/**
 * PDU decoding and encoding. Decoding walks the `smpp` package's definition tables (which
 * mandatory fields a command has, in order, and of which type) but checks every length against
 * the frame, and applies none of the package's text filters: bodies stay raw bytes, which we
 * decode ourselves by data_coding. The package's own decoder accepts truncated bodies with
 * undefined fields and silently clips short_message and TLVs (notes/smpp-library.md).
 */
import smpp from 'smpp';
import { PduFormatError, SmppStatusError } from '../errors.js';
import { Status } from './command-status.js';
import { HEADER_LENGTH } from './frame-reader.js';

/** A value of a mandatory field: int8/16/32 → number, C-Octet String → string, octets → Buffer. */
export type FieldValue = number | string | Buffer | DestAddress[];

/** One entry of submit_multi's dest_address list (SMPP 3.4 §5.2.25). */
export type DestAddress = { ton: number; npi: number; addr: string } | { dlName: string };

/** A decoded PDU: header, mandatory fields by their spec names, TLVs as raw values by tag. */
export interface Pdu {
  command: string;
  commandId: number;
  status: number;
  sequence: number;
  fields: Record<string, FieldValue>;
  tlvs: Map<number, Buffer>;
}

/** Request commands we do not recognise decode to this name (answered with generic_nack). */
export const UNKNOWN_COMMAND = 'unknown';

const RESPONSE_BIT = 0x80000000;

/** Whether a command id is a response (high bit set). */
export function isResponseId(commandId: number): boolean {
  return (commandId & RESPONSE_BIT) !== 0;
}

type CommandDef = smpp.CommandDef;
type ParamType = smpp.FieldType;

const NO_PARAMS: ReadonlyArray<readonly [string, ParamType]> = [];
/** Each command's mandatory fields in order, listed once: `Object.entries` per PDU was the decoder's largest allocation. */
const paramsById = new Map<number, ReadonlyArray<readonly [string, ParamType]>>();

function mandatoryParams(commandId: number, def: CommandDef): ReadonlyArray<readonly [string, ParamType]> {
  let params = paramsById.get(commandId);
  if (!params) paramsById.set(commandId, (params = Object.entries(def.params ?? {}).map(([name, { type }]) => [name, type] as const)));
  return params;
}

/** Decodes one frame from FrameReader; throws PduFormatError for anything that does not fit. */
export function decodePdu(frame: Buffer): Pdu {
  const length = frame.readUInt32BE(0);
  const commandId = frame.readUInt32BE(4);
  const status = frame.readUInt32BE(8);
  const sequence = frame.readUInt32BE(12);
  const def = smpp.commandsById[commandId];
  const pdu: Pdu = { command: def?.command ?? UNKNOWN_COMMAND, commandId, status, sequence, fields: {}, tlvs: new Map() };
  if (!def) return pdu;
  const fail = (why: string): never => {
    throw new PduFormatError(`${def.command}: ${why}`, sequence);
  };

  let offset = HEADER_LENGTH;
  // An error response carries no body (SMPP 3.4 §3.3): don't demand its mandatory fields.
  const params = isResponseId(commandId) && status !== 0 ? NO_PARAMS : mandatoryParams(commandId, def);
  for (const [name, type] of params) {
    if (offset >= length) fail(`body ends before mandatory field ${name}`);
    switch (type) {
      case smpp.types.int8:
        pdu.fields[name] = frame[offset]!;
        offset += 1;
        break;
      case smpp.types.int16:
        if (offset + 2 > length) fail(`field ${name} runs past the end`);
        pdu.fields[name] = frame.readUInt16BE(offset);
        offset += 2;
        break;
      case smpp.types.int32:
        if (offset + 4 > length) fail(`field ${name} runs past the end`);
        pdu.fields[name] = frame.readUInt32BE(offset);
        offset += 4;
        break;
      case smpp.types.cstring: {
        const end = frame.indexOf(0, offset);
        if (end < 0 || end >= length) fail(`C-Octet String ${name} has no terminating NUL`);
        pdu.fields[name] = frame.toString('latin1', offset, end);
        offset = end + 1;
        break;
      }
      case smpp.types.buffer: {
        // short_message: sm_length octet, then that many octets.
        const size = frame[offset]!;
        if (offset + 1 + size > length) fail(`${name} length ${size} runs past the end of the PDU`);
        pdu.fields[name] = frame.subarray(offset + 1, offset + 1 + size);
        offset += 1 + size;
        break;
      }
      case smpp.types.dest_address_array: {
        const result = readDestAddresses(frame, offset, length, fail);
        pdu.fields[name] = result.list;
        offset = result.offset;
        break;
      }
      default:
        fail(`field ${name} has a type this server does not decode`);
    }
  }
  // Optional parameters (TLVs) fill the rest exactly: tag(2) length(2) value(length).
  while (offset < length) {
    if (offset + 4 > length) fail(`${length - offset} stray octets where a TLV header should be`);
    const tag = frame.readUInt16BE(offset);
    const size = frame.readUInt16BE(offset + 2);
    if (offset + 4 + size > length) {
      throw new PduFormatError(`${def.command}: TLV 0x${tag.toString(16).padStart(4, '0')} length ${size} runs past the end of the PDU`, sequence, Status.ESME_RINVCMDLEN);
    }
    pdu.tlvs.set(tag, frame.subarray(offset + 4, offset + 4 + size));
    offset += 4 + size;
  }
  return pdu;
}

function readDestAddresses(
  frame: Buffer,
  start: number,
  length: number,
  fail: (why: string) => never,
): { list: DestAddress[]; offset: number } {
  let offset = start;
  const count = frame[offset++]!;
  const list: DestAddress[] = [];
  const cstring = (): string => {
    const end = frame.indexOf(0, offset);
    if (end < 0 || end >= length) fail('dest_address has no terminating NUL');
    const value = frame.toString('latin1', offset, end);
    offset = end + 1;
    return value;
  };
  for (let i = 0; i < count; i++) {
    if (offset >= length) fail(`dest_address ${i + 1} of ${count} is missing`);
    const flag = frame[offset++]!;
    if (flag === 1) {
      if (offset + 2 > length) fail(`dest_address ${i + 1} is truncated`);
      const ton = frame[offset++]!;
      const npi = frame[offset++]!;
      list.push({ ton, npi, addr: cstring() });
    } else if (flag === 2) {
      list.push({ dlName: cstring() });
    } else {
      fail(`dest_flag ${flag} of dest_address ${i + 1} is neither 1 nor 2`);
    }
  }
  return { list, offset };
}

/** TLV tags we read (SMPP 3.4 §5.3.2). */
export const Tlv = {
  sc_interface_version: 0x0210,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  message_payload: 0x0424,
  receipted_message_id: 0x001e,
  message_state: 0x0427,
  network_error_code: 0x0423,
} as const;

/**
 * Reads an integer TLV of 1, 2 or 4 octets; undefined when absent. A wrong size refuses that one
 * request (ESME_RINVPARLEN): the PDU itself was framed correctly, so the session goes on.
 */
export function tlvInt(pdu: Pdu, tag: number, name: string, size: 1 | 2 | 4): number | undefined {
  const value = pdu.tlvs.get(tag);
  if (value === undefined) return undefined;
  if (value.length !== size) {
    throw new SmppStatusError(Status.ESME_RINVPARLEN, `TLV ${name} must be ${size} octet(s), got ${value.length}`);
  }
  return size === 1 ? value[0]! : size === 2 ? value.readUInt16BE(0) : value.readUInt32BE(0);
}

/** A response with no body: generic_nack, enquire_link_resp, unbind_resp, or any error response. */
export function encodeHeaderOnly(commandId: number, status: number, sequence: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  out.writeUInt32BE(HEADER_LENGTH, 0);
  out.writeUInt32BE(commandId >>> 0, 4);
  out.writeUInt32BE(status >>> 0, 8);
  out.writeUInt32BE(sequence >>> 0, 12);
  return out;
}

/**
 * A response whose body is one C-Octet String (submit_sm_resp, data_sm_resp, bind_*_resp), with
 * optional TLVs. Hand-encoded: it is written once per message on the hot path.
 */
export function encodeCStringResponse(commandId: number, sequence: number, value: string, tlvs: Array<[number, Buffer]> = []): Buffer {
  const valueLength = Buffer.byteLength(value, 'latin1');
  let length = HEADER_LENGTH + valueLength + 1;
  for (const [, v] of tlvs) length += 4 + v.length;
  const out = Buffer.allocUnsafe(length);
  out.writeUInt32BE(length, 0);
  out.writeUInt32BE(commandId >>> 0, 4);
  out.writeUInt32BE(0, 8);
  out.writeUInt32BE(sequence >>> 0, 12);
  out.write(value, HEADER_LENGTH, 'latin1');
  let offset = HEADER_LENGTH + valueLength;
  out[offset++] = 0;
  for (const [tag, v] of tlvs) {
    out.writeUInt16BE(tag, offset);
    out.writeUInt16BE(v.length, offset + 2);
    v.copy(out, offset + 4);
    offset += 4 + v.length;
  }
  return out;
}

/** Any PDU, encoded by the `smpp` package from its spec field names (deliver_sm, unbind, …). */
export function encodePdu(command: string, sequence: number, fields: Record<string, unknown>): Buffer {
  return new smpp.PDU(command, { ...fields, sequence_number: sequence }).toBuffer();
}

/** The command id of a command name. */
export function commandId(command: string): number {
  const def = smpp.commands[command];
  if (!def) throw new Error(`unknown SMPP command ${command}`);
  return def.id;
}
