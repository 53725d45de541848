/** Promise wrappers over the `smpp` package's client Session, the real peer of our tests. */
import smpp from 'smpp';

export type Session = smpp.Session;
export type PDU = smpp.PDU;

/** Connects to 127.0.0.1:port; rejects on a connection error. */
export function connect(port: number): Promise<Session> {
  return new Promise((resolve, reject) => {
    const session = smpp.connect({ host: '127.0.0.1', port }, () => resolve(session));
    session.on('error', (err: Error) => reject(err));
  });
}

/** Sends a request and resolves with its response PDU (or a generic_nack). */
export function call(session: Session, command: string, fields: Record<string, unknown> = {}, timeoutMs = 5000): Promise<PDU> {
  return new Promise((resolve, reject) => {
    const pdu = new smpp.PDU(command, fields);
    const timer = setTimeout(() => reject(new Error(`no response to ${command} within ${timeoutMs} ms`)), timeoutMs);
    const onNack = (nack: PDU): void => {
      if (nack.sequence_number === pdu.sequence_number) {
        clearTimeout(timer);
        session.off('generic_nack', onNack);
        resolve(nack);
      }
    };
    session.on('generic_nack', onNack);
    session.send(pdu, (response) => {
      clearTimeout(timer);
      session.off('generic_nack', onNack);
      resolve(response);
    });
  });
}

/** Connects and binds; resolves with the session and the bind response. */
export async function bind(
  port: number,
  systemId: string,
  password: string,
  type: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
  extra: Record<string, unknown> = {},
): Promise<{ session: Session; response: PDU }> {
  const session = await connect(port);
  const response = await call(session, `bind_${type}`, { system_id: systemId, password, interface_version: 0x34, ...extra });
  return { session, response };
}

/** A valid submit_sm with `fields` merged over it. */
export function submitFields(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '436601234567',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '436991234567',
    data_coding: 0,
    short_message: Buffer.from('Hello test'),
    ...fields,
  };
}

/** Submits and resolves with the submit_sm_resp. */
export function submit(session: Session, fields: Record<string, unknown> = {}): Promise<PDU> {
  return call(session, 'submit_sm', submitFields(fields));
}

/** Closes a session and waits for the socket to close. */
export function closeSession(session: Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.socket.destroyed) return resolve();
    session.socket.once('close', () => resolve());
    session.destroy();
  });
}
