/**
 * cancel_sm (SMPP 3.4 §4.9): ends messages still in delivery as DELETED. With a message_id,
 * that message (own, matching source_addr); without, every message of the account from
 * source_addr to destination_addr (and service_type, if given) still in delivery. Nothing to
 * cancel, or the message is already final → ESME_RCANCELFAIL.
 */
import { SmppStatusError } from '../../errors.js';
import { isFinalSms } from '../../delivery/status.js';
import { Status } from '../command-status.js';
import { commandId, encodeHeaderOnly, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';
import { ownMessage } from './query-sm.js';

const CANCEL_SM_RESP = commandId('cancel_sm_resp');

export function cancelSm(session: SmppSession, pdu: Pdu): void {
  if (!session.canSubmit) throw new SmppStatusError(Status.ESME_RINVBNDSTS, `cancel_sm on a ${session.bindType} bind`);
  const { store, recorder, receipts } = session.ctx;
  const messageId = String(pdu.fields.message_id);
  const sourceAddr = String(pdu.fields.source_addr);
  let ids: string[];
  if (messageId !== '') {
    const message = ownMessage(session, messageId, sourceAddr);
    if (isFinalSms(message.status)) throw new SmppStatusError(Status.ESME_RCANCELFAIL, `message ${messageId} is already ${message.status}`);
    ids = [message.id];
  } else {
    ids = store.messages.pendingBetween(session.account!.id, sourceAddr, String(pdu.fields.destination_addr), String(pdu.fields.service_type));
  }
  const now = Date.now();
  const cancelled = store.transaction(() => {
    let n = 0;
    for (const id of ids) {
      // Only a message still in the simulator's hands can be taken back.
      if (!store.simulated.remove(id)) continue;
      if (recorder.record({ messageId: id, status: 'deleted', errorCode: 0, origin: 'cancel', occurredAt: now })) n++;
    }
    return n;
  });
  if (cancelled === 0) throw new SmppStatusError(Status.ESME_RCANCELFAIL, 'no message in delivery to cancel');
  session.write(encodeHeaderOnly(CANCEL_SM_RESP, Status.ESME_ROK, pdu.sequence));
  receipts.owed(session.account!.id);
}
