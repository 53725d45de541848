/** Repository for the `messages` table. */
import type { Database, Statement } from 'better-sqlite3';
import { FRESH_HORIZON_MS, remainingColumn, type DueDelivery, type PlannedDelivery } from './simulated-deliveries.js';

/** The interface a message came in by (SPEC §1). */
export type Channel = 'smpp' | 'api' | 'email' | 'console';

/** A message as a producer hands it to the store. */
export interface NewMessage {
  accountId: number;
  channel: Channel;
  messageType: 'sms' | 'whatsapp';
  sessionId: number | null;
  serviceType: string;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  protocolId: number;
  priority: number;
  registeredDelivery: number;
  dataCoding: number;
  /** User data header without its length octet. */
  udh: Buffer | null;
  body: Buffer;
  /** `body` decoded by data_coding; null for binary data. */
  text: string | null;
  partRef: number | null;
  partNumber: number | null;
  partCount: number | null;
  clientRef: string | null;
  /** websms transferId of the send request (API), shared by its recipients' messages. */
  transferId?: string | null;
  /** Fixed forwarding target (API notificationCallbackUrl, the sender's mailbox for e-mail). */
  callbackTargetId?: number | null;
  /** WhatsApp: statuses the fixed target gets; null = the default (delivered, read). */
  callbackStatuses?: readonly string[] | null;
  /** E-mail: Message-ID of the mail the message came in, so receipt mails thread as replies. */
  replyMessageId?: string | null;
  /** E-mail: Subject of that mail. */
  replySubject?: string | null;
  /** ms since epoch */
  scheduleAt: number | null;
  /** ms since epoch */
  expiresAt: number | null;
  status: string;
  /** ms since epoch */
  submittedAt: number;
}

/** A stored message; `id` is the message id handed to clients. */
export interface StoredMessage extends NewMessage {
  id: string;
  updatedAt: number;
  /** ms since epoch, when the status became final */
  doneAt: number | null;
  errorCode: number;
}

/** What recording a status needs to know about its message. */
export interface DeliveryFacts {
  accountId: number;
  channel: Channel;
  messageType: 'sms' | 'whatsapp';
  registeredDelivery: number;
  status: string;
  /** The message's fixed forwarding target (an API notificationCallbackUrl, a sender's mailbox), if any. */
  callbackTargetId: number | null;
  /** WhatsApp: statuses the fixed target gets; null = the default (delivered, read). */
  callbackStatuses: string[] | null;
}

/** Filters for listing messages. */
export interface MessageFilter {
  accountId?: number;
  channel?: Channel;
  messageType?: 'sms' | 'whatsapp';
  status?: string;
  /** Recipient (digits, no `+`) */
  destAddr?: string;
  /** ms since epoch, inclusive */
  from?: number;
  /** ms since epoch, exclusive */
  to?: number;
  /** Only ids below this (paging newest first). */
  beforeId?: string;
  limit: number;
}

interface Row {
  id: number;
  account_id: number;
  channel: Channel;
  message_type: 'sms' | 'whatsapp';
  session_id: number | null;
  service_type: string;
  source_addr: string;
  source_ton: number;
  source_npi: number;
  dest_addr: string;
  dest_ton: number;
  dest_npi: number;
  esm_class: number;
  protocol_id: number;
  priority: number;
  registered_delivery: number;
  data_coding: number;
  udh: Buffer | null;
  body: Buffer;
  text: string | null;
  part_ref: number | null;
  part_number: number | null;
  part_count: number | null;
  client_ref: string | null;
  schedule_at: number | null;
  expires_at: number | null;
  status: string;
  submitted_at: number;
  updated_at: number;
  done_at: number | null;
  error_code: number;
  transfer_id: string | null;
  callback_target_id: number | null;
  callback_statuses: string | null;
  reply_message_id: string | null;
  reply_subject: string | null;
}

/** `callback_statuses` is stored comma-separated. */
function statusList(value: string | null): string[] | null {
  return value === null ? null : value.split(',').filter((s) => s.length > 0);
}

function fromRow(r: Row): StoredMessage {
  return {
    id: String(r.id),
    accountId: r.account_id,
    channel: r.channel,
    messageType: r.message_type,
    sessionId: r.session_id,
    serviceType: r.service_type,
    sourceAddr: r.source_addr,
    sourceTon: r.source_ton,
    sourceNpi: r.source_npi,
    destAddr: r.dest_addr,
    destTon: r.dest_ton,
    destNpi: r.dest_npi,
    esmClass: r.esm_class,
    protocolId: r.protocol_id,
    priority: r.priority,
    registeredDelivery: r.registered_delivery,
    dataCoding: r.data_coding,
    udh: r.udh,
    body: r.body,
    text: r.text,
    partRef: r.part_ref,
    partNumber: r.part_number,
    partCount: r.part_count,
    clientRef: r.client_ref,
    scheduleAt: r.schedule_at,
    expiresAt: r.expires_at,
    status: r.status,
    submittedAt: r.submitted_at,
    updatedAt: r.updated_at,
    doneAt: r.done_at,
    errorCode: r.error_code,
    transferId: r.transfer_id,
    callbackTargetId: r.callback_target_id,
    callbackStatuses: statusList(r.callback_statuses),
    replyMessageId: r.reply_message_id,
    replySubject: r.reply_subject,
  };
}

/** The columns DeliveryFacts are read from, as a query names them. */
export const FACTS_COLUMNS = 'account_id, channel, message_type, registered_delivery, status, callback_target_id, callback_statuses';

/** A row of FACTS_COLUMNS. */
export interface FactsRow {
  account_id: number;
  channel: Channel;
  message_type: 'sms' | 'whatsapp';
  registered_delivery: number;
  status: string;
  callback_target_id: number | null;
  callback_statuses: string | null;
}

/** DeliveryFacts from a row of FACTS_COLUMNS. */
export function deliveryFacts(r: FactsRow): DeliveryFacts {
  return { accountId: r.account_id, channel: r.channel, messageType: r.message_type, registeredDelivery: r.registered_delivery, status: r.status, callbackTargetId: r.callback_target_id, callbackStatuses: statusList(r.callback_statuses) };
}

/** The first step of a message's timer as SimulatedDeliveryRepository.takeDue reads it from the row just inserted. */
function firstStep(id: number, m: NewMessage, plan: PlannedDelivery, callbackStatuses: string | null): DueDelivery {
  return {
    messageId: String(id),
    nextStatus: plan.nextStatus,
    finalStatus: plan.finalStatus,
    errorCode: plan.errorCode,
    dueAt: plan.dueAt,
    finalDueAt: plan.finalDueAt,
    remaining: plan.remaining?.length ? plan.remaining : [],
    facts: deliveryFacts({
      account_id: m.accountId,
      channel: m.channel,
      message_type: m.messageType,
      registered_delivery: m.registeredDelivery,
      status: m.status,
      callback_target_id: m.callbackTargetId ?? null,
      callback_statuses: callbackStatuses,
    }),
    receiptParts: {
      sourceAddr: m.sourceAddr,
      sourceTon: m.sourceTon,
      sourceNpi: m.sourceNpi,
      destAddr: m.destAddr,
      destTon: m.destTon,
      destNpi: m.destNpi,
      submittedAt: m.submittedAt,
      text: m.text,
    },
  };
}

/** Message ids are the decimal row id: opaque to clients, never reused (AUTOINCREMENT). */
const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/** Reads and writes messages. */
export class MessageRepository {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly byIdStmt: Statement<[number], Row>;
  private readonly factsStmt: Statement<[number], FactsRow>;
  private readonly statusStmt: Statement<unknown[]>;
  private readonly statusEndingTimerStmt: Statement<unknown[]>;

  constructor(
    private readonly db: Database,
    /**
     * Told of every timer written with a message, to queue it, and of every status change, which
     * the step it may hold no longer matches (SimulatedDeliveryRepository.track and forget).
     */
    private readonly timers: { track(messageId: number, dueAt: number, step?: DueDelivery): void; forget(messageId: number): void } | null = null,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO messages (account_id, channel, message_type, session_id, service_type,
         source_addr, source_ton, source_npi, dest_addr, dest_ton, dest_npi, esm_class, protocol_id,
         priority, registered_delivery, data_coding, udh, body, text, part_ref, part_number, part_count,
         client_ref, schedule_at, expires_at, status, submitted_at, updated_at, transfer_id, callback_target_id,
         callback_statuses, reply_message_id, reply_subject,
         sim_next_status, sim_final_status, sim_error_code, sim_due_at, sim_final_due_at, sim_remaining)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byIdStmt = db.prepare('SELECT * FROM messages WHERE id = ?');
    this.factsStmt = db.prepare(`SELECT ${FACTS_COLUMNS} FROM messages WHERE id = ?`);
    // The new event joins the message's list (StatusEventRepository) in the same update.
    const set = `status = ?, error_code = ?, done_at = ?, updated_at = ?, event_ids = coalesce(event_ids || ',', '') || ?`;
    this.statusStmt = db.prepare(`UPDATE messages SET ${set} WHERE id = ?`);
    this.statusEndingTimerStmt = db.prepare(`
      UPDATE messages SET ${set}, sim_next_status = NULL, sim_final_status = NULL, sim_error_code = NULL, sim_due_at = NULL,
        sim_final_due_at = NULL, sim_remaining = NULL
      WHERE id = ?`);
  }

  /** The few columns recordStatus needs, without reading the body. */
  facts(id: string): DeliveryFacts | undefined {
    const r = this.factsStmt.get(Number(id));
    return r && deliveryFacts(r);
  }

  /**
   * Sets the current status (and, for a final one, when it became final) and lists the event that
   * records it (StatusEventRepository.add). `endTimer`: the message's simulator timer is done and
   * is removed in the same update (as SimulatedDeliveryRepository.remove would; its queue entry
   * goes stale). One statement instead of three on the row: at 5,000 events/s each cost 5–7 µs
   * of the event loop (profile of bench:full-path, issue 7).
   */
  setStatus(id: string, status: string, errorCode: number, doneAt: number | null, now: number, eventId: number, endTimer = false): void {
    this.timers?.forget(Number(id));
    (endTimer ? this.statusEndingTimerStmt : this.statusStmt).run(status, errorCode, doneAt, now, eventId, Number(id));
  }

  /** Messages of an account still in delivery, from `source` to `dest` (cancel_sm without a message_id). */
  pendingBetween(accountId: number, sourceAddr: string, destAddr: string, serviceType: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT id FROM messages WHERE account_id = ? AND source_addr = ? AND dest_addr = ? AND (? = '' OR service_type = ?)
           AND done_at IS NULL ORDER BY id`,
      )
      .all(accountId, sourceAddr, destAddr, serviceType, serviceType) as Array<{ id: number }>;
    return rows.map((r) => String(r.id));
  }

  /** Messages matching `filter`, newest first. */
  list(filter: MessageFilter): StoredMessage[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      where.push(clause);
      params.push(value);
    };
    if (filter.accountId !== undefined) add('account_id = ?', filter.accountId);
    if (filter.channel !== undefined) add('channel = ?', filter.channel);
    if (filter.messageType !== undefined) add('message_type = ?', filter.messageType);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.destAddr !== undefined) add('dest_addr = ?', filter.destAddr);
    if (filter.from !== undefined) add('submitted_at >= ?', filter.from);
    if (filter.to !== undefined) add('submitted_at < ?', filter.to);
    if (filter.beforeId !== undefined) add('id < ?', Number(filter.beforeId));
    const sql = `SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map(fromRow);
  }

  /**
   * Stores a new message and returns its id; with a `plan`, the simulator's timer for it goes
   * into the same row and is queued (see SimulatedDeliveryRepository). Call inside a transaction
   * to group commits.
   */
  insert(m: NewMessage, plan: PlannedDelivery | null = null): string {
    const callbackStatuses = m.callbackStatuses ? m.callbackStatuses.join(',') : null;
    const info = this.insertStmt.run(
      m.accountId, m.channel, m.messageType, m.sessionId, m.serviceType,
      m.sourceAddr, m.sourceTon, m.sourceNpi, m.destAddr, m.destTon, m.destNpi, m.esmClass, m.protocolId,
      m.priority, m.registeredDelivery, m.dataCoding, m.udh, m.body, m.text, m.partRef, m.partNumber, m.partCount,
      m.clientRef, m.scheduleAt, m.expiresAt, m.status, m.submittedAt, m.submittedAt, m.transferId ?? null, m.callbackTargetId ?? null,
      callbackStatuses, m.replyMessageId ?? null, m.replySubject ?? null,
      plan?.nextStatus ?? null, plan?.finalStatus ?? null, plan?.errorCode ?? null, plan?.dueAt ?? null, plan?.finalDueAt ?? null, plan ? remainingColumn(plan.remaining) : null,
    );
    const id = Number(info.lastInsertRowid);
    if (plan) this.timers?.track(id, plan.dueAt, plan.dueAt - m.submittedAt <= FRESH_HORIZON_MS ? firstStep(id, m, plan, callbackStatuses) : undefined);
    return String(id);
  }

  /** The message with this id, or undefined (also for ids that are not ours in form). */
  byId(id: string): StoredMessage | undefined {
    if (!ID_PATTERN.test(id)) return undefined;
    const row = this.byIdStmt.get(Number(id));
    return row && fromRow(row);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }
}
