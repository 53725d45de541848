/**
 * The forwarded document (SPEC §5): buildDocument for SMS and WhatsApp facts, its JSON and XML
 * encodings, and the retry delay table (SPEC §5 retry schedule, jitter, Retry-After).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convert, create } from 'xmlbuilder2';
import { buildDocument, isoWithOffset, notificationId, type EventDocument, type EventFacts } from '../../src/forwarding/formats/document.js';
import { encodeDocument } from '../../src/forwarding/formats/encode.js';
import { encodeJson } from '../../src/forwarding/formats/json.js';
import { encodeXml } from '../../src/forwarding/formats/xml.js';
import { retryDelayMs } from '../../src/forwarding/retry-policy.js';

const PREFIX = '9f3a61c0';
// 2026-11-25T10:00:00.000Z and 2026-11-25T10:00:03.250Z
const SUBMITTED = Date.UTC(2026, 10, 25, 10, 0, 0, 0);
const OCCURRED = Date.UTC(2026, 10, 25, 10, 0, 3, 250);

function smsFacts(extra: Partial<EventFacts> = {}): EventFacts {
  return {
    eventId: 4242,
    status: 'undelivered',
    errorCode: 1,
    occurredAt: OCCURRED,
    messageId: '481516234200',
    messageType: 'sms',
    channel: 'smpp',
    account: 'acme',
    clientRef: 'order-17',
    sourceAddr: '+436601234567',
    destAddr: '+436991234567',
    submittedAt: SUBMITTED,
    partNumber: 2,
    partCount: 3,
    ...extra,
  };
}

function whatsappFacts(extra: Partial<EventFacts> = {}): EventFacts {
  return smsFacts({ status: 'read', errorCode: 0, messageType: 'whatsapp', channel: 'api', clientRef: null, partNumber: null, partCount: null, ...extra });
}

describe('buildDocument', () => {
  test('SMS: every field, websms names, in order', () => {
    const doc = buildDocument(smsFacts(), PREFIX);
    const wanted: EventDocument = {
      messageType: 'deliveryReport',
      notificationId: notificationId(PREFIX, 4242),
      transferId: '481516234200',
      clientMessageId: 'order-17',
      senderAddress: '436601234567',
      recipientAddress: '436991234567',
      deliveryReportMessageStatus: 'undelivered',
      sentOn: '2026-11-25T10:00:00.000+00:00',
      deliveredOn: '2026-11-25T10:00:03.250+00:00',
      deliveredAs: 'sms',
      account: 'acme',
      channel: 'smpp',
      smppStat: 'UNDELIV',
      errorCode: 1,
      partNumber: 2,
      partCount: 3,
    };
    assert.deepEqual(doc, wanted);
    assert.deepEqual(Object.keys(doc), Object.keys(wanted), 'field order as the SPEC lists them');
    assert.equal('status' in doc, false, 'an SMS document has deliveryReportMessageStatus, not status');
    assert.equal('statusChangedOn' in doc, false);
  });

  test('WhatsApp: statusChange, status, statusChangedOn, no smppStat, nulls kept in the model', () => {
    const doc = buildDocument(whatsappFacts(), PREFIX);
    const wanted: EventDocument = {
      messageType: 'statusChange',
      notificationId: notificationId(PREFIX, 4242),
      transferId: '481516234200',
      clientMessageId: null,
      senderAddress: '436601234567',
      recipientAddress: '436991234567',
      status: 'read',
      sentOn: '2026-11-25T10:00:00.000+00:00',
      statusChangedOn: '2026-11-25T10:00:03.250+00:00',
      deliveredAs: 'whatsapp',
      account: 'acme',
      channel: 'api',
      errorCode: 0,
      partNumber: null,
      partCount: null,
    };
    assert.deepEqual(doc, wanted);
    assert.deepEqual(Object.keys(doc), Object.keys(wanted));
    for (const smsOnly of ['deliveryReportMessageStatus', 'deliveredOn', 'smppStat']) assert.equal(smsOnly in doc, false, `${smsOnly} is SMS only`);
  });

  test('smppStat for every SMS status (SMPP 3.4 Appendix B words)', () => {
    const table: Array<[string, string]> = [
      ['enroute', 'ENROUTE'],
      ['delivered', 'DELIVRD'],
      ['expired', 'EXPIRED'],
      ['deleted', 'DELETED'],
      ['undelivered', 'UNDELIV'],
      ['accepted', 'ACCEPTD'],
      ['unknown', 'UNKNOWN'],
      ['rejected', 'REJECTD'],
    ];
    for (const [status, stat] of table) {
      const doc = buildDocument(smsFacts({ status }), PREFIX);
      assert.equal(doc.smppStat, stat, status);
      assert.equal(doc.deliveryReportMessageStatus, status);
    }
  });

  test("addresses lose a leading '+' only; an alphanumeric sender stays as it is", () => {
    const table: Array<[string, string]> = [
      ['+436991234567', '436991234567'],
      ['436991234567', '436991234567'],
      ['Shop+Co', 'Shop+Co'],
      ['0664123', '0664123'],
    ];
    for (const [given, wanted] of table) {
      const doc = buildDocument(smsFacts({ sourceAddr: given, destAddr: given }), PREFIX);
      assert.equal(doc.senderAddress, wanted, `sender ${given}`);
      assert.equal(doc.recipientAddress, wanted, `recipient ${given}`);
    }
  });

  test('times are ISO 8601 with an explicit +00:00 offset and milliseconds', () => {
    const doc = buildDocument(smsFacts({ submittedAt: 0, occurredAt: 1 }), PREFIX);
    assert.equal(doc.sentOn, '1970-01-01T00:00:00.000+00:00');
    assert.equal(doc.deliveredOn, '1970-01-01T00:00:00.001+00:00');
  });

  test('notificationId: 20 characters, the prefix first, the same for the same event id and prefix, different otherwise', () => {
    const ids = new Set<string>();
    for (const eventId of [1, 35, 36, 4242, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const id = buildDocument(smsFacts({ eventId }), PREFIX).notificationId;
      assert.equal(id.length, 20, `event ${eventId}: ${id}`);
      assert.ok(id.startsWith(PREFIX), `event ${eventId}: ${id} starts with the prefix`);
      assert.match(id, /^[0-9a-z]{20}$/);
      assert.equal(buildDocument(whatsappFacts({ eventId, status: 'sent' }), PREFIX).notificationId, id, 'stable: depends only on event id and prefix');
      ids.add(id);
    }
    assert.equal(ids.size, 6, 'unique per event');
    assert.notEqual(notificationId('0badcafe', 4242), notificationId(PREFIX, 4242), 'another database (prefix) gives another id');
    assert.equal(notificationId(PREFIX, 36), `${PREFIX}000000000010`, 'the event id in base 36');
  });
});

describe('encodeJson', () => {
  test('JSON.parse gives the document back, key order kept, nulls as null', () => {
    const doc = buildDocument(whatsappFacts(), PREFIX);
    const text = encodeJson(doc);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(parsed, { ...doc });
    assert.deepEqual(Object.keys(parsed), Object.keys(doc));
    assert.equal(parsed.clientMessageId, null);
    assert.equal(parsed.partNumber, null);
    assert.equal(encodeDocument(doc, 'json'), text, 'encodeDocument json = encodeJson');
  });

  test('special and non-ASCII characters survive', () => {
    const clientRef = 'a <b> & "c" \\ Grüße 😀 \u2028';
    const parsed = JSON.parse(encodeJson(buildDocument(smsFacts({ clientRef }), PREFIX))) as { clientMessageId: string };
    assert.equal(parsed.clientMessageId, clientRef);
  });
});

/** The root's child elements, in document order, with their decoded text. */
function xmlChildren(xml: string): { root: string; children: Array<[string, string]> } {
  const root = create(xml).root();
  const children: Array<[string, string]> = [];
  root.each((child) => {
    children.push([child.node.nodeName, child.node.textContent ?? '']);
  });
  return { root: root.node.nodeName, children };
}

/** What the XML must carry for `doc`: every non-null field as text, in JSON key order. */
function wantedChildren(doc: EventDocument): Array<[string, string]> {
  return Object.entries(doc)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, String(v)]);
}

describe('encodeXml', () => {
  for (const [kind, facts] of [
    ['SMS', smsFacts()],
    ['WhatsApp', whatsappFacts()],
  ] as const) {
    test(`${kind}: declaration, root = messageType, children in JSON key order, nulls left out`, () => {
      const doc = buildDocument(facts, PREFIX);
      const xml = encodeXml(doc);
      assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/, 'an XML declaration with UTF-8 first');
      const { root, children } = xmlChildren(xml);
      assert.equal(root, doc.messageType);
      assert.deepEqual(children, wantedChildren(doc));
      // The same through xmlbuilder2's object conversion: one key per element, in order.
      const object = convert(xml, { format: 'object' }) as Record<string, Record<string, string>>;
      assert.deepEqual(Object.keys(object), [doc.messageType]);
      assert.deepEqual(Object.entries(object[doc.messageType]!), wantedChildren(doc));
      assert.equal(encodeDocument(doc, 'xml'), xml, 'encodeDocument xml = encodeXml');
    });
  }

  test('WhatsApp with nulls: clientMessageId, partNumber and partCount are absent, not empty', () => {
    const xml = encodeXml(buildDocument(whatsappFacts(), PREFIX));
    for (const name of ['clientMessageId', 'partNumber', 'partCount', 'deliveredOn', 'smppStat']) {
      assert.doesNotMatch(xml, new RegExp(`<${name}[ />]`), `${name} must not appear`);
    }
  });

  test('< & > " are escaped where needed, non-ASCII stays UTF-8 text; parsing gives the text back', () => {
    const clientRef = 'a <b> & "c" > d \'e\' Grüße Ωμέγα 😀';
    const doc = buildDocument(smsFacts({ clientRef, account: 'Müller & Söhne' }), PREFIX);
    const xml = encodeXml(doc);
    assert.ok(!xml.includes('<b>'), `"<b>" must be escaped: ${xml}`);
    assert.match(xml, /&lt;b&gt;/);
    assert.match(xml, /&amp; "c"|&amp; &quot;c&quot;/);
    assert.ok(xml.includes('Grüße Ωμέγα 😀'), 'non-ASCII written as UTF-8 characters, not character references');
    assert.doesNotMatch(xml, /&#x?[0-9a-fA-F]+;/, 'no numeric character references');
    const { children } = xmlChildren(xml);
    const text = new Map(children);
    assert.equal(text.get('clientMessageId'), clientRef);
    assert.equal(text.get('account'), 'Müller & Söhne');
    assert.equal(Buffer.from(xml, 'utf8').toString('utf8'), xml, 'valid as UTF-8');
  });
});

describe('retryDelayMs', () => {
  const schedule = [0, 5, 300];
  const fixed = (value: number) => () => value;

  test('the schedule without jitter: entry n after attempt n fails; exhausted → null', () => {
    const table: Array<[attempt: number, wanted: number | null]> = [
      [1, 5_000],
      [2, 300_000],
      [3, null],
      [4, null],
    ];
    for (const [attempt, wanted] of table) {
      assert.equal(retryDelayMs(schedule, 0, attempt, undefined, fixed(0.123)), wanted, `after attempt ${attempt}`);
    }
  });

  test('±20% jitter: random 0 → -20%, 0.5 → exact, just under 1 → +20%', () => {
    const almostOne = 1 - Number.EPSILON;
    const table: Array<[attempt: number, random: number, wanted: number]> = [
      [1, 0, 4_000],
      [1, 0.5, 5_000],
      [1, almostOne, 6_000],
      [1, 0.25, 4_500],
      [2, 0, 240_000],
      [2, 0.5, 300_000],
      [2, almostOne, 360_000],
    ];
    for (const [attempt, random, wanted] of table) {
      assert.equal(retryDelayMs(schedule, 0.2, attempt, undefined, fixed(random)), wanted, `attempt ${attempt}, random ${random}`);
    }
    assert.equal(retryDelayMs(schedule, 0.2, 3, undefined, fixed(0.5)), null, 'jitter does not extend the schedule');
  });

  test('Retry-After: a longer one wins, a shorter one does not shorten the schedule', () => {
    const table: Array<[attempt: number, jitter: number, random: number, retryAfterMs: number, wanted: number | null]> = [
      [1, 0, 0.5, 60_000, 60_000],
      [1, 0, 0.5, 1_000, 5_000],
      [1, 0.2, 0, 4_500, 4_500],
      [1, 0.2, 0, 3_000, 4_000],
      [2, 0, 0.5, 300_001, 300_001],
      [1, 0, 0.5, 0, 5_000],
      [3, 0, 0.5, 1_000, null],
    ];
    for (const [attempt, jitter, random, retryAfterMs, wanted] of table) {
      assert.equal(retryDelayMs(schedule, jitter, attempt, retryAfterMs, fixed(random)), wanted, `attempt ${attempt}, jitter ${jitter}, random ${random}, Retry-After ${retryAfterMs} ms`);
    }
  });

  test('the default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after attempts 1–7, then done', () => {
    const defaults = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];
    const wanted = [5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => s * 1000);
    const had = [1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(defaults, 0, attempt, undefined, fixed(0.5)));
    assert.deepEqual(had, wanted);
    assert.equal(retryDelayMs(defaults, 0, 8, undefined, fixed(0.5)), null);
  });
});

test('isoWithOffset: toISOString with +00:00 for Z, whatever the order of the seconds it is asked for', () => {
  const expected = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
  const base = Date.UTC(2026, 11, 31, 23, 59, 58, 0);
  // Interleaved seconds (sent, delivered, sent, …), millisecond edges, a year change, and odd values.
  const values = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, base, base + 999, base + 1000, base + 1999, base + 2000, base - 1, base + 5, base + 2001, base + 7];
  for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 4_000_000_000_000), base + Math.floor(Math.random() * 5000));
  values.push(253_402_300_799_999, 253_402_300_800_000, 1.5, -1);
  for (const ms of values) assert.equal(isoWithOffset(ms), expected(ms), `for ${ms}`);
});
