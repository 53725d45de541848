/**
 * query_sm (SMPP 3.4 §4.8): the state of one of the account's own messages. An id that is not
 * the account's (or does not exist) → ESME_RINVMSGID; a source_addr that does not match the
 * message → ESME_RINVSRCADR.
 */
import { SmppStatusError } from '../../errors.js';
import { smsStatusInfo } from '../../delivery/status.js';
import type { StoredMessage } from '../../store/messages.js';
import { Status } from '../command-status.js';
import { encodePdu, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';
import { formatSmppTime } from '../smpp-time.js';

/** The account's own message named by message_id, or a refusal. */
export function ownMessage(session: SmppSession, messageId: string, sourceAddr: string): StoredMessage {
  const message = session.ctx.store.messages.byId(messageId);
  if (!message || message.accountId !== session.account!.id) {
    throw new SmppStatusError(Status.ESME_RINVMSGID, `no message ${messageId} of this account`);
  }
  if (sourceAddr !== '' && sourceAddr !== message.sourceAddr) {
    throw new SmppStatusError(Status.ESME_RINVSRCADR, `message ${messageId} was not sent from ${sourceAddr}`);
  }
  return message;
}

export function querySm(session: SmppSession, pdu: Pdu): void {
  if (!session.canSubmit) throw new SmppStatusError(Status.ESME_RINVBNDSTS, `query_sm on a ${session.bindType} bind`);
  const message = ownMessage(session, String(pdu.fields.message_id), String(pdu.fields.source_addr));
  const { messageState } = smsStatusInfo(message.status);
  session.write(
    encodePdu('query_sm_resp', pdu.sequence, {
      message_id: message.id,
      final_date: message.doneAt === null ? '' : formatSmppTime(message.doneAt),
      message_state: messageState,
      // error_code is one octet (SMPP 3.4 §5.2.31): the low octet of the network error.
      error_code: message.errorCode & 0xff,
    }),
  );
}
