/**
 * Who a mail is for (SPEC §7): `<msisdn>@sms.<domain>` is an SMS, `<msisdn>@whatsapp.<domain>` a
 * WhatsApp message. Checked at RCPT TO, so a bad number is refused for that recipient alone.
 */
import { SmtpReplyError } from '../errors.js';

/** A recipient the e-mail interface takes. */
export interface MailRecipient {
  /** E.164 digits without `+` */
  msisdn: string;
  messageType: 'sms' | 'whatsapp';
}

/** International numbers as the HTTP API takes them: 6 to 20 digits, no leading 0. */
const MSISDN = /^[1-9][0-9]{5,19}$/;

/**
 * The recipient behind `address`, or an SmtpReplyError saying what is wrong with it: 550 for a
 * domain we do not serve, 553 for a local part that is not a phone number.
 */
export function parseRecipient(address: string, domain: string): MailRecipient {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new SmtpReplyError(553, `<${address}> is not an address of the form <number>@sms.${domain}`);
  const local = address.slice(0, at);
  const host = address.slice(at + 1).toLowerCase();
  const messageType = host === `sms.${domain}` ? 'sms' : host === `whatsapp.${domain}` ? 'whatsapp' : null;
  if (messageType === null) {
    throw new SmtpReplyError(550, `<${address}>: this server takes mail only for <number>@sms.${domain} (SMS) and <number>@whatsapp.${domain} (WhatsApp)`);
  }
  // `+43…` and `0043…` are written as often as `43…`; all three mean the same international number.
  const msisdn = local.replace(/^\+/, '').replace(/^00/, '');
  if (!MSISDN.test(msisdn)) {
    throw new SmtpReplyError(553, `<${address}>: "${local}" is not a phone number in international format (6 to 20 digits with the country code, e.g. 436991234567@${host})`);
  }
  return { msisdn, messageType };
}
