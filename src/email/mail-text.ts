/**
 * The text of a mail as it goes out as a message: the plain-text part (mailparser turns an
 * HTML-only mail into text), without the signature, with the lines joined as written.
 */

/** The parts of a parsed mail the text comes from. */
export interface MailBody {
  text?: string | undefined;
  subject?: string | undefined;
}

/**
 * The message text: the body up to a signature separator (`-- ` alone on a line, RFC 3676
 * §4.3; many programs lose the space, so `--` counts too), trailing blank space removed. When
 * the body is empty the Subject is the text, as mail-to-SMS gateways do for one-line messages.
 */
export function mailText(mail: MailBody): string {
  const lines = (mail.text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const signature = lines.findIndex((line) => line === '-- ' || line === '--');
  const body = (signature === -1 ? lines : lines.slice(0, signature))
    .map((line) => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .trim();
  return body.length > 0 ? body : (mail.subject ?? '').trim();
}
