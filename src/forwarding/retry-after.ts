/**
 * The `Retry-After` answer header (RFC 9110 §10.2.3), which SPEC §5 says an http target honours
 * on 408, 429 and 5xx: either delay-seconds or an HTTP-date.
 */

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

// The three HTTP-date forms (RFC 9110 §5.6.7), all in GMT. Matched by hand rather than with
// Date.parse, which reads a bare number ("-5") as a year and the asctime form as local time.
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850_DATE = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** obsolete asctime: `Sun Nov  6 08:49:37 1994` */
const ASCTIME_DATE = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utc(year: number, monthName: string, day: number, hour: number, minute: number, second: number): number | undefined {
  const month = MONTHS[monthName.toLowerCase()];
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(year, month, day, hour, minute, second);
}

/** Milliseconds since the epoch that an HTTP-date names, or undefined if `text` is not one. */
function parseHttpDate(text: string): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850_DATE.exec(text);
  if (m) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past century; with
    // Retry-After only recent years occur, so 00–69 are 20xx.
    const yy = Number(m[3]);
    return utc(yy < 70 ? 2000 + yy : 1900 + yy, m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return utc(Number(m[6]), m[1] ?? '', Number((m[2] ?? '').trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/**
 * How long (ms) a `Retry-After` value asks the caller to wait, given the time now (ms since the
 * epoch): delay-seconds × 1000, or the time until an HTTP-date (0 once it has passed); undefined
 * for a missing, negative, fractional or unparsable value, so the retry schedule applies instead.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const at = parseHttpDate(text);
  if (at === undefined) return undefined;
  return Math.max(0, at - nowMs);
}
