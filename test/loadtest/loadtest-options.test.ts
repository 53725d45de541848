/** resolveLoadtestOptions, the short_message encoder and the receipt reader: pure functions, tested by tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import smpp from 'smpp';
import { UsageError } from '../../src/errors.js';
import { resolveLoadtestOptions, type LoadtestInput } from '../../src/loadtest/loadtest-options.js';
import { NO_STAT, parseReceipt } from '../../src/loadtest/receipt-info.js';
import { decodePdu } from '../../src/smpp/pdu-codec.js';
import { encodeShortMessage, parseDataCoding } from '../../src/loadtest/short-message.js';

const account = { systemId: 'acme', password: 'pw' };

test('defaults: 127.0.0.1:2775, 1 bind, window 10, count 1000, registered_delivery 1, no rate, 30 s receipt timeout', () => {
  const o = resolveLoadtestOptions(account);
  assert.deepEqual(
    {
      host: o.host,
      port: o.port,
      binds: o.binds,
      window: o.window,
      count: o.count,
      durationMs: o.durationMs,
      rate: o.rate,
      rd: o.registeredDelivery,
      receiptTimeoutMs: o.receiptTimeoutMs,
      dataCoding: o.dataCoding,
      source: o.source,
      destination: o.destination,
      tls: o.tls,
    },
    {
      host: '127.0.0.1',
      port: 2775,
      binds: 1,
      window: 10,
      count: 1000,
      durationMs: null,
      rate: null,
      rd: 1,
      receiptTimeoutMs: 30_000,
      dataCoding: 0,
      source: { ton: 1, npi: 1, addr: '436601234567' },
      destination: { ton: 1, npi: 1, addr: '436991234567' },
      tls: false,
    },
  );
  assert.ok(Object.isFrozen(o));
  const timed = resolveLoadtestOptions({ ...account, durationSec: 2.5, rate: 50, source: 'ACME', destination: '+436991234567' });
  assert.deepEqual(
    { count: timed.count, durationMs: timed.durationMs, rate: timed.rate, source: timed.source, destination: timed.destination.addr },
    { count: null, durationMs: 2500, rate: 50, source: { ton: 5, npi: 0, addr: 'ACME' }, destination: '436991234567' },
  );
});

test('bad settings are UsageErrors naming the option', () => {
  const cases: Array<[Partial<LoadtestInput>, RegExp]> = [
    [{ binds: 0 }, /--binds must be a whole number from 1/],
    [{ window: 1.5 }, /--window/],
    [{ count: 0 }, /--count/],
    [{ count: 10, durationSec: 1 }, /--count and --duration cannot be used together/],
    [{ durationSec: 0 }, /--duration must be a number greater than 0/],
    [{ rate: -1 }, /--rate/],
    [{ registeredDelivery: 3 }, /--registered-delivery must be 0, 1, 2 or 17/],
    [{ receiptTimeoutSec: -1 }, /--receipt-timeout/],
    [{ port: 70000 }, /--port/],
    [{ dataCoding: 'klingon' }, /--data-coding must be/],
    [{ dataCoding: 4 }, /--data-coding must be/],
    [{ text: 'Grüße ☃', dataCoding: 0 }, /--text has characters that data_coding 0 cannot encode/],
    [{ text: 'x'.repeat(255) }, /--text is 255 octets/],
    [{ source: 'far too long a name' }, /--source/],
    [{ destination: 'abc' }, /--destination/],
    [{ insecure: true }, /--insecure needs --tls/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => resolveLoadtestOptions({ ...account, ...input }), (err: unknown) => err instanceof UsageError && message.test(err.message), `${JSON.stringify(input)}: wanted a UsageError matching ${message}`);
  }
});

test('short_message octets by data_coding', () => {
  const table: Array<[string, number | string, number, string]> = [
    ['Hi @£', 'gsm', 0, '4869200001'], // GSM 03.38: '@' 0x00, '£' 0x01
    ['Hi {', 0, 0, '4869201b28'], // '{' is ESC 0x28 (extension table)
    ['Hi @', 'ascii', 1, '48692040'],
    ['Grüße', 'latin1', 3, '4772fcdf65'],
    ['☃', 'ucs2', 8, '2603'],
    ['😀', 8, 8, 'd83dde00'],
  ];
  for (const [text, name, code, hex] of table) {
    assert.equal(parseDataCoding(name), code, `parseDataCoding(${JSON.stringify(name)})`);
    assert.equal(encodeShortMessage(text, code).toString('hex'), hex, `${JSON.stringify(text)} in data_coding ${code}`);
  }
});

test('parseReceipt: the TLV id first, else the Appendix B text; stat, finality, and what is not a receipt', () => {
  const body = (text: string): Buffer => Buffer.from(text, 'latin1');
  const appendixB = (id: string, stat: string): string =>
    `id:${id} sub:001 dlvrd:001 submit date:2611251730 done date:2611251731 stat:${stat} err:000 text:hello`;
  const cases: Array<[string, Record<string, unknown>, { isReceipt: boolean; messageId: string | null; stat: string; final: boolean }]> = [
    ['TLV and text', { esm_class: 0x04, receipted_message_id: 'ABC', short_message: body(appendixB('abc', 'DELIVRD')), message_state: 2 }, { isReceipt: true, messageId: 'ABC', stat: 'DELIVRD', final: true }],
    ['text only', { esm_class: 0x04, short_message: body(appendixB('0042', 'UNDELIV')) }, { isReceipt: true, messageId: '0042', stat: 'UNDELIV', final: true }],
    ['message_state only', { esm_class: 0x04, receipted_message_id: '9', message_state: 3 }, { isReceipt: true, messageId: '9', stat: 'EXPIRED', final: true }],
    ['intermediate (esm_class 0x20)', { esm_class: 0x20, receipted_message_id: '9', short_message: body(appendixB('9', 'ENROUTE')), message_state: 1 }, { isReceipt: true, messageId: '9', stat: 'ENROUTE', final: false }],
    ['esm_class 0 but Appendix B text', { esm_class: 0, short_message: body(appendixB('77', 'DELIVRD')) }, { isReceipt: true, messageId: '77', stat: 'DELIVRD', final: true }],
    ['no id anywhere', { esm_class: 0x04, short_message: body('delivered') }, { isReceipt: true, messageId: null, stat: NO_STAT, final: true }],
    ['a mobile-originated message', { esm_class: 0, short_message: body('hello there') }, { isReceipt: false, messageId: null, stat: NO_STAT, final: true }],
  ];
  for (const [what, fields, want] of cases) {
    // Encoded by the smpp package, as another SMSC would send it; decoded as the load test reads it.
    const wire = new smpp.PDU('deliver_sm', { source_addr: '436991234567', destination_addr: '436601234567', data_coding: 0, ...fields }).toBuffer();
    assert.deepEqual(parseReceipt(decodePdu(wire)), want, what);
  }
  // A data_sm carries its text in message_payload; in UCS2 the text is UTF-16BE.
  const ucs2 = Buffer.from(appendixB('5a', 'DELIVRD'), 'utf16le').swap16();
  const dataSm = new smpp.PDU('data_sm', { source_addr: '436991234567', destination_addr: '436601234567', esm_class: 0x04, data_coding: 8, message_payload: ucs2 }).toBuffer();
  assert.deepEqual(parseReceipt(decodePdu(dataSm)), { isReceipt: true, messageId: '5a', stat: 'DELIVRD', final: true }, 'data_sm, UCS2 message_payload');
});
