/**
 * Which targets an event goes to (SPEC §1, §5): the global switch, then the rules for (account,
 * channel, message type). Rules live in SQLite and are cached here; the server reloads them when
 * the CLI changes the database.
 */
import { receiptOwed } from '../delivery/status.js';
import type { DeliveryFacts } from '../store/messages.js';
import type { FixedFormat } from '../store/accounts.js';
import type { Rule } from '../store/rules.js';
import type { Store } from '../store/store.js';
import type { Format } from './targets/target.js';

/** The settings key of the global forwarding switch ('on' | 'off'; absent = on). */
export const SWITCH_KEY = 'forwarding.enabled';

/** WhatsApp changes forwarded when a rule names no statuses (SPEC §2). */
export const DEFAULT_WHATSAPP_STATUSES = ['delivered', 'read'];

/** Where one event goes. */
export interface Destination {
  targetId: number;
  format: Format;
}

/** The forwarding decisions recordStatus asks for. */
export class ForwardingPolicy {
  private enabled = true;
  private rulesByAccount = new Map<number, Rule[]>();
  private targetFormats = new Map<number, Format>();
  private fixedFormats = new Map<number, { api: FixedFormat; email: FixedFormat }>();

  constructor(private readonly store: Store) {
    this.reload();
  }

  /** Re-reads the switch, rules and targets (after a CLI change). */
  reload(): void {
    this.enabled = this.store.settings.get(SWITCH_KEY) !== 'off';
    const byAccount = new Map<number, Rule[]>();
    for (const rule of this.store.rules.list()) {
      const list = byAccount.get(rule.accountId) ?? [];
      list.push(rule);
      byAccount.set(rule.accountId, list);
    }
    this.rulesByAccount = byAccount;
    this.targetFormats = new Map(this.store.targets.list().map((t) => [t.id, t.format]));
    this.fixedFormats = new Map(this.store.accounts.list().map((a) => [a.id, { api: a.apiFormat, email: a.emailFormat }]));
  }

  /** The global switch. */
  get forwardingOn(): boolean {
    return this.enabled;
  }

  private rulesFor(message: DeliveryFacts): Rule[] {
    return (this.rulesByAccount.get(message.accountId) ?? []).filter(
      (r) => r.messageType === message.messageType && (r.channel === message.channel || (r.channel === 'whatsapp' && message.messageType === 'whatsapp')),
    );
  }

  /**
   * Whether SMPP receipts may be sent for this message: not when the switch is off, nor when a
   * `none` rule covers its account's SMPP SMS ("keine Weiterleitung").
   */
  smppReceiptsAllowed(message: DeliveryFacts): boolean {
    if (!this.enabled) return false;
    return !this.rulesFor(message).some((r) => r.targetId === null);
  }

  /**
   * The targets an event goes to: none when the switch is off or a `none` rule applies; an SMS
   * event only when the message asked for a receipt of this status (SPEC §5); a WhatsApp change
   * only for the statuses the rule selects (by default delivered and read).
   */
  destinations(status: string, message: DeliveryFacts): Destination[] {
    if (!this.enabled) return [];
    const rules = this.rulesFor(message);
    if (rules.some((r) => r.targetId === null)) return [];
    if (message.messageType === 'sms' && !receiptOwed(message.registeredDelivery, status)) return [];
    const out: Destination[] = [];
    const seen = new Set<number>();
    // The interface's own target (an API notificationCallbackUrl, the sender of an e-mail): the
    // account chooses its format or none; for WhatsApp the message says which changes it wants
    // (an e-mail's delivery and read requests), by default delivered and read.
    if (message.callbackTargetId !== null) {
      const fixed = this.fixedFormats.get(message.accountId)?.[message.channel === 'email' ? 'email' : 'api'] ?? 'json';
      const selected = message.messageType === 'sms' || (message.callbackStatuses ?? DEFAULT_WHATSAPP_STATUSES).includes(status);
      if (fixed !== 'none' && selected) {
        out.push({ targetId: message.callbackTargetId, format: fixed });
        seen.add(message.callbackTargetId);
      }
    }
    for (const rule of rules) {
      const statuses = rule.statuses ?? (message.messageType === 'whatsapp' ? DEFAULT_WHATSAPP_STATUSES : null);
      if (statuses && !statuses.includes(status)) continue;
      const targetId = rule.targetId!;
      if (seen.has(targetId)) continue;
      const format = rule.format ?? this.targetFormats.get(targetId);
      if (!format) continue; // the target was removed meanwhile
      seen.add(targetId);
      out.push({ targetId, format });
    }
    return out;
  }
}
