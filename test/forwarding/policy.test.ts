/**
 * ForwardingPolicy (SPEC §1 global switch and rules, §2 WhatsApp defaults, §5 which events are
 * forwarded) over a real Store on a temporary file: which targets an event goes to and whether
 * SMPP receipts may be sent.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { ForwardingPolicy, SWITCH_KEY, type Destination } from '../../src/forwarding/policy.js';
import type { Account } from '../../src/store/accounts.js';
import type { Channel, DeliveryFacts } from '../../src/store/messages.js';
import type { Rule } from '../../src/store/rules.js';
import type { Store } from '../../src/store/store.js';
import type { TargetRow } from '../../src/store/targets.js';
import { addAccount, addHttpTarget, addSmtpTarget, openTempStore } from '../helpers/store-fixtures.js';

const SMS_FINALS = ['delivered', 'undelivered', 'expired', 'deleted', 'accepted', 'rejected', 'unknown'];
const SMS_FAILURES = ['undelivered', 'expired', 'deleted', 'rejected', 'unknown'];
const WHATSAPP_STATUSES = ['accepted', 'sent', 'delivered', 'read', 'failed'];

interface Fixture {
  store: Store;
  account: Account;
  hook: TargetRow;
  mail: TargetRow;
  addRule(rule: Partial<Omit<Rule, 'id' | 'createdAt'>>): Rule;
  /** A policy that has read the store as it is now. */
  policy(): ForwardingPolicy;
}

function fixture(t: TestContext): Fixture {
  const { store } = openTempStore(t);
  const account = addAccount(store, 'acme');
  const hook = addHttpTarget(store, 'hook', 'json');
  const mail = addSmtpTarget(store, 'mail', 'xml');
  return {
    store,
    account,
    hook,
    mail,
    addRule: (rule) => store.rules.add({ accountId: account.id, channel: 'smpp', messageType: 'sms', targetId: hook.id, statuses: null, format: null, ...rule }),
    policy: () => new ForwardingPolicy(store),
  };
}

function sms(accountId: number, registeredDelivery: number, channel: Channel = 'smpp'): DeliveryFacts {
  return { accountId, channel, messageType: 'sms', registeredDelivery, status: 'enroute', callbackTargetId: null, callbackStatuses: null };
}

function whatsapp(accountId: number, channel: Channel = 'api'): DeliveryFacts {
  // registered_delivery means nothing for WhatsApp: 0 must not stop a forward.
  return { accountId, channel, messageType: 'whatsapp', registeredDelivery: 0, status: 'accepted', callbackTargetId: null, callbackStatuses: null };
}

/** The statuses (of `candidates`) the policy sends to at least one target. */
function forwarded(policy: ForwardingPolicy, facts: DeliveryFacts, candidates: string[]): string[] {
  return candidates.filter((s) => policy.destinations(s, facts).length > 0);
}

describe('the global switch', () => {
  test('off: no destinations and no SMPP receipts, whatever the rules; on again: both back', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.store.settings.set(SWITCH_KEY, 'off');
    const policy = f.policy();
    const facts = sms(f.account.id, 1);
    assert.equal(policy.forwardingOn, false);
    assert.deepEqual(policy.destinations('delivered', facts), []);
    assert.equal(policy.smppReceiptsAllowed(facts), false, 'no SMPP receipts while forwarding is off');
    assert.deepEqual(policy.destinations('read', whatsapp(f.account.id)), []);

    f.store.settings.set(SWITCH_KEY, 'on');
    policy.reload();
    assert.equal(policy.forwardingOn, true);
    assert.deepEqual(policy.destinations('delivered', facts), [{ targetId: f.hook.id, format: 'json' }]);
    assert.equal(policy.smppReceiptsAllowed(facts), true);
  });

  test('absent means on; with no rule nothing is forwarded but SMPP receipts are allowed', (t) => {
    const f = fixture(t);
    const policy = f.policy();
    assert.equal(policy.forwardingOn, true);
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1)), []);
    assert.equal(policy.smppReceiptsAllowed(sms(f.account.id, 1)), true);
  });
});

describe('none rules ("keine Weiterleitung")', () => {
  test('a none rule for smpp/sms: no destinations (even beside a target rule) and no SMPP receipts', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.addRule({ targetId: null });
    const policy = f.policy();
    const facts = sms(f.account.id, 1);
    for (const status of SMS_FINALS) assert.deepEqual(policy.destinations(status, facts), [], `${status}: wanted no destination under a none rule`);
    assert.equal(policy.smppReceiptsAllowed(facts), false);
  });

  test('a none rule for api affects neither the SMPP receipts nor the smpp rules', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.addRule({ channel: 'api', targetId: null });
    const policy = f.policy();
    const facts = sms(f.account.id, 1);
    assert.equal(policy.smppReceiptsAllowed(facts), true);
    assert.deepEqual(policy.destinations('delivered', facts), [{ targetId: f.hook.id, format: 'json' }]);
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1, 'api')), [], 'the api message is not forwarded');
  });

  test("another account's none rule does not apply", (t) => {
    const f = fixture(t);
    const other = addAccount(f.store, 'other');
    f.addRule({});
    f.addRule({ accountId: other.id, targetId: null });
    const policy = f.policy();
    assert.equal(policy.smppReceiptsAllowed(sms(f.account.id, 1)), true);
    assert.equal(policy.destinations('delivered', sms(f.account.id, 1)).length, 1);
    assert.equal(policy.smppReceiptsAllowed(sms(other.id, 1)), false);
  });
});

describe('SMS: the receipt the message asked for (registered_delivery)', () => {
  const cases: Array<[registeredDelivery: number, wanted: string[], what: string]> = [
    [0x00, [], 'no receipt asked for: nothing'],
    [0x01, SMS_FINALS, 'every final status'],
    [0x02, SMS_FAILURES, 'failures only'],
    [0x03, ['delivered', 'accepted'], 'successes only (SMPP 5.0)'],
    [0x11, ['enroute', ...SMS_FINALS], 'with intermediate notifications: enroute too'],
    [0x10, ['enroute'], 'intermediate only'],
  ];
  for (const [registeredDelivery, wanted, what] of cases) {
    test(`registered_delivery 0x${registeredDelivery.toString(16).padStart(2, '0')}: ${what}`, (t) => {
      const f = fixture(t);
      f.addRule({});
      const had = forwarded(f.policy(), sms(f.account.id, registeredDelivery), ['enroute', ...SMS_FINALS]);
      assert.deepEqual(had, wanted);
    });
  }

  test("a rule's statuses narrow what the receipt request allows, never widen it", (t) => {
    const f = fixture(t);
    f.addRule({ statuses: ['delivered', 'undelivered', 'enroute'] });
    const policy = f.policy();
    assert.deepEqual(forwarded(policy, sms(f.account.id, 1), ['enroute', ...SMS_FINALS]), ['delivered', 'undelivered']);
    assert.deepEqual(forwarded(policy, sms(f.account.id, 2), ['enroute', ...SMS_FINALS]), ['undelivered']);
    assert.deepEqual(forwarded(policy, sms(f.account.id, 0), ['enroute', ...SMS_FINALS]), []);
  });

  test('a rule for another channel or message type does not apply', (t) => {
    const f = fixture(t);
    f.addRule({ channel: 'api' });
    f.addRule({ channel: 'email' });
    f.addRule({ channel: 'whatsapp', messageType: 'whatsapp' });
    f.addRule({ channel: 'smpp', messageType: 'whatsapp' });
    assert.deepEqual(f.policy().destinations('delivered', sms(f.account.id, 1)), []);
  });
});

describe('WhatsApp: status changes the rules select', () => {
  test('by default only delivered and read, with the rule channel whatsapp, whatever the message channel', (t) => {
    const f = fixture(t);
    f.addRule({ channel: 'whatsapp', messageType: 'whatsapp' });
    const policy = f.policy();
    for (const channel of ['api', 'smpp', 'email', 'console'] as const) {
      assert.deepEqual(forwarded(policy, whatsapp(f.account.id, channel), WHATSAPP_STATUSES), ['delivered', 'read'], `channel ${channel}`);
    }
  });

  test("by default only delivered and read, with the rule naming the message's channel", (t) => {
    const f = fixture(t);
    f.addRule({ channel: 'api', messageType: 'whatsapp' });
    const policy = f.policy();
    assert.deepEqual(forwarded(policy, whatsapp(f.account.id, 'api'), WHATSAPP_STATUSES), ['delivered', 'read']);
    assert.deepEqual(forwarded(policy, whatsapp(f.account.id, 'email'), WHATSAPP_STATUSES), [], 'an api rule does not cover e-mail');
  });

  test('a rule with statuses sent,failed forwards exactly those', (t) => {
    const f = fixture(t);
    f.addRule({ channel: 'whatsapp', messageType: 'whatsapp', statuses: ['sent', 'failed'] });
    assert.deepEqual(forwarded(f.policy(), whatsapp(f.account.id), WHATSAPP_STATUSES), ['sent', 'failed']);
  });

  test('an SMS rule does not forward WhatsApp changes', (t) => {
    const f = fixture(t);
    f.addRule({ channel: 'api', messageType: 'sms' });
    assert.deepEqual(forwarded(f.policy(), whatsapp(f.account.id, 'api'), WHATSAPP_STATUSES), []);
  });

  test('a none rule for whatsapp stops WhatsApp forwarding but not the SMS rules', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.addRule({ channel: 'whatsapp', messageType: 'whatsapp' });
    f.addRule({ channel: 'whatsapp', messageType: 'whatsapp', targetId: null });
    const policy = f.policy();
    assert.deepEqual(forwarded(policy, whatsapp(f.account.id), WHATSAPP_STATUSES), []);
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1)), [{ targetId: f.hook.id, format: 'json' }]);
    assert.equal(policy.smppReceiptsAllowed(sms(f.account.id, 1)), true);
  });
});

describe('destinations', () => {
  test('two rules to the same target give one destination; two targets give two', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.addRule({ statuses: ['delivered'] });
    const policy = f.policy();
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1)), [{ targetId: f.hook.id, format: 'json' }]);
    f.addRule({ targetId: f.mail.id });
    policy.reload();
    const both = policy.destinations('delivered', sms(f.account.id, 1)).sort((a, b) => a.targetId - b.targetId);
    const wanted: Destination[] = [
      { targetId: f.hook.id, format: 'json' },
      { targetId: f.mail.id, format: 'xml' },
    ].sort((a, b) => a.targetId - b.targetId) as Destination[];
    assert.deepEqual(both, wanted);
  });

  test("the rule's format overrides the target's", (t) => {
    const f = fixture(t);
    f.addRule({ format: 'xml' });
    f.addRule({ targetId: f.mail.id, format: 'json' });
    const policy = f.policy();
    const got = new Map(policy.destinations('delivered', sms(f.account.id, 1)).map((d) => [d.targetId, d.format]));
    assert.equal(got.get(f.hook.id), 'xml', 'hook is json, its rule says xml');
    assert.equal(got.get(f.mail.id), 'json', 'mail is xml, its rule says json');
  });

  test('without a rule format, the target format is used (read at reload)', (t) => {
    const f = fixture(t);
    f.addRule({ targetId: f.mail.id });
    assert.deepEqual(f.policy().destinations('delivered', sms(f.account.id, 1)), [{ targetId: f.mail.id, format: 'xml' }]);
  });

  test('a removed target yields no destination after reload', (t) => {
    const f = fixture(t);
    f.addRule({});
    f.addRule({ targetId: f.mail.id });
    const policy = f.policy();
    assert.equal(policy.destinations('delivered', sms(f.account.id, 1)).length, 2);
    assert.equal(f.store.targets.remove('hook'), true);
    policy.reload();
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1)), [{ targetId: f.mail.id, format: 'xml' }]);
  });

  test('rules added after construction apply only after reload', (t) => {
    const f = fixture(t);
    const policy = f.policy();
    f.addRule({});
    assert.deepEqual(policy.destinations('delivered', sms(f.account.id, 1)), [], 'cached until reload');
    policy.reload();
    assert.equal(policy.destinations('delivered', sms(f.account.id, 1)).length, 1);
  });
});
