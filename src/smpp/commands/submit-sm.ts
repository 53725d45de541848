/**
 * submit_sm (SMPP 3.4 §4.4): validate, throttle, store, and answer only after the commit.
 * Bind state and validation refusals are thrown; storage failures answer ESME_RSYSERR.
 */
import { SmppStatusError } from '../../errors.js';
import { Status } from '../command-status.js';
import { commandId, encodeCStringResponse, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';
import { submitToMessage } from '../submit-message.js';

const SUBMIT_SM_RESP = commandId('submit_sm_resp');

export function submitSm(session: SmppSession, pdu: Pdu): void {
  if (!session.canSubmit) throw new SmppStatusError(Status.ESME_RINVBNDSTS, `submit_sm on a ${session.bindType} bind`);
  const message = submitToMessage(session, pdu, Date.now());
  if (!session.ctx.binds.takeToken(message.accountId)) {
    throw new SmppStatusError(Status.ESME_RTHROTTLED, 'over the account rate');
  }
  session.begin();
  session.ctx.ingest.add(message, (err, id) => {
    session.end();
    if (err || id === undefined) {
      session.log.error({ err }, 'storing a submitted message failed');
      session.respondStatus(pdu, Status.ESME_RSYSERR);
      return;
    }
    session.write(encodeCStringResponse(SUBMIT_SM_RESP, pdu.sequence, id));
  });
}
