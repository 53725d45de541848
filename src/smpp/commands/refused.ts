/** Commands we answer with a refusal. */
import { SmppStatusError } from '../../errors.js';
import { Status } from '../command-status.js';
import { encodeHeaderOnly, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';

const GENERIC_NACK = 0x80000000;

/**
 * A command this server does not offer: its own response with ESME_RINVCMDID, so a client that
 * matches responses by command sees the answer to what it asked.
 */
export function notSupported(_session: SmppSession, pdu: Pdu): void {
  throw new SmppStatusError(Status.ESME_RINVCMDID, `${pdu.command} is not supported`);
}

/** A command only an SMSC may send (deliver_sm, outbind, alert_notification): generic_nack. */
export function notFromEsme(session: SmppSession, pdu: Pdu): void {
  session.log.info({ command: pdu.command }, 'command not accepted from an ESME');
  session.write(encodeHeaderOnly(GENERIC_NACK, Status.ESME_RINVCMDID, pdu.sequence));
}
