/**
 * The one interface every forwarding target implements (http, smtp, sqs). A target gets events
 * already encoded in the target's format and answers with one result per event; it never throws
 * for a delivery failure — failures are results, classified so the worker knows whether to retry.
 */

/** The kinds of target (SPEC §1). */
export type TargetType = 'http' | 'smtp' | 'sqs';

/** Document encodings (SPEC §5). */
export type Format = 'json' | 'xml';

/** A target as stored (`targets` table). Secrets stay in here and never reach logs or output. */
export interface TargetSpec {
  id: number;
  name: string;
  type: TargetType;
  /** http: the URL to POST to */
  url: string | null;
  /** smtp: the recipient address */
  to: string | null;
  /** sqs: the queue URL (a name ending in .fifo is a FIFO queue) */
  queueUrl: string | null;
  format: Format;
  /** http: a Standard Webhooks secret `whsec_<base64>`, or null for unsigned requests */
  secret: string | null;
}

/** One event to deliver to one target, encoded. */
export interface Delivery {
  /** outbox row id: unique per (event, target); use it as the SQS batch entry Id */
  outboxId: number;
  /** unique per event, stable across retries: `webhook-id`, Message-ID, SQS dedup id */
  notificationId: string;
  /** our message id (transferId): the SQS FIFO MessageGroupId */
  messageId: string;
  /** `deliveryReport` (SMS) or `statusChange` (WhatsApp) */
  messageType: string;
  /** the status the event reports (delivered, read, …), for a mail subject */
  status: string;
  /** systemId of the account the event belongs to */
  account: string;
  format: Format;
  /** the encoded document (JSON or XML text, UTF-8) */
  body: string;
  /** 1 for the first attempt */
  attempt: number;
  /**
   * The e-mail the message came in (e-mail interface), so that a mailed receipt is a reply to it:
   * its Message-ID (with the angle brackets) and Subject.
   */
  reply?: { messageId: string; subject: string | null } | null;
}

/** What became of one delivery. */
export type DeliveryResult =
  | { outcome: 'delivered'; code: string; durationMs: number; excerpt?: string }
  /** A failure worth trying again: network error, timeout, 408/429/5xx, SMTP 4xx, SQS non-sender fault. */
  | { outcome: 'retry'; code: string; reason: string; durationMs: number; retryAfterMs?: number; excerpt?: string }
  /** A failure that will not change by retrying: other 4xx, SMTP 5xx, SQS sender fault, refused address. */
  | { outcome: 'failed'; code: string; reason: string; durationMs: number; excerpt?: string }
  /** The receiver asked never to be called again (HTTP 410 Gone): the target is disabled. */
  | { outcome: 'disable'; code: string; reason: string; durationMs: number; excerpt?: string };

/** A connected target. */
export interface Target {
  readonly spec: TargetSpec;
  /** Most deliveries per `deliver` call (http and smtp 1, sqs 10). */
  readonly maxBatch: number;
  /** Delivers up to `maxBatch` events; resolves with one result per delivery, in order. Never rejects. */
  deliver(batch: Delivery[]): Promise<DeliveryResult[]>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** Longest answer excerpt kept with an attempt (characters). */
export const EXCERPT_LENGTH = 200;

/** A short, single-line excerpt of a peer's answer for the attempt log. */
export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH - 1)}…` : flat;
}
