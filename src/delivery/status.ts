/**
 * The status model (SPEC §2): names, SMPP receipt `stat` words, `message_state` numbers, which
 * are final, and which count as success for `registered_delivery`.
 */

/** SMS statuses, as stored and forwarded. */
export type SmsStatus = 'scheduled' | 'enroute' | 'delivered' | 'expired' | 'deleted' | 'undelivered' | 'accepted' | 'unknown' | 'rejected';

interface StatusInfo {
  /** Appendix B `stat:` word. */
  stat: string;
  /** SMPP 3.4 §5.2.28 message_state. */
  messageState: number;
  final: boolean;
  /** Counts as success for registered_delivery 0x02 / 0x03 (SPEC §3: failure = not delivered/accepted). */
  success: boolean;
}

const info: Record<SmsStatus, StatusInfo> = {
  // SMPP 3.4 has no SCHEDULED state: a scheduled message is reported as ENROUTE.
  scheduled: { stat: 'ENROUTE', messageState: 1, final: false, success: false },
  enroute: { stat: 'ENROUTE', messageState: 1, final: false, success: false },
  delivered: { stat: 'DELIVRD', messageState: 2, final: true, success: true },
  expired: { stat: 'EXPIRED', messageState: 3, final: true, success: false },
  deleted: { stat: 'DELETED', messageState: 4, final: true, success: false },
  undelivered: { stat: 'UNDELIV', messageState: 5, final: true, success: false },
  accepted: { stat: 'ACCEPTD', messageState: 6, final: true, success: true },
  unknown: { stat: 'UNKNOWN', messageState: 7, final: true, success: false },
  rejected: { stat: 'REJECTD', messageState: 8, final: true, success: false },
};

/** Facts about an SMS status. */
export function smsStatusInfo(status: string): StatusInfo {
  const found = info[status as SmsStatus];
  if (!found) throw new Error(`unknown SMS status ${status}`);
  return found;
}

/** WhatsApp statuses (SPEC §2); `read` and `failed` are final. */
export type WhatsAppStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

/** Whether `status` ends the life of a message of this type. */
export function isFinalStatus(messageType: 'sms' | 'whatsapp', status: string): boolean {
  return messageType === 'whatsapp' ? status === 'read' || status === 'failed' : isFinalSms(status);
}

/** Whether `status` is a final SMS status. */
export function isFinalSms(status: string): boolean {
  return info[status as SmsStatus]?.final ?? false;
}

/**
 * Simulated network error codes (GSM MAP, carried as network_error_code type 3 and in `err:`)
 * for the final statuses that are failures.
 */
export const SIMULATED_ERROR_CODES: Record<string, number> = {
  delivered: 0,
  accepted: 0,
  undelivered: 1, //  unknown subscriber
  expired: 27, //     absent subscriber
  rejected: 13, //    call barred
  deleted: 0,
  unknown: 0,
};

/**
 * Whether an SMPP receipt is owed for a status change (SMPP 3.4 §5.2.17, SPEC §3):
 * bits 0–1: 0 none, 1 final, 2 final failure only, 3 final success only (SMPP 5.0);
 * bit 4 (0x10): intermediate notifications (ENROUTE).
 */
export function receiptOwed(registeredDelivery: number, status: string): boolean {
  const { final, success } = smsStatusInfo(status);
  if (!final) return (registeredDelivery & 0x10) !== 0 && status === 'enroute';
  switch (registeredDelivery & 0x03) {
    case 0x01:
      return true;
    case 0x02:
      return !success;
    case 0x03:
      return success;
    default:
      return false;
  }
}
