/** A stored message → the submit_sm fields sent upstream (SMPP 3.4 §4.4.1), in the `smpp` package's names. */
import { formatSmppTime } from '../../smpp/smpp-time.js';
import type { StoredMessage } from '../../store/messages.js';

/** esm_class UDHI (SMPP 3.4 §5.2.12). */
const ESM_UDHI = 0x40;
/** Longest short_message (SMPP 3.4 §5.2.21); longer user data goes in message_payload. */
const MAX_SHORT_MESSAGE = 254;

/**
 * The relay always asks the upstream for the final receipt (it is how the outcome is learnt),
 * and for intermediate notifications when our client asked for them (bit 0x10).
 * Scheduling is done here (the message is queued until its time), so no schedule_delivery_time;
 * the validity period goes upstream as an absolute time.
 */
export function submitFieldsFor(m: StoredMessage): Record<string, unknown> {
  const userData = m.udh ? Buffer.concat([Buffer.from([m.udh.length]), m.udh, m.body]) : m.body;
  const fields: Record<string, unknown> = {
    service_type: m.serviceType,
    source_addr_ton: m.sourceTon,
    source_addr_npi: m.sourceNpi,
    source_addr: m.sourceAddr,
    dest_addr_ton: m.destTon,
    dest_addr_npi: m.destNpi,
    destination_addr: m.destAddr,
    esm_class: m.udh ? m.esmClass | ESM_UDHI : m.esmClass & ~ESM_UDHI,
    protocol_id: m.protocolId,
    priority_flag: m.priority,
    schedule_delivery_time: '',
    validity_period: m.expiresAt !== null ? formatSmppTime(m.expiresAt) : '',
    registered_delivery: 0x01 | (m.registeredDelivery & 0x10),
    replace_if_present_flag: 0,
    data_coding: m.dataCoding,
    sm_default_msg_id: 0,
  };
  if (userData.length > MAX_SHORT_MESSAGE) {
    fields.short_message = Buffer.alloc(0);
    fields.message_payload = userData;
  } else {
    fields.short_message = userData;
  }
  if (m.partCount !== null && m.partNumber !== null && m.partRef !== null && !m.udh) {
    // Parts that came with SAR TLVs go on with them.
    fields.sar_msg_ref_num = m.partRef;
    fields.sar_total_segments = m.partCount;
    fields.sar_segment_seqnum = m.partNumber;
  }
  return fields;
}
