/**
 * Who may send by e-mail (SPEC §7): mail whose envelope sender is an account's registered
 * address, and, when `email.requireAuth` is set, only from a session authenticated (SMTP AUTH)
 * as that account. Checked at MAIL FROM, so a stranger is refused before sending any data.
 */
import { SmtpReplyError } from '../errors.js';
import type { Account, AccountRepository } from '../store/accounts.js';

/**
 * The account a mail from `address` belongs to, or an SmtpReplyError that says why it may not
 * send. `authenticatedAccountId` is the account the session authenticated as, if it did.
 */
export function resolveSender(accounts: AccountRepository, address: string, authenticatedAccountId: number | undefined, requireAuth: boolean): Account {
  if (address === '') throw new SmtpReplyError(550, 'mail from the null sender <> (a bounce) cannot send messages');
  if (authenticatedAccountId !== undefined) {
    const account = accounts.byId(authenticatedAccountId);
    if (!account) throw new SmtpReplyError(550, 'the account this session authenticated as no longer exists');
    if (account.email === null || account.email.toLowerCase() !== address.toLowerCase()) {
      throw new SmtpReplyError(550, `<${address}> is not the registered e-mail address of account ${account.systemId}`);
    }
    return account;
  }
  if (requireAuth) throw new SmtpReplyError(530, 'authentication required: AUTH as your account (system id and password) before MAIL FROM');
  const matching = accounts.byEmail(address);
  if (matching.length === 0) throw new SmtpReplyError(550, `<${address}> is not the registered e-mail address of any account`);
  if (matching.length > 1) throw new SmtpReplyError(550, `<${address}> is registered for several accounts: AUTH as the one to send for`);
  return matching[0]!;
}
