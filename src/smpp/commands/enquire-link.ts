/** enquire_link (SMPP 3.4 §4.11): answered at once in any state. */
import { Status } from '../command-status.js';
import { commandId, encodeHeaderOnly, type Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';

const ENQUIRE_LINK_RESP = commandId('enquire_link_resp');

export function enquireLink(session: SmppSession, pdu: Pdu): void {
  session.write(encodeHeaderOnly(ENQUIRE_LINK_RESP, Status.ESME_ROK, pdu.sequence));
}
