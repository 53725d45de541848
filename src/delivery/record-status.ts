/**
 * recordStatus: the one place a status change is stored (DESIGN.md "one flow, one spine"). In the
 * caller's transaction it stores the event, moves the message to the new status, and records what
 * the event owes: an SMPP receipt when the message asked for one. Forwarding (outbox rows) hooks
 * in here too, through `hooks`.
 */
import type { Store } from '../store/store.js';
import type { DeliveryFacts } from '../store/messages.js';
import { isFinalSms, receiptOwed } from './status.js';

/** A change of status to record. */
export interface StatusChange {
  messageId: string;
  status: string;
  errorCode: number;
  /** simulator | cancel | expiry | relay | … */
  origin: string;
  /** ms since epoch */
  occurredAt: number;
}

/** What recording produced, for the consumers to act on after the commit. */
export interface RecordedStatus {
  eventId: number;
  accountId: number;
  /** An SMPP receipt row was written. */
  receiptOwed: boolean;
}

/** Called inside the transaction for every recorded event (the forwarding issue adds its outbox here). */
export type RecordHook = (change: StatusChange, eventId: number, message: DeliveryFacts) => void;

/** Records status changes. */
export class StatusRecorder {
  private readonly hooks: RecordHook[] = [];

  constructor(
    private readonly store: Store,
    /** Hours an owed receipt is kept. */
    private readonly receiptExpiryHours: number,
  ) {}

  /** Adds a hook run in the same transaction as each event. */
  addHook(hook: RecordHook): void {
    this.hooks.push(hook);
  }

  /**
   * Stores one change. Must run inside a transaction. Returns null (and stores nothing) when the
   * message does not exist or is already final: a final status is never overwritten.
   */
  record(change: StatusChange): RecordedStatus | null {
    const { store } = this;
    const message = store.messages.facts(change.messageId);
    if (!message || isFinalSms(message.status)) return null;
    const final = isFinalSms(change.status);
    const eventId = store.events.insert({ ...change, final });
    store.messages.setStatus(change.messageId, change.status, change.errorCode, final ? change.occurredAt : null, change.occurredAt);
    let owed = false;
    if (message.channel === 'smpp' && receiptOwed(message.registeredDelivery, change.status)) {
      store.receipts.insert(message.accountId, change.messageId, eventId, change.occurredAt + this.receiptExpiryHours * 3_600_000);
      owed = true;
    }
    for (const hook of this.hooks) hook(change, eventId, message);
    return { eventId, accountId: message.accountId, receiptOwed: owed };
  }
}
