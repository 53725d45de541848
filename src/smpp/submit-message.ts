/**
 * submit_sm fields → a NewMessage, validated field by field. Each refusal carries the status
 * SMPP 3.4 §5.2 assigns to that field, so a client can tell exactly what it got wrong.
 */
import { SmppStatusError } from '../errors.js';
import type { NewMessage } from '../store/messages.js';
import { Status } from './command-status.js';
import { Tlv, tlvInt, type Pdu } from './pdu-codec.js';
import type { SmppSession } from './session.js';
import { parseSmppTime, SmppTimeError } from './smpp-time.js';
import { charsetOf, decodeText, fitsOneSms, isValidUcs2Length } from './text.js';
import { concatFromSar, SarError, splitUserData, UdhError, type Concat } from './udh.js';

/** SMPP 3.4 §5.2.7: TON values 0–6. */
const MAX_TON = 6;
/** SMPP 3.4 §5.2.6: NPI values. */
const NPIS = new Set([0, 1, 3, 4, 6, 8, 9, 10, 14, 18]);
/** SMPP 3.4 §5.2.8/§5.2.9: addresses are at most 21 octets with the NUL. */
const MAX_ADDRESS = 20;
/** SMPP 3.4 §5.2.11: service_type is at most 6 octets with the NUL. */
const MAX_SERVICE_TYPE = 5;
/** esm_class bits 2–5, message type (SMPP 3.4 §5.2.12). */
const ESM_TYPE_MASK = 0x3c;
/** An ESME may submit default messages, delivery acknowledgements (0x08) and user acknowledgements (0x10). */
const ESM_TYPES_FROM_ESME = new Set([0x00, 0x08, 0x10]);
const ESM_UDHI = 0x40;
/** TON 5: alphanumeric sender (up to 11 GSM characters on air). */
const TON_ALPHANUMERIC = 5;
const MAX_ALPHANUMERIC = 11;

const refuse = (status: number, reason: string): never => {
  throw new SmppStatusError(status, reason);
};

function checkAddress(side: 'source' | 'destination', ton: number, npi: number, addr: string): void {
  const [tonStatus, npiStatus, addrStatus] =
    side === 'source'
      ? [Status.ESME_RINVSRCTON, Status.ESME_RINVSRCNPI, Status.ESME_RINVSRCADR]
      : [Status.ESME_RINVDSTTON, Status.ESME_RINVDSTNPI, Status.ESME_RINVDSTADR];
  if (ton > MAX_TON) refuse(tonStatus, `${side} TON ${ton} is reserved`);
  if (!NPIS.has(npi)) refuse(npiStatus, `${side} NPI ${npi} is reserved`);
  if (addr.length > MAX_ADDRESS) refuse(addrStatus, `${side} address longer than ${MAX_ADDRESS} characters`);
  if (side === 'destination') {
    // A handset is reached by a number: digits, optionally with a leading '+'.
    if (!/^\+?[0-9]{1,20}$/.test(addr)) refuse(addrStatus, `destination address "${addr}" is not a phone number`);
    return;
  }
  if (ton === TON_ALPHANUMERIC) {
    if (addr.length === 0 || addr.length > MAX_ALPHANUMERIC) refuse(addrStatus, `alphanumeric source must be 1–${MAX_ALPHANUMERIC} characters`);
    if (/[\x00-\x1f\x7f-\xff]/.test(addr)) refuse(addrStatus, 'alphanumeric source has control or non-ASCII characters');
  } else if (addr.length > 0 && !/^\+?[0-9]+$/.test(addr)) {
    refuse(addrStatus, `source address "${addr}" is not numeric (use TON 5 for alphanumeric senders)`);
  }
}

function checkRegisteredDelivery(value: number, interfaceVersion: number): void {
  const receipt = value & 0x03;
  // 0x03 "success only" exists from SMPP 5.0 on; in 3.4 it is reserved.
  if (receipt === 0x03 && interfaceVersion < 0x50) refuse(Status.ESME_RINVREGDLVFLG, 'registered_delivery 0x03 needs an SMPP 5.0 bind');
  if ((value & 0xe0) !== 0) refuse(Status.ESME_RINVREGDLVFLG, `registered_delivery 0x${value.toString(16)} sets reserved bits`);
}

function sarConcat(pdu: Pdu): Concat | null {
  const ref = tlvInt(pdu, Tlv.sar_msg_ref_num, 'sar_msg_ref_num', 2);
  const total = tlvInt(pdu, Tlv.sar_total_segments, 'sar_total_segments', 1);
  const seq = tlvInt(pdu, Tlv.sar_segment_seqnum, 'sar_segment_seqnum', 1);
  const present = [ref, total, seq].filter((v) => v !== undefined).length;
  if (present > 0 && present < 3) refuse(Status.ESME_RMISSINGOPTPARAM, 'SAR TLVs must come together: sar_msg_ref_num, sar_total_segments, sar_segment_seqnum');
  try {
    return concatFromSar(ref, total, seq);
  } catch (err) {
    if (err instanceof SarError) return refuse(Status.ESME_RINVOPTPARAMVAL, err.message);
    throw err;
  }
}

function parseTime(value: string, now: number, status: number, name: string): number | null {
  try {
    return parseSmppTime(value, now);
  } catch (err) {
    if (err instanceof SmppTimeError) return refuse(status, `${name}: ${err.message}`);
    throw err;
  }
}

/** The fields submit_sm and data_sm share, already read from the PDU. */
interface CommonFields {
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  sourceAddr: string;
  destTon: number;
  destNpi: number;
  destAddr: string;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  /** short_message (empty for data_sm) */
  shortMessage: Buffer;
}

function commonFields(f: Pdu['fields']): CommonFields {
  return {
    serviceType: String(f.service_type),
    sourceTon: Number(f.source_addr_ton),
    sourceNpi: Number(f.source_addr_npi),
    sourceAddr: String(f.source_addr),
    destTon: Number(f.dest_addr_ton),
    destNpi: Number(f.dest_addr_npi),
    destAddr: String(f.destination_addr),
    esmClass: Number(f.esm_class),
    registeredDelivery: Number(f.registered_delivery),
    dataCoding: Number(f.data_coding),
    shortMessage: (f.short_message as Buffer | undefined) ?? Buffer.alloc(0),
  };
}

/** Checks what submit_sm and data_sm share and builds the message (without the submit_sm-only fields). */
function buildMessage(session: SmppSession, pdu: Pdu, c: CommonFields, now: number): NewMessage {
  if (c.serviceType.length > MAX_SERVICE_TYPE) refuse(Status.ESME_RINVSERTYP, `service_type longer than ${MAX_SERVICE_TYPE} characters`);
  checkAddress('source', c.sourceTon, c.sourceNpi, c.sourceAddr);
  checkAddress('destination', c.destTon, c.destNpi, c.destAddr);
  if (!ESM_TYPES_FROM_ESME.has(c.esmClass & ESM_TYPE_MASK)) {
    refuse(Status.ESME_RINVESMCLASS, `esm_class 0x${c.esmClass.toString(16)}: message type not allowed from an ESME`);
  }
  checkRegisteredDelivery(c.registeredDelivery, session.interfaceVersion);
  const charset = charsetOf(c.dataCoding, session.ctx.config.defaultAlphabet);
  if (!charset) return refuse(Status.ESME_RINVDCS, `data_coding 0x${c.dataCoding.toString(16)} is reserved`);

  // User data: short_message, or message_payload (SMPP 3.4 §5.3.2.32) — never both.
  const payload = pdu.tlvs.get(Tlv.message_payload);
  if (payload !== undefined && c.shortMessage.length > 0) {
    refuse(Status.ESME_ROPTPARNOTALLWD, 'message_payload together with a non-empty short_message');
  }
  const userData = payload ?? c.shortMessage;
  let split;
  try {
    split = splitUserData(userData, (c.esmClass & ESM_UDHI) !== 0);
  } catch (err) {
    if (err instanceof UdhError) return refuse(Status.ESME_RINVMSGLEN, `user data header: ${err.message}`);
    throw err;
  }
  const udhOctets = split.udh ? split.udh.length + 1 : 0;
  if (payload === undefined && !fitsOneSms(charset, udhOctets, split.body)) {
    refuse(Status.ESME_RINVMSGLEN, `short_message does not fit one SMS (${charset}); send longer texts as parts or in message_payload`);
  }
  if (charset === 'ucs2' && !isValidUcs2Length(split.body)) refuse(Status.ESME_RINVMSGLEN, 'UCS2 text has an odd number of octets');
  const concat = split.concat ?? sarConcat(pdu);

  return {
    accountId: session.account!.id,
    channel: 'smpp',
    messageType: 'sms',
    sessionId: session.sessionRowId,
    serviceType: c.serviceType,
    sourceAddr: c.sourceAddr,
    sourceTon: c.sourceTon,
    sourceNpi: c.sourceNpi,
    destAddr: c.destAddr,
    destTon: c.destTon,
    destNpi: c.destNpi,
    esmClass: c.esmClass,
    protocolId: 0,
    priority: 0,
    registeredDelivery: c.registeredDelivery,
    dataCoding: c.dataCoding,
    udh: split.udh,
    body: split.body,
    text: decodeText(c.dataCoding, split.body, session.ctx.config.defaultAlphabet),
    partRef: concat?.ref ?? null,
    partNumber: concat?.seq ?? null,
    partCount: concat?.total ?? null,
    clientRef: null,
    scheduleAt: null,
    expiresAt: null,
    status: 'enroute',
    submittedAt: now,
  };
}

/** Validates a submit_sm from a bound session and maps it to the message to store. */
export function submitToMessage(session: SmppSession, pdu: Pdu, now: number): NewMessage {
  const f = pdu.fields;
  const priority = Number(f.priority_flag);
  if (priority > 3) refuse(Status.ESME_RINVPRTFLG, `priority_flag ${priority} is reserved`);
  const scheduleAt = parseTime(String(f.schedule_delivery_time), now, Status.ESME_RINVSCHED, 'schedule_delivery_time');
  const expiresAt = parseTime(String(f.validity_period), now, Status.ESME_RINVEXPIRY, 'validity_period');
  if (expiresAt !== null && expiresAt <= now) refuse(Status.ESME_RINVEXPIRY, 'validity_period is in the past');
  if (expiresAt !== null && scheduleAt !== null && expiresAt <= scheduleAt) {
    refuse(Status.ESME_RINVEXPIRY, 'validity_period ends before schedule_delivery_time');
  }
  if (Number(f.replace_if_present_flag) > 1) refuse(Status.ESME_RINVREPFLAG, 'replace_if_present_flag must be 0 or 1');
  if (Number(f.sm_default_msg_id) !== 0) refuse(Status.ESME_RINVDFTMSGID, 'no canned messages are defined (sm_default_msg_id must be 0)');
  const message = buildMessage(session, pdu, commonFields(f), now);
  return {
    ...message,
    protocolId: Number(f.protocol_id),
    priority,
    scheduleAt,
    expiresAt,
    status: scheduleAt !== null && scheduleAt > now ? 'scheduled' : 'enroute',
  };
}

/** Validates a data_sm (SMPP 3.4 §4.7: user data only in message_payload) and maps it to a message. */
export function dataToMessage(session: SmppSession, pdu: Pdu, now: number): NewMessage {
  return buildMessage(session, pdu, commonFields(pdu.fields), now);
}
