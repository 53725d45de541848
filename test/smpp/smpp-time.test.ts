import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatReceiptDate, parseSmppTime, SmppTimeError } from '../../src/smpp/smpp-time.js';

/** ISO text of an epoch ms (or null) for readable failure messages. */
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

describe('parseSmppTime', () => {
  const now = Date.parse('2024-01-31T10:00:00.000Z');
  const ok: [name: string, value: string, now: number, want: string | null][] = [
    ['empty means not set', '', now, null],
    // absolute: YYMMDDhhmmss t nn p
    ['absolute UTC', '240305123456700+', now, '2024-03-05T12:34:56.700+00:00'],
    ['absolute UTC with "-"', '240305123456000-', now, '2024-03-05T12:34:56.000+00:00'],
    ['absolute 8 quarters ahead of UTC', '240305123456708+', now, '2024-03-05T12:34:56.700+02:00'],
    ['absolute 5 quarters ahead of UTC', '240305123456005+', now, '2024-03-05T12:34:56.000+01:15'],
    ['absolute 20 quarters behind UTC', '240305123456020-', now, '2024-03-05T12:34:56.000-05:00'],
    ['absolute 48 quarters ahead (maximum)', '991231235959948+', now, '2099-12-31T23:59:59.900+12:00'],
    ['absolute 48 quarters behind (maximum)', '000101000000048-', now, '2000-01-01T00:00:00.000-12:00'],
    ['absolute leap day', '240229000000000+', now, '2024-02-29T00:00:00.000Z'],
    ['absolute year 00 is 2000', '000101000000000+', now, '2000-01-01T00:00:00.000Z'],
    // relative: YYMMDDhhmmss000R, counted from now (2024-01-31T10:00Z)
    ['relative zero', '000000000000000R', now, '2024-01-31T10:00:00.000Z'],
    ['relative 1 second', '000000000001000R', now, '2024-01-31T10:00:01.000Z'],
    ['relative 90 minutes as 01:30', '000000013000000R', now, '2024-01-31T11:30:00.000Z'],
    ['relative 1 day', '000001000000000R', now, '2024-02-01T10:00:00.000Z'],
    ['relative 48 hours', '000000480000000R', now, '2024-02-02T10:00:00.000Z'],
    ['relative 99 minutes', '000000009900000R', now, '2024-01-31T11:39:00.000Z'],
    ['relative 1 month clamps Jan 31 to Feb 29', '000100000000000R', now, '2024-02-29T10:00:00.000Z'],
    ['relative 13 months clamps to Feb 28', '001300000000000R', now, '2025-02-28T10:00:00.000Z'],
    ['relative 1 year', '010000000000000R', now, '2025-01-31T10:00:00.000Z'],
    ['relative months cross the year', '000300000000000R', Date.parse('2024-11-15T00:00:00Z'), '2025-02-15T00:00:00.000Z'],
    ['relative example of SMPP 3.4 §7.1.1.2', '020610233429000R', now, '2026-08-11T09:34:29.000Z'],
    ['relative keeps milliseconds of now', '000000000001000R', Date.parse('2024-01-01T00:00:00.250Z'), '2024-01-01T00:00:01.250Z'],
  ];
  for (const [name, value, from, want] of ok) {
    it(`${name}: ${JSON.stringify(value)}`, () => {
      const wantMs = want === null ? null : Date.parse(want);
      assert.equal(iso(parseSmppTime(value, from)), iso(wantMs), `wanted ${JSON.stringify(value)} to be ${iso(wantMs)}`);
    });
  }

  const bad: [name: string, value: string, wantMessage: RegExp][] = [
    ['too short', '24030512345670+', /has 15 characters, wanted 16/],
    ['too long', '240305123456700+0', /has 17 characters, wanted 16/],
    ['a letter among the digits', '24O305123456700+', /must start with 15 digits/],
    ['a space among the digits', '2403051234567 0+', /must start with 15 digits/],
    ['a sign among the digits', '-40305123456700+', /must start with 15 digits/],
    ['unknown last character', '240305123456700Z', /ends in "Z"/],
    ['lower-case r', '000001000000000r', /ends in "r"/],
    ['month 13', '241305123456700+', /invalid month 13/],
    ['month 0', '240005123456700+', /invalid month 0/],
    ['day 0', '240300123456700+', /invalid day 0 of 2024-03/],
    ['day 32', '240132123456700+', /invalid day 32 of 2024-01/],
    ['Feb 30', '240230000000000+', /invalid day 30 of 2024-02/],
    ['Feb 29 in a common year', '230229000000000+', /invalid day 29 of 2023-02/],
    ['hour 24', '240305243456700+', /invalid hour 24/],
    ['minute 60', '240305126056700+', /invalid minute 60/],
    ['second 60', '240305123460700+', /invalid second 60/],
    ['UTC offset 49 quarters', '240305123456749+', /UTC offset of 49 quarter hours/],
    ['relative with tenths', '000001000000100R', /must have "000" before "R", had "100"/],
    ['relative with an offset', '000001000000004R', /must have "000" before "R", had "004"/],
  ];
  for (const [name, value, wantMessage] of bad) {
    it(`refuses ${name}: ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => parseSmppTime(value, now),
        (err: unknown) => err instanceof SmppTimeError && wantMessage.test(err.message),
        `wanted an SmppTimeError matching ${wantMessage} for ${JSON.stringify(value)}`,
      );
    });
  }
});

describe('formatReceiptDate', () => {
  const cases: [at: string, want: string][] = [
    ['2024-03-05T12:34:56.789Z', '2403051234'],
    ['2024-03-05T12:34:56.789+02:00', '2403051034'], // always UTC
    ['2000-01-01T00:00:00.000Z', '0001010000'],
    ['2099-12-31T23:59:59.999Z', '9912312359'],
    ['1999-12-31T23:59:00.000Z', '9912312359'],
  ];
  for (const [at, want] of cases) {
    it(`formats ${at}`, () => {
      assert.equal(formatReceiptDate(Date.parse(at)), want, `wanted ${at} as YYMMDDhhmm ${want}`);
    });
  }
});
