/**
 * The console's forwarding settings per tool, as views over the same rules, targets and account
 * fields the CLI manages (nothing is stored twice):
 *
 * - console (SMS sent from the console) and whatsapp (WhatsApp from any tool): where to — an
 *   HTTP(S) URL, an e-mail address, an SQS queue — or nowhere. The destination is a target the
 *   console owns (`console-a<accountId>-<tool>`) and one rule pointing at it; "no forwarding" is a
 *   `none` rule. Saving replaces every rule of that (account, tool), including ones the CLI made.
 * - smpp, api, email: the interface fixes the target (the bind, the request's callback URL, the
 *   sender's mailbox). SMPP: receipts on, or a `none` rule (no SMPP receipts, no forwarding). API
 *   and e-mail: the account's format for them (json, xml) or none.
 */
import { webhookSecretKey } from '../forwarding/signing.js';
import type { Format, TargetSpec, TargetType } from '../forwarding/targets/target.js';
import type { Account, FixedFormat } from '../store/accounts.js';
import type { Rule, RuleChannel } from '../store/rules.js';
import type { Store } from '../store/store.js';

/** The tools, in the order the page shows them. */
export const TOOLS = ['console', 'smpp', 'api', 'email', 'whatsapp'] as const;
/** One of TOOLS. */
export type Tool = (typeof TOOLS)[number];

/** Tools whose destination the user chooses. */
export type RoutedTool = 'console' | 'whatsapp';

export const WHATSAPP_STATUSES = ['accepted', 'sent', 'delivered', 'read', 'failed'] as const;

/** Where a routed tool's events go. */
export type Destination = { mode: 'none' } | { mode: TargetType; address: string; format: Format; signed: boolean };

/** A routed tool's settings as the page shows them. */
export interface RoutedSettings {
  tool: RoutedTool;
  destination: Destination;
  /** WhatsApp: the changes forwarded. */
  statuses: string[];
  /** Rules of this tool the console did not make (the CLI's), described; saving replaces them. */
  otherRules: string[];
  /** A `none` rule or the console's own rule exists (false: nothing set yet). */
  set: boolean;
  /** Why the destination is disabled (the receiver answered 410 Gone), or null when it is not. */
  disabledReason: string | null;
}

/** What the user submitted for a routed tool. */
export interface RoutedInput {
  mode: 'none' | TargetType;
  address: string;
  format: string;
  /** '' = keep the current secret (or none); 'none' = remove it; otherwise a whsec_ secret */
  secret: string;
  statuses: string[];
}

/** A problem with one field of the input, for the form. */
export class SettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function scopeOf(tool: RoutedTool | 'smpp'): { channel: RuleChannel; messageType: 'sms' | 'whatsapp' } {
  return tool === 'whatsapp' ? { channel: 'whatsapp', messageType: 'whatsapp' } : { channel: tool, messageType: 'sms' };
}

/** The name of the target the console owns for an account's tool. */
export function consoleTargetName(account: Account, tool: RoutedTool): string {
  return `console-a${account.id}-${tool}`;
}

function rulesOf(store: Store, account: Account, tool: RoutedTool | 'smpp'): Rule[] {
  const { channel, messageType } = scopeOf(tool);
  return store.rules.list(account.id).filter((r) => r.channel === channel && r.messageType === messageType);
}

/** The current settings of a routed tool. */
export function routedSettings(store: Store, account: Account, tool: RoutedTool): RoutedSettings {
  const rules = rulesOf(store, account, tool);
  const own = store.targets.byName(consoleTargetName(account, tool));
  const ownRule = own ? rules.find((r) => r.targetId === own.id) : undefined;
  const noneRule = rules.find((r) => r.targetId === null);
  const others = rules.filter((r) => r !== ownRule && r !== noneRule);
  const defaults = tool === 'whatsapp' ? ['delivered', 'read'] : [];
  let destination: Destination = { mode: 'none' };
  if (!noneRule && own && ownRule) {
    destination = { mode: own.type, address: (own.type === 'http' ? own.url : own.type === 'smtp' ? own.to : own.queueUrl) ?? '', format: ownRule.format ?? own.format, signed: own.secret !== null };
  }
  return {
    tool,
    destination,
    statuses: (noneRule ? null : ownRule?.statuses) ?? defaults,
    otherRules: others.map((r) => {
      const target = r.targetId === null ? null : store.targets.byId(r.targetId);
      return `rule ${r.id}: to ${target ? `${target.name} (${target.type})` : 'a removed target'}${r.statuses ? ` for ${r.statuses.join(', ')}` : ''}`;
    }),
    set: noneRule !== undefined || ownRule !== undefined,
    disabledReason: destination.mode !== 'none' && own && !own.enabled ? (own.disabledReason ?? 'disabled') : null,
  };
}

/** The target spec an input describes, checked; the secret of `current` is kept unless replaced. */
export function targetSpecOf(input: RoutedInput, name: string, currentSecret: string | null): Omit<TargetSpec, 'id'> {
  if (input.mode === 'none') throw new SettingsError('mode', 'no forwarding has no target');
  const address = input.address.trim();
  if (!address) throw new SettingsError('address', input.mode === 'smtp' ? 'Enter the e-mail address receipts are sent to.' : input.mode === 'sqs' ? 'Enter the SQS queue URL.' : 'Enter the URL receipts are posted to.');
  if (input.mode === 'smtp') {
    if (!EMAIL.test(address)) throw new SettingsError('address', `"${address}" is not an e-mail address.`);
  } else {
    let url: URL | null = null;
    try {
      url = new URL(address);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new SettingsError('address', `"${address}" is not an http:// or https:// URL.`);
  }
  if (input.format !== 'json' && input.format !== 'xml') throw new SettingsError('format', 'Choose JSON or XML.');
  let secret = input.mode === 'http' ? currentSecret : null;
  if (input.mode === 'http' && input.secret === 'none') secret = null;
  else if (input.mode === 'http' && input.secret) {
    try {
      webhookSecretKey(input.secret);
    } catch {
      throw new SettingsError('secret', 'A signing secret is whsec_ followed by base64 (Standard Webhooks).');
    }
    secret = input.secret;
  }
  return {
    name,
    type: input.mode,
    url: input.mode === 'http' ? address : null,
    to: input.mode === 'smtp' ? address : null,
    queueUrl: input.mode === 'sqs' ? address : null,
    format: input.format,
    secret,
  };
}

/** Saves a routed tool's settings (one transaction): its rules are replaced by one. */
export function saveRouted(store: Store, account: Account, tool: RoutedTool, input: RoutedInput): void {
  let statuses: string[] | null = null;
  if (tool === 'whatsapp' && input.mode !== 'none') {
    const unknown = input.statuses.filter((s) => !(WHATSAPP_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0) throw new SettingsError('statuses', `Unknown status ${unknown[0]}.`);
    if (input.statuses.length === 0) throw new SettingsError('statuses', 'Tick at least one status change to forward, or choose no forwarding.');
    statuses = WHATSAPP_STATUSES.filter((s) => input.statuses.includes(s));
  }
  const name = consoleTargetName(account, tool);
  const { channel, messageType } = scopeOf(tool);
  store.transaction(() => {
    const own = store.targets.byName(name);
    const spec = input.mode === 'none' ? null : targetSpecOf(input, name, own?.secret ?? null);
    for (const rule of rulesOf(store, account, tool)) store.rules.remove(rule.id);
    if (spec === null) {
      store.rules.add({ accountId: account.id, channel, messageType, targetId: null, statuses: null, format: null });
      return;
    }
    const target = own ? store.targets.update(own.id, spec)! : store.targets.add(spec);
    // A target the console points somewhere new starts enabled again (it may have been disabled by a 410).
    if (!target.enabled) store.targets.setEnabled(target.id, true, null);
    store.rules.add({ accountId: account.id, channel, messageType, targetId: target.id, statuses, format: null });
  });
}

/** Whether SMPP receipts (and the SMPP tool's forwarding) are on for the account. */
export function smppReceiptsOn(store: Store, account: Account): boolean {
  return !rulesOf(store, account, 'smpp').some((r) => r.targetId === null);
}

/** Turns the SMPP tool's receipts on (removes its `none` rule) or off (adds one). */
export function saveSmpp(store: Store, account: Account, on: boolean): void {
  store.transaction(() => {
    const rules = rulesOf(store, account, 'smpp');
    for (const rule of rules) if (rule.targetId === null) store.rules.remove(rule.id);
    if (!on) store.rules.add({ accountId: account.id, channel: 'smpp', messageType: 'sms', targetId: null, statuses: null, format: null });
  });
}

/** Sets the account's format for the API's callback URL or the e-mail interface's receipts. */
export function saveFixedFormat(store: Store, account: Account, tool: 'api' | 'email', format: string): void {
  if (format !== 'json' && format !== 'xml' && format !== 'none') throw new SettingsError('format', 'Choose JSON, XML or no forwarding.');
  store.accounts.update(account.systemId, tool === 'api' ? { apiFormat: format as FixedFormat } : { emailFormat: format as FixedFormat });
}
