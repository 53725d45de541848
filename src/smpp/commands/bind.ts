/**
 * bind_transmitter / bind_receiver / bind_transceiver (SMPP 3.4 §4.1): checked against the
 * accounts table. Unknown system_id → ESME_RINVSYSID, wrong password → ESME_RINVPASWD, already
 * bound → ESME_RALYBND, address not allowed or no bind left → ESME_RBINDFAIL.
 * Brute-force protection (src/security): a wrong system_id or password is answered only after
 * `security.bruteForce.delayMs`, and while the remote address or the system_id is locked out every
 * bind is refused with ESME_RBINDFAIL before any password is checked.
 */
import { SmppStatusError } from '../../errors.js';
import { lockoutText } from '../../security/login-guard.js';
import { verifyPassword } from '../../store/secrets.js';
import { Status } from '../command-status.js';
import { isAllowed } from '../ip-allow.js';
import { encodeCStringResponse, Tlv, type Pdu } from '../pdu-codec.js';
import type { BindType, SmppSession } from '../session.js';

/** SMPP 3.4 §5.2.1: system_id is at most 16 octets with its NUL; password 9 (we allow longer). */
const MAX_SYSTEM_ID = 15;
const MAX_PASSWORD = 64;

function binder(bindType: BindType) {
  return async (session: SmppSession, pdu: Pdu): Promise<void> => {
    if (session.state === 'bound' || session.state === 'binding') {
      throw new SmppStatusError(Status.ESME_RALYBND, 'session is already bound');
    }
    const systemId = String(pdu.fields.system_id);
    const password = String(pdu.fields.password);
    const interfaceVersion = Number(pdu.fields.interface_version);
    const refuse = (status: number, reason: string): never => {
      session.log.warn({ systemId, bindType, reason }, 'bind refused');
      throw new SmppStatusError(status, reason);
    };
    if (systemId.length === 0 || systemId.length > MAX_SYSTEM_ID) refuse(Status.ESME_RINVSYSID, 'system_id is empty or too long');
    if (password.length > MAX_PASSWORD) refuse(Status.ESME_RINVPASWD, 'password too long');

    const { store, binds, guard } = session.ctx;
    const attempt = { address: session.remoteAddress, systemId };
    const refuseIfLocked = (): void => {
      const lock = guard.locked(attempt);
      if (lock) refuse(Status.ESME_RBINDFAIL, `${lock.kind === 'address' ? 'remote address' : 'system_id'} locked out: ${lockoutText(lock)}`);
    };
    refuseIfLocked();
    /** A wrong credential: counted, and answered only after the brute-force delay. */
    const failed = async (status: number, reason: string): Promise<never> => {
      await guard.failed(attempt);
      if (session.state === 'binding') session.state = 'open';
      return refuse(status, reason);
    };
    const account = store.accounts.bySystemId(systemId);
    if (account && !isAllowed(account.allowedIps, session.remoteAddress)) refuse(Status.ESME_RBINDFAIL, 'source address not allowed');

    // 'binding' from here on: a second bind pipelined on this connection is refused (ESME_RALYBND)
    // instead of being checked alongside this one while its failure answer is held back.
    session.state = 'binding';
    if (!account) return failed(Status.ESME_RINVSYSID, 'unknown system_id');
    const ok = await verifyPassword(password, account.passwordHash);
    if (session.state !== 'binding') return; // the connection went away meanwhile
    if (!ok) return failed(Status.ESME_RINVPASWD, 'wrong password');
    guard.succeeded(attempt);
    let registered: number | null = null;
    try {
      // Locked while the password was checked (parallel attempts on other connections): still refused.
      refuseIfLocked();
      // Re-read: the account may have changed while the password was checked.
      const current = store.accounts.byId(account.id);
      if (!current) return refuse(Status.ESME_RINVSYSID, 'unknown system_id');
      if (!binds.add(current, session)) refuse(Status.ESME_RBINDFAIL, `account is at its limit of ${current.maxBinds} binds`);
      registered = current.id;
      const rowId = store.sessions.opened({
        accountId: current.id,
        systemId,
        bindType,
        interfaceVersion,
        remoteAddress: session.remoteAddress,
      });
      session.markBound(current, bindType, interfaceVersion, rowId);
    } catch (err) {
      // Whatever failed (a refusal, or the database), the connection may try again cleanly.
      if (registered !== null) binds.remove(registered, session);
      if (session.state === 'binding') session.state = 'open';
      throw err;
    }
    session.log.info({ interfaceVersion: `0x${interfaceVersion.toString(16)}` }, 'bound');
    // SMPP 3.4 §5.3.2.25: tell a 3.4+ client which version we speak.
    const tlvs: Array<[number, Buffer]> = interfaceVersion >= 0x34 ? [[Tlv.sc_interface_version, Buffer.from([0x34])]] : [];
    session.write(encodeCStringResponse(pdu.commandId | 0x80000000, pdu.sequence, session.ctx.config.systemId, tlvs));
    // Receipts owed while the client was away go out now, after the bind response.
    session.ctx.receipts.sessionBound(session);
  };
}

export const bindTransmitter = binder('transmitter');
export const bindReceiver = binder('receiver');
export const bindTransceiver = binder('transceiver');
