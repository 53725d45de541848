/**
 * Messages from the interfaces that take plain text rather than PDUs (HTTP API, e-mail, later
 * the console): one function builds the stored message, so every such interface encodes, splits
 * and flags its messages the same way, and one waits for the group commit.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, NewMessage } from '../store/messages.js';
import type { Intake, Submission } from '../smpp/context.js';
import { smsText } from './sms-text.js';

/** One recipient's message, as an interface hands it over. */
export interface TextSend {
  accountId: number;
  channel: Channel;
  messageType: 'sms' | 'whatsapp';
  /** MSISDN, digits only (no `+`) */
  recipient: string;
  /** SMS sender: digits (international) or up to 11 letters and digits; '' for none */
  sender: string;
  text: string;
  clientRef: string | null;
  transferId: string | null;
  /** The interface's fixed target for this message's receipts (callback URL, sender's mailbox). */
  callbackTargetId: number | null;
  /** WhatsApp: the statuses the fixed target gets; null = the default (delivered, read). */
  callbackStatuses?: readonly string[] | null;
  /** E-mail: the Message-ID and Subject of the mail, so receipt mails thread as replies. */
  reply?: { messageId: string; subject: string | null } | null;
  /** SMS: a final receipt (success or failure) is wanted, as registered_delivery 0x01. */
  receipt: boolean;
  /** ms since epoch */
  expiresAt: number | null;
  /** ms since epoch */
  now: number;
}

/** The stored form of a text send. Long SMS texts are one message whose `partCount` says how many SMS they take. */
export function textMessage(send: TextSend): NewMessage {
  const isSms = send.messageType === 'sms';
  const numericSender = /^\+?[0-9]+$/.test(send.sender);
  const encoded = isSms ? smsText(send.text) : { dataCoding: 0, body: Buffer.from(send.text, 'utf8'), parts: 1 };
  return {
    accountId: send.accountId,
    channel: send.channel,
    messageType: send.messageType,
    sessionId: null,
    serviceType: '',
    sourceAddr: send.sender.replace(/^\+/, ''),
    // TON/NPI as an SMSC would set them: international/E.164 for digits, alphanumeric (5/0) for names.
    sourceTon: numericSender ? 1 : send.sender ? 5 : 0,
    sourceNpi: numericSender ? 1 : 0,
    destAddr: send.recipient,
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: isSms && send.receipt ? 1 : 0,
    dataCoding: encoded.dataCoding,
    udh: null,
    body: encoded.body,
    text: send.text,
    partRef: null,
    partNumber: null,
    partCount: encoded.parts > 1 ? encoded.parts : null,
    clientRef: send.clientRef,
    transferId: send.transferId,
    callbackTargetId: send.callbackTargetId,
    callbackStatuses: send.callbackStatuses ?? null,
    replyMessageId: send.reply?.messageId ?? null,
    replySubject: send.reply?.subject ?? null,
    scheduleAt: null,
    expiresAt: send.expiresAt,
    status: isSms ? 'enroute' : 'accepted',
    submittedAt: send.now,
  };
}

/** Queues every submission in the group commit; resolves with their ids once all are committed (durable before acknowledged). */
export function submitAll(intake: Intake, submissions: Submission[]): Promise<string[]> {
  return Promise.all(
    submissions.map(
      (s) =>
        new Promise<string>((resolve, reject) => {
          intake.add(s, (err, id) => (err || id === undefined ? reject(err ?? new Error('the group commit returned no id')) : resolve(id)));
        }),
    ),
  );
}

/**
 * A new websms transferId: 20 hex characters, the time in ms (11) then 36 random bits (9).
 * Time first, so ids sort by creation and land at the end of the transfer_id index instead of at
 * random places in it (random keys dirty a different index page on every insert). The random
 * part comes from randomUUID, whose entropy Node draws in batches (randomBytes costs a system
 * call per request).
 */
export function newTransferId(now = Date.now()): string {
  const uuid = randomUUID();
  return now.toString(16).padStart(11, '0') + uuid.slice(0, 8) + uuid.slice(9, 10);
}
