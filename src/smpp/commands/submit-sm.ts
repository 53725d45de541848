/**
 * submit_sm (SMPP 3.4 §4.4) and data_sm (§4.7): validate, throttle, ask the simulator, store the
 * message with its delivery plan, and answer only after the commit. Refusals are thrown.
 */
import { SmppStatusError } from '../../errors.js';
import { Status } from '../command-status.js';
import { commandId, encodeCStringResponse, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';
import { dataToMessage, submitToMessage } from '../submit-message.js';
import type { NewMessage } from '../../store/messages.js';

const SUBMIT_SM_RESP = commandId('submit_sm_resp');
const DATA_SM_RESP = commandId('data_sm_resp');

function accept(session: SmppSession, pdu: Pdu, message: NewMessage, responseId: number): void {
  const { ctx } = session;
  if (!ctx.binds.takeToken(message.accountId)) throw new SmppStatusError(Status.ESME_RTHROTTLED, 'over the account rate');
  const started = performance.now();
  const decision = ctx.simulator.decide(message, message.submittedAt);
  if (decision.kind === 'refuse') throw new SmppStatusError(Status[decision.submitError], `test number ${message.destAddr} forces ${decision.submitError}`);
  session.begin();
  ctx.intake.add({ message, plan: decision.plan }, (err, id) => {
    // Write the answer before end(): end() may let an unbind go out, which must come after it.
    if (err || id === undefined) {
      session.log.error({ err }, 'storing a submitted message failed');
      session.respondStatus(pdu, Status.ESME_RSYSERR);
      session.end();
      return;
    }
    const respond = (): void => {
      session.write(encodeCStringResponse(responseId, pdu.sequence, id));
      session.end();
      ctx.metrics.smppAccepted.inc();
      ctx.metrics.smppSubmitLatency.observe((performance.now() - started) / 1000);
    };
    if (decision.responseDelayMs === 0) {
      respond();
      return;
    }
    // A test number asked for a late response: the message is stored, its receipts wait for it.
    ctx.receipts.hold(id);
    setTimeout(() => {
      respond();
      ctx.receipts.release(id, message.accountId);
    }, decision.responseDelayMs);
  });
}

export function submitSm(session: SmppSession, pdu: Pdu): void {
  if (!session.canSubmit) throw new SmppStatusError(Status.ESME_RINVBNDSTS, `submit_sm on a ${session.bindType} bind`);
  accept(session, pdu, submitToMessage(session, pdu, Date.now()), SUBMIT_SM_RESP);
}

export function dataSm(session: SmppSession, pdu: Pdu): void {
  if (!session.canSubmit) throw new SmppStatusError(Status.ESME_RINVBNDSTS, `data_sm on a ${session.bindType} bind`);
  accept(session, pdu, dataToMessage(session, pdu, Date.now()), DATA_SM_RESP);
}
