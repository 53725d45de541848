/** Table tests for the pure parts of the e-mail interface: recipients, receipt requests, text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmtpReplyError } from '../../src/errors.js';
import { mailText } from '../../src/email/mail-text.js';
import { receiptRequest, whatsappReceiptStatuses } from '../../src/email/receipt-request.js';
import { parseRecipient } from '../../src/email/recipient.js';

test('recipients: <msisdn>@sms.<domain> and @whatsapp.<domain>, numbers as people write them', () => {
  const cases: Array<[string, string, 'sms' | 'whatsapp']> = [
    ['436991234567@sms.example.com', '436991234567', 'sms'],
    ['+436991234567@sms.example.com', '436991234567', 'sms'],
    ['00436991234567@SMS.Example.COM', '436991234567', 'sms'],
    ['491701234567@whatsapp.example.com', '491701234567', 'whatsapp'],
  ];
  for (const [address, msisdn, messageType] of cases) {
    assert.deepEqual(parseRecipient(address, 'example.com'), { msisdn, messageType }, address);
  }
});

test('recipients: a bad number is 553, another domain 550, each naming the problem', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['0699123@sms.example.com', 553, /"0699123" is not a phone number in international format/],
    ['12345@sms.example.com', 553, /not a phone number/],
    ['43699abc@sms.example.com', 553, /not a phone number/],
    ['123456789012345678901@sms.example.com', 553, /not a phone number/],
    ['436991234567@example.com', 550, /only for <number>@sms\.example\.com/],
    ['436991234567@sms.other.org', 550, /only for/],
    ['436991234567@mms.example.com', 550, /only for/],
    ['no-at-sign', 553, /is not an address/],
    ['@sms.example.com', 553, /is not an address/],
  ];
  for (const [address, code, text] of cases) {
    assert.throws(
      () => parseRecipient(address, 'example.com'),
      (err: unknown) => err instanceof SmtpReplyError && err.responseCode === code && text.test(err.message),
      `${address}: wanted ${code} ${text}`,
    );
  }
});

test('receipt requests: headers and DSN NOTIFY=SUCCESS', () => {
  const headers = (...names: string[]) => (name: string) => names.includes(name);
  const cases: Array<[string, (n: string) => boolean, string[] | undefined, { delivery: boolean; read: boolean }, string[]]> = [
    ['none', headers(), undefined, { delivery: false, read: false }, []],
    ['Disposition-Notification-To', headers('disposition-notification-to'), undefined, { delivery: false, read: true }, ['read']],
    ['Return-Receipt-To', headers('return-receipt-to'), undefined, { delivery: true, read: false }, ['delivered']],
    ['NOTIFY=SUCCESS', headers(), ['SUCCESS'], { delivery: true, read: false }, ['delivered']],
    ['NOTIFY=SUCCESS,FAILURE', headers(), ['SUCCESS', 'FAILURE'], { delivery: true, read: false }, ['delivered']],
    ['NOTIFY=FAILURE only', headers(), ['FAILURE'], { delivery: false, read: false }, []],
    ['NOTIFY=NEVER', headers(), ['NEVER'], { delivery: false, read: false }, []],
    ['both', headers('disposition-notification-to'), ['SUCCESS'], { delivery: true, read: true }, ['delivered', 'read']],
  ];
  for (const [what, has, notify, request, statuses] of cases) {
    const got = receiptRequest(has, notify);
    assert.deepEqual(got, request, what);
    assert.deepEqual(whatsappReceiptStatuses(got), statuses, what);
  }
});

test('text: the body without its signature; the Subject when the body is empty', () => {
  const cases: Array<[string, { text?: string; subject?: string }, string]> = [
    ['plain', { text: 'Hello there\n' }, 'Hello there'],
    ['CRLF lines kept as lines', { text: 'line 1\r\nline 2\r\n' }, 'line 1\nline 2'],
    ['signature "-- "', { text: 'Meet at 5\n-- \nJane Doe\nACME Corp\n' }, 'Meet at 5'],
    ['signature "--" without the space', { text: 'Meet at 5\n--\nJane\n' }, 'Meet at 5'],
    ['a line that only starts with --', { text: '--force is needed\nok' }, '--force is needed\nok'],
    ['trailing blanks', { text: 'Hi   \n\n\n' }, 'Hi'],
    ['empty body: the subject', { text: '\n', subject: ' Call me ' }, 'Call me'],
    ['no body at all', { subject: 'Subject only' }, 'Subject only'],
    ['nothing', {}, ''],
    ['only a signature', { text: '-- \nJane\n' }, ''],
  ];
  for (const [what, mail, text] of cases) assert.equal(mailText(mail), text, what);
});
