/**
 * The dispatch table: one handler per SMPP request command (SMPP 3.4 §4), and the bind-state
 * rules that apply before any handler runs.
 */
import { SmppStatusError } from '../../errors.js';
import { Status } from '../command-status.js';
import type { Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';
import { bindReceiver, bindTransceiver, bindTransmitter } from './bind.js';
import { enquireLink } from './enquire-link.js';
import { notFromEsme, notSupported } from './refused.js';
import { cancelSm } from './cancel-sm.js';
import { querySm } from './query-sm.js';
import { dataSm, submitSm } from './submit-sm.js';
import { unbind } from './unbind.js';

/** A command handler: answers synchronously, or returns a promise; throwing answers with a status. */
export type Handler = (session: SmppSession, pdu: Pdu) => void | Promise<void>;

const handlers: Record<string, Handler> = {
  bind_transmitter: bindTransmitter,
  bind_receiver: bindReceiver,
  bind_transceiver: bindTransceiver,
  unbind,
  enquire_link: enquireLink,
  submit_sm: submitSm,
  data_sm: dataSm,
  query_sm: querySm,
  cancel_sm: cancelSm,
  // Answered with their own response and ESME_RINVCMDID (see README).
  replace_sm: notSupported,
  submit_multi: notSupported,
  broadcast_sm: notSupported,
  query_broadcast_sm: notSupported,
  cancel_broadcast_sm: notSupported,
  // Commands an SMSC sends, never an ESME.
  deliver_sm: notFromEsme,
  outbind: notFromEsme,
  alert_notification: notFromEsme,
};

/** Commands allowed before a successful bind (SMPP 3.4 §2.3: only binds, plus enquire_link). */
const beforeBind = new Set(['bind_transmitter', 'bind_receiver', 'bind_transceiver', 'enquire_link']);

/** Runs the handler for a request PDU after the bind-state check. */
export function dispatch(session: SmppSession, pdu: Pdu): void | Promise<void> {
  const handler = handlers[pdu.command];
  if (!handler) return notFromEsme(session, pdu);
  if (session.state !== 'bound' && !beforeBind.has(pdu.command)) {
    // An unbind on an open session, a submit while unbinding, …
    if (pdu.command !== 'unbind' || session.state !== 'unbinding') {
      throw new SmppStatusError(Status.ESME_RINVBNDSTS, `${pdu.command} in state ${session.state}`);
    }
  }
  return handler(session, pdu);
}
