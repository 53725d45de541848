/**
 * Generates hostile SMPP input for the fuzzer (test/fuzz/smpp-fuzz.test.ts): random bytes, valid
 * PDUs of every kind an ESME (or a confused peer) might send, and those PDUs mutated — wrong
 * command_length, flipped octets, missing NULs, bad sm_length, TLVs with wrong tags and lengths,
 * truncated and oversized bodies, foreign command ids — split into odd chunks or pipelined. Every
 * case is a pure function of its Rng, so a seed replays a run.
 */
import type { Rng } from './fuzz-run.js';

/** SMPP 3.4 §5.1.2 command ids used by the templates. */
export const Cmd = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_transmitter: 0x00000002,
  query_sm: 0x00000003,
  submit_sm: 0x00000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  cancel_sm: 0x00000008,
  bind_transceiver: 0x00000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
  broadcast_sm: 0x00000111,
  query_broadcast_sm: 0x00000112,
  cancel_broadcast_sm: 0x00000113,
} as const;

/** The highest command id of SMPP 5.0 (cancel_broadcast_sm_resp's low part is 0x113; the table reserves to 0x115). */
export const LAST_COMMAND_ID = 0x115;

/** Sequence number of the enquire_link probe appended to a case (never used by the payloads). */
export const PROBE_SEQUENCE = 0x7ffffffe;

/** How a case ends on the client side. */
export type CaseEnding =
  /** append an enquire_link: a server that still frames the stream answers it at once */
  | 'probe'
  /** half-close after writing: the server sees the end of the stream */
  | 'half-close'
  /** write and wait: only the server's own timeouts end an incomplete PDU */
  | 'hold';

/** One fuzz case: what to write on a fresh connection. */
export interface SmppCase {
  /** What the case is, for failure messages. */
  name: string;
  /** Bind as the fuzz account first (then the payload reaches the bound-state handlers). */
  bound: boolean;
  /** Written in this order, each as its own write. */
  chunks: Buffer[];
  ending: CaseEnding;
}

/** Credentials the generator may bind with (the fuzz account exists; others may not). */
export interface Credentials {
  systemId: string;
  password: string;
}

// ── byte builders ───────────────────────────────────────────────────────────────────────────

/** C-Octet String: latin1 octets and a NUL. */
export function cstr(value: string | Buffer): Buffer {
  return Buffer.concat([typeof value === 'string' ? Buffer.from(value, 'latin1') : value, Buffer.from([0])]);
}

/** One octet (masked to 8 bits). */
const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);

/** One TLV: tag, declared length (default: the value's), value. */
export function tlv(tag: number, value: Buffer, declared = value.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(tag & 0xffff, 0);
  head.writeUInt16BE(declared & 0xffff, 2);
  return Buffer.concat([head, value]);
}

/** A PDU: header with the given command_length (default: correct), status 0 unless given. */
export function pdu(commandId: number, sequence: number, body: Buffer = Buffer.alloc(0), length = 16 + body.length, status = 0): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(length >>> 0, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  header.writeUInt32BE(status >>> 0, 8);
  header.writeUInt32BE(sequence >>> 0, 12);
  return Buffer.concat([header, body]);
}

/** enquire_link with the probe's sequence number. */
export function probe(): Buffer {
  return pdu(Cmd.enquire_link, PROBE_SEQUENCE);
}

/** bind_* body (SMPP 3.4 §4.1). */
export function bindBody(systemId: string, password: string, interfaceVersion = 0x34): Buffer {
  return Buffer.concat([cstr(systemId), cstr(password), cstr(''), u8(interfaceVersion), u8(0), u8(0), cstr('')]);
}

// ── field values ────────────────────────────────────────────────────────────────────────────

const ADDRESSES = ['436991234567', '+436991234567', '', '0', 'Acme', 'A'.repeat(21), '43699123456789012345', '12\u00ff34', '999000001', '999000003', '999000004'];
const TIMES = ['', '260101120000000+', '000001000000000R', '991231235959000-', 'garbage', '2601011200000000', '260101120000004+', '999999999999999+'];
const MESSAGE_IDS = ['', '0', '1', '-1', 'abc', '000000000001', '9'.repeat(16), '9'.repeat(17), '1e10', ' 12 ', 'x'.repeat(64), 'x'.repeat(65)];

/** Random printable latin1 text. */
function text(rng: Rng, max: number): string {
  let s = '';
  const n = rng.int(0, max);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(0x20, 0xff));
  return s;
}

/** A C-Octet String field: usually a plausible value, sometimes junk. */
function field(rng: Rng, plausible: readonly string[], max = 30): Buffer {
  if (rng.chance(0.7)) return cstr(rng.pick(plausible));
  return cstr(text(rng, max));
}

/** An int8 field: usually a small or boundary value. */
function octet(rng: Rng): Buffer {
  return u8(rng.chance(0.6) ? rng.pick([0, 0, 1, 2, 3, 5, 8, 0x40, 0x80, 0xff]) : rng.int(0, 255));
}

/** TLV tags SMPP defines (§5.3.2) plus a few nobody defines. */
const TLV_TAGS = [
  0x0005, 0x0006, 0x0007, 0x0008, 0x000d, 0x000e, 0x000f, 0x0010, 0x0017, 0x0019, 0x001d, 0x001e, 0x0030, 0x0201, 0x0202, 0x0203, 0x0204, 0x0205, 0x020a, 0x020b,
  0x020c, 0x020d, 0x020e, 0x020f, 0x0210, 0x0302, 0x0303, 0x0304, 0x0381, 0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427, 0x0428, 0x0501, 0x0600,
  0x1201, 0x1203, 0x1204, 0x130c, 0x1380, 0x1383, 0x0000, 0x1400, 0x3fff, 0xffff,
];

/** A TLV: known or odd tag, value of a fitting or unfitting size, declared length right or wrong. */
function randomTlv(rng: Rng): Buffer {
  const tag = rng.chance(0.85) ? rng.pick(TLV_TAGS) : rng.int(0, 0xffff);
  const size = rng.pick([0, 1, 2, 3, 4, rng.int(0, 300)]);
  const value = tag === 0x0424 && rng.chance(0.5) ? Buffer.from(text(rng, 400), 'latin1') : rng.bytes(size);
  const declared = rng.chance(0.8) ? value.length : rng.pick([0, value.length + 1, Math.max(0, value.length - 1), 0xffff, rng.int(0, 0xffff)]);
  return tlv(tag, value, declared);
}

/** SAR TLVs: complete, partial or inconsistent. */
function sarTlvs(rng: Rng): Buffer[] {
  const all = [tlv(0x020c, Buffer.from([0, rng.int(0, 255)])), tlv(0x020e, u8(rng.int(0, 3))), tlv(0x020f, u8(rng.int(0, 4)))];
  return all.filter(() => rng.chance(0.8));
}

/** A short_message: text, or UDH-ish octets, of a length around the one-SMS limit. */
function shortMessage(rng: Rng): Buffer {
  const n = rng.pick([0, 1, 5, 140, 141, 160, 161, 254, 255, rng.int(0, 255)]);
  if (rng.chance(0.3)) {
    // A user data header: UDHL, then IEs (concatenation 0x00 / 0x08 or anything).
    const ies = rng.chance(0.5) ? Buffer.from([0x00, 0x03, rng.int(0, 255), rng.int(0, 3), rng.int(0, 4)]) : Buffer.from([0x08, 0x04, 0, rng.int(0, 255), rng.int(0, 3), rng.int(0, 4)]);
    const udh = rng.chance(0.8) ? ies : rng.bytes(rng.int(0, 10));
    return Buffer.concat([u8(rng.chance(0.8) ? udh.length : rng.int(0, 255)), udh, rng.bytes(Math.max(0, n - udh.length - 1))]).subarray(0, 255);
  }
  return rng.chance(0.5) ? Buffer.from(text(rng, n), 'latin1').subarray(0, 255) : rng.bytes(n);
}

/** submit_sm / deliver_sm body (SMPP 3.4 §4.4.1), fields plausible or not, with TLVs. */
function submitBody(rng: Rng): Buffer {
  const sm = shortMessage(rng);
  const tlvs: Buffer[] = [];
  if (rng.chance(0.3)) tlvs.push(...sarTlvs(rng));
  if (rng.chance(0.2)) tlvs.push(tlv(0x0424, Buffer.from(text(rng, 600), 'latin1')));
  const extra = rng.int(0, rng.chance(0.7) ? 1 : 5);
  for (let i = 0; i < extra; i++) tlvs.push(randomTlv(rng));
  return Buffer.concat([
    field(rng, ['', 'CMT', 'WAP', 'TOOLONG']), // service_type
    octet(rng), // source_addr_ton
    octet(rng), // source_addr_npi
    field(rng, ADDRESSES), // source_addr
    octet(rng), // dest_addr_ton
    octet(rng), // dest_addr_npi
    field(rng, ADDRESSES), // destination_addr
    octet(rng), // esm_class
    octet(rng), // protocol_id
    octet(rng), // priority_flag
    field(rng, TIMES), // schedule_delivery_time
    field(rng, TIMES), // validity_period
    octet(rng), // registered_delivery
    octet(rng), // replace_if_present_flag
    octet(rng), // data_coding
    octet(rng), // sm_default_msg_id
    u8(rng.chance(0.85) ? sm.length : rng.int(0, 255)), // sm_length
    sm, // short_message
    ...tlvs,
  ]);
}

/** A submit_sm that the server accepts (registered_delivery as given). */
export function validSubmitBody(text = 'fuzz', registeredDelivery = 0): Buffer {
  const sm = Buffer.from(text, 'latin1');
  return Buffer.concat([
    cstr(''), // service_type
    u8(1), // source_addr_ton: international
    u8(1), // source_addr_npi: E.164
    cstr('436601234567'), // source_addr
    u8(1), // dest_addr_ton
    u8(1), // dest_addr_npi
    cstr('436991234567'), // destination_addr
    u8(0), // esm_class
    u8(0), // protocol_id
    u8(0), // priority_flag
    cstr(''), // schedule_delivery_time
    cstr(''), // validity_period
    u8(registeredDelivery), // registered_delivery
    u8(0), // replace_if_present_flag
    u8(0), // data_coding
    u8(0), // sm_default_msg_id
    u8(sm.length), // sm_length
    sm,
  ]);
}

/** data_sm body (SMPP 3.4 §4.7.1): user data in message_payload. */
function dataSmBody(rng: Rng): Buffer {
  const tlvs: Buffer[] = [];
  if (rng.chance(0.8)) tlvs.push(tlv(0x0424, rng.chance(0.5) ? Buffer.from(text(rng, 300), 'latin1') : rng.bytes(rng.pick([0, 1, 2, 3, 500, rng.int(0, 2000)]))));
  if (rng.chance(0.3)) tlvs.push(...sarTlvs(rng));
  if (rng.chance(0.3)) tlvs.push(randomTlv(rng));
  return Buffer.concat([
    field(rng, ['', 'CMT']), // service_type
    octet(rng), // source_addr_ton
    octet(rng), // source_addr_npi
    field(rng, ADDRESSES), // source_addr
    octet(rng), // dest_addr_ton
    octet(rng), // dest_addr_npi
    field(rng, ADDRESSES), // destination_addr
    octet(rng), // esm_class
    octet(rng), // registered_delivery
    octet(rng), // data_coding
    ...tlvs,
  ]);
}

/** submit_multi body (SMPP 3.4 §4.5.1) with SME addresses and distribution lists. */
function submitMultiBody(rng: Rng): Buffer {
  const count = rng.pick([0, 1, 2, 255, rng.int(0, 10)]);
  const dests: Buffer[] = [];
  for (let i = 0; i < Math.min(count, 12); i++) {
    const flag = rng.chance(0.9) ? rng.pick([1, 2]) : rng.int(0, 255);
    dests.push(flag === 1 ? Buffer.concat([u8(1), octet(rng), octet(rng), field(rng, ADDRESSES)]) : Buffer.concat([u8(flag), field(rng, ['list', ''])]));
  }
  const sm = shortMessage(rng);
  return Buffer.concat([
    field(rng, ['']), // service_type
    octet(rng), // source_addr_ton
    octet(rng), // source_addr_npi
    field(rng, ADDRESSES), // source_addr
    u8(count), // number_of_dests
    ...dests, // dest_address
    octet(rng), // esm_class
    octet(rng), // protocol_id
    octet(rng), // priority_flag
    field(rng, TIMES), // schedule_delivery_time
    field(rng, TIMES), // validity_period
    octet(rng), // registered_delivery
    octet(rng), // replace_if_present_flag
    octet(rng), // data_coding
    octet(rng), // sm_default_msg_id
    u8(sm.length), // sm_length
    sm,
  ]);
}

/** query_sm body (§4.8.1). */
function querySmBody(rng: Rng): Buffer {
  return Buffer.concat([field(rng, MESSAGE_IDS, 70), octet(rng), octet(rng), field(rng, ADDRESSES)]);
}

/** cancel_sm body (§4.9.1). */
function cancelSmBody(rng: Rng): Buffer {
  return Buffer.concat([field(rng, ['', 'CMT']), field(rng, MESSAGE_IDS, 70), octet(rng), octet(rng), field(rng, ADDRESSES), octet(rng), octet(rng), field(rng, ADDRESSES)]);
}

/** replace_sm body (§4.10.1). */
function replaceSmBody(rng: Rng): Buffer {
  const sm = shortMessage(rng);
  return Buffer.concat([field(rng, MESSAGE_IDS), octet(rng), octet(rng), field(rng, ADDRESSES), field(rng, TIMES), field(rng, TIMES), octet(rng), octet(rng), u8(sm.length), sm]);
}

/** A bind body with the fuzz account, another, or junk. */
function bindBodyFor(rng: Rng, creds: Credentials): Buffer {
  const systemId = rng.pick([creds.systemId, creds.systemId, 'nobody', '', 'x'.repeat(16), text(rng, 20)]);
  const password = rng.pick([creds.password, creds.password, 'wrong', '', 'p'.repeat(65), text(rng, 20)]);
  return Buffer.concat([cstr(systemId), cstr(password), field(rng, ['', 'VMA']), u8(rng.pick([0x34, 0x50, 0x33, 0x00, 0xff])), octet(rng), octet(rng), field(rng, ['', '^43.*', '['])]);
}

/** One valid-looking PDU of a random kind (name and bytes). */
export function templatePdu(rng: Rng, creds: Credentials, sequence: number): { name: string; bytes: Buffer } {
  const kinds: Array<[string, () => Buffer]> = [
    ['bind_transceiver', () => pdu(Cmd.bind_transceiver, sequence, bindBodyFor(rng, creds))],
    ['bind_transmitter', () => pdu(Cmd.bind_transmitter, sequence, bindBodyFor(rng, creds))],
    ['bind_receiver', () => pdu(Cmd.bind_receiver, sequence, bindBodyFor(rng, creds))],
    ['submit_sm', () => pdu(Cmd.submit_sm, sequence, submitBody(rng))],
    ['submit_sm', () => pdu(Cmd.submit_sm, sequence, submitBody(rng))],
    ['submit_sm (valid)', () => pdu(Cmd.submit_sm, sequence, validSubmitBody(text(rng, 100), rng.pick([0, 1, 2, 0x10, 0x11])))],
    ['deliver_sm', () => pdu(Cmd.deliver_sm, sequence, submitBody(rng))],
    ['deliver_sm_resp', () => pdu(Cmd.deliver_sm_resp, sequence, field(rng, ['', '1'], 70), undefined, rng.pick([0, 0, 8, 0x58]))],
    ['enquire_link', () => pdu(Cmd.enquire_link, sequence)],
    ['enquire_link_resp', () => pdu(Cmd.enquire_link_resp, sequence)],
    ['unbind', () => pdu(Cmd.unbind, sequence)],
    ['unbind_resp', () => pdu(Cmd.unbind_resp, sequence)],
    ['generic_nack', () => pdu(Cmd.generic_nack, sequence, Buffer.alloc(0), undefined, rng.int(0, 0x110))],
    ['query_sm', () => pdu(Cmd.query_sm, sequence, querySmBody(rng))],
    ['cancel_sm', () => pdu(Cmd.cancel_sm, sequence, cancelSmBody(rng))],
    ['replace_sm', () => pdu(Cmd.replace_sm, sequence, replaceSmBody(rng))],
    ['data_sm', () => pdu(Cmd.data_sm, sequence, dataSmBody(rng))],
    ['data_sm_resp', () => pdu(Cmd.data_sm_resp, sequence, field(rng, ['1'], 70))],
    ['submit_multi', () => pdu(Cmd.submit_multi, sequence, submitMultiBody(rng))],
    ['outbind', () => pdu(Cmd.outbind, sequence, Buffer.concat([field(rng, [creds.systemId]), field(rng, [creds.password])]))],
    ['alert_notification', () => pdu(Cmd.alert_notification, sequence, Buffer.concat([octet(rng), octet(rng), field(rng, ADDRESSES), octet(rng), octet(rng), field(rng, ADDRESSES)]))],
    ['broadcast_sm', () => pdu(rng.pick([Cmd.broadcast_sm, Cmd.query_broadcast_sm, Cmd.cancel_broadcast_sm]), sequence, rng.bytes(rng.int(0, 60)))],
    ['unknown id', () => pdu(rng.pick([0x0000000a, 0x00000116, 0x000001ff, 0x12345678, 0x7fffffff, 0x80000116, 0xffffffff]), sequence, rng.bytes(rng.int(0, 20)))],
  ];
  const [name, build] = rng.pick(kinds);
  return { name, bytes: build() };
}

// ── mutations ───────────────────────────────────────────────────────────────────────────────

/** Interesting command_length values relative to the real one and the limit. */
function badLength(rng: Rng, real: number, maxPduBytes: number): number {
  return rng.pick([0, 1, 4, 8, 12, 15, 16, 17, real - 1, real + 1, real + rng.int(2, 100), Math.max(0, real - rng.int(2, 20)), maxPduBytes, maxPduBytes + 1, 0x7fffffff, 0x80000000, 0xffffffff, rng.int(0, 0xffffffff)]) >>> 0;
}

/** Sets command_length to the real length (when there are octets for it: a cut PDU may be shorter). */
function setLength(t: Buffer): void {
  if (t.length >= 4) t.writeUInt32BE(t.length, 0);
}

/** One mutation of a PDU's bytes; returns the new bytes and what was done. */
function mutate(rng: Rng, bytes: Buffer, maxPduBytes: number): { bytes: Buffer; what: string } {
  const out = Buffer.from(bytes);
  switch (rng.int(0, 11)) {
    case 0: {
      const length = badLength(rng, out.length, maxPduBytes);
      if (out.length >= 4) out.writeUInt32BE(length, 0);
      return { bytes: out, what: `command_length ${length}` };
    }
    case 1: {
      const n = rng.int(1, 4);
      for (let i = 0; i < n && out.length > 0; i++) out[rng.int(0, out.length - 1)] = rng.pick([0x00, 0xff, 0x80, 0x7f, rng.int(0, 255)]);
      return { bytes: out, what: `${n} octet(s) changed` };
    }
    case 2: {
      // Every NUL in the body gone: C-Octet Strings run on.
      for (let i = 16; i < out.length; i++) if (out[i] === 0) out[i] = 0x41;
      return { bytes: out, what: 'NULs removed' };
    }
    case 3: {
      const cut = rng.int(0, Math.max(0, out.length - 1));
      return { bytes: out.subarray(0, cut), what: `truncated to ${cut} octets (command_length kept)` };
    }
    case 4: {
      const cut = rng.int(16, Math.max(16, out.length - 1));
      const t = Buffer.from(out.subarray(0, cut));
      setLength(t);
      return { bytes: t, what: `body truncated to ${cut} octets (command_length fixed)` };
    }
    case 5: {
      const extra = rng.bytes(rng.pick([1, 3, 4, 5, rng.int(1, 200)]));
      const t = Buffer.concat([out, extra]);
      if (rng.chance(0.7)) setLength(t);
      return { bytes: t, what: `${extra.length} octets appended` };
    }
    case 6: {
      const tlvs = Array.from({ length: rng.int(1, 4) }, () => randomTlv(rng));
      const t = Buffer.concat([out, ...tlvs]);
      setLength(t);
      return { bytes: t, what: `${tlvs.length} TLV(s) appended` };
    }
    case 7: {
      // A TLV whose length field claims more (or less) than follows.
      const value = rng.bytes(rng.int(0, 8));
      const t = Buffer.concat([out, tlv(rng.pick(TLV_TAGS), value, rng.pick([value.length + 1, value.length + 100, 0xffff, Math.max(0, value.length - 1)]))]);
      setLength(t);
      return { bytes: t, what: 'TLV length mismatch' };
    }
    case 8: {
      const id = rng.chance(0.5) ? rng.int(0, LAST_COMMAND_ID) : (0x80000000 | rng.int(0, LAST_COMMAND_ID)) >>> 0;
      if (out.length >= 8) out.writeUInt32BE(id, 4);
      return { bytes: out, what: `command_id 0x${id.toString(16)}` };
    }
    case 9: {
      if (out.length >= 12) out.writeUInt32BE(rng.pick([1, 8, 0xff, 0xffffffff]), 8);
      return { bytes: out, what: 'command_status set' };
    }
    case 10: {
      // Oversized: a body up to (or past) the limit.
      const size = rng.pick([maxPduBytes - 16, maxPduBytes - 15, rng.int(1000, maxPduBytes)]);
      const t = Buffer.concat([out.subarray(0, 16), rng.bytes(Math.max(0, size))]);
      setLength(t);
      return { bytes: t, what: `oversized body ${size}` };
    }
    default: {
      if (out.length >= 16) out.writeUInt32BE(rng.pick([0, 1, 0x7fffffff, 0xffffffff, PROBE_SEQUENCE]), 12);
      return { bytes: out, what: 'sequence_number set' };
    }
  }
}

/** Splits `bytes` into 1–5 writes at random points (framing across reads). */
function split(rng: Rng, bytes: Buffer): Buffer[] {
  if (bytes.length < 2 || rng.chance(0.6)) return [bytes];
  const cuts = new Set<number>();
  const n = rng.int(1, Math.min(4, bytes.length - 1));
  for (let i = 0; i < n; i++) cuts.add(rng.int(1, bytes.length - 1));
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i]!, end));
}

/** One random case: random bytes, a template, or a mutated template, maybe with more behind it. */
export function randomCase(rng: Rng, creds: Credentials, maxPduBytes: number): SmppCase {
  const bound = rng.chance(0.35);
  const ending: CaseEnding = rng.pick(['probe', 'probe', 'half-close', 'half-close', 'hold']);
  const parts: Buffer[] = [];
  const names: string[] = [];
  const count = rng.chance(0.75) ? 1 : rng.int(2, 5);
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    if (roll < 0.1) {
      const n = rng.pick([1, 3, 4, 15, 16, 17, rng.int(1, 300)]);
      parts.push(rng.bytes(n));
      names.push(`${n} random octets`);
    } else {
      const t = templatePdu(rng, creds, rng.int(1, 1000));
      if (roll < 0.3) {
        parts.push(t.bytes);
        names.push(t.name);
      } else {
        let bytes = t.bytes;
        const what: string[] = [];
        for (let m = rng.int(1, 3); m > 0; m--) {
          const r = mutate(rng, bytes, maxPduBytes);
          bytes = r.bytes;
          what.push(r.what);
        }
        parts.push(bytes);
        names.push(`${t.name} [${what.join('; ')}]`);
      }
    }
  }
  const all = Buffer.concat(parts);
  return { name: `${bound ? 'bound' : 'unbound'}: ${names.join(' + ')} (${ending})`, bound, chunks: split(rng, all), ending };
}

/**
 * The command id sweep: every id 0x00000000–0x00000115 and each with the response bit, header
 * only (unbound and bound) and with a random body (bound), each followed by the probe.
 */
export function sweepCases(rng: Rng): SmppCase[] {
  const out: SmppCase[] = [];
  for (let low = 0; low <= LAST_COMMAND_ID; low++) {
    for (const id of [low, (0x80000000 | low) >>> 0]) {
      const hex = `0x${id.toString(16).padStart(8, '0')}`;
      out.push({ name: `unbound: ${hex} header only`, bound: false, chunks: [pdu(id, 100 + low)], ending: 'probe' });
      out.push({ name: `bound: ${hex} header only`, bound: true, chunks: [pdu(id, 100 + low)], ending: 'probe' });
      out.push({ name: `bound: ${hex} with a random body`, bound: true, chunks: [pdu(id, 100 + low, rng.bytes(rng.int(1, 64)))], ending: 'probe' });
    }
  }
  return out;
}
