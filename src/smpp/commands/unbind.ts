/** unbind (SMPP 3.4 §4.2): answered after every request read before it has been answered. */
import type { Pdu } from '../pdu-codec.js';
import type { SmppSession } from '../session.js';

export function unbind(session: SmppSession, pdu: Pdu): void {
  session.unbindRequested(pdu);
}
