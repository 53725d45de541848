/**
 * SMPP time strings (SMPP 3.4 §7.1.1), as used by schedule_delivery_time and validity_period, and
 * the short date of delivery receipt text (SMPP 3.4 Appendix B).
 */

/** A time string that is neither empty, absolute nor relative in the SMPP 3.4 §7.1.1 format. */
export class SmppTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmppTimeError';
  }
}

/** The six two-digit fields shared by absolute and relative times. */
interface Fields {
  yy: number;
  mm: number;
  dd: number;
  hh: number;
  mi: number;
  ss: number;
}

const MINUTE = 60_000; // ms
const QUARTER_HOUR = 15 * MINUTE; // ms

/**
 * The instant (ms since the epoch) a SMPP time string names, or null for '' (not set); relative
 * times are counted from `now` (ms since the epoch).
 */
export function parseSmppTime(value: string, now: number): number | null {
  if (value === '') return null;
  if (value.length !== 16) throw new SmppTimeError(`SMPP time "${value}" has ${value.length} characters, wanted 16`);
  if (!/^\d{15}$/.test(value.slice(0, 15))) {
    throw new SmppTimeError(`SMPP time "${value}" must start with 15 digits (YYMMDDhhmmsstnn)`);
  }
  const fields: Fields = {
    yy: digits(value, 0),
    mm: digits(value, 2),
    dd: digits(value, 4),
    hh: digits(value, 6),
    mi: digits(value, 8),
    ss: digits(value, 10),
  };
  const p = value[15];
  if (p === 'R') return relative(value, fields, now);
  if (p === '+' || p === '-') return absolute(value, fields, p);
  throw new SmppTimeError(`SMPP time "${value}" ends in "${p}", wanted "+" or "-" (absolute) or "R" (relative)`);
}

/** The two-digit number at `at`. */
function digits(value: string, at: number): number {
  return Number(value.slice(at, at + 2));
}

/**
 * An absolute time `YYMMDDhhmmsstnnp` (§7.1.1.1): local time, tenths of a second, and the offset of
 * local time from UTC in quarter hours (00–48), ahead ('+') or behind ('-'). Years 00–99 are 2000–2099.
 */
function absolute(value: string, f: Fields, sign: '+' | '-'): number {
  const year = 2000 + f.yy;
  const tenths = Number(value[12]);
  const quarters = digits(value, 13);
  const problem = absoluteProblem(f, year, quarters);
  if (problem) throw new SmppTimeError(`SMPP time "${value}" has an invalid ${problem}`);
  const local = Date.UTC(year, f.mm - 1, f.dd, f.hh, f.mi, f.ss, tenths * 100);
  const offset = quarters * QUARTER_HOUR; // ms
  // Local time is UTC plus the offset, so UTC is local time minus it.
  return sign === '+' ? local - offset : local + offset;
}

/** What is out of range in an absolute time's fields, or null when they name a real instant. */
function absoluteProblem(f: Fields, year: number, quarters: number): string | null {
  if (f.mm < 1 || f.mm > 12) return `month ${f.mm}`;
  if (f.dd < 1 || f.dd > daysInMonth(year, f.mm)) return `day ${f.dd} of ${year}-${String(f.mm).padStart(2, '0')}`;
  if (f.hh > 23) return `hour ${f.hh}`;
  if (f.mi > 59) return `minute ${f.mi}`;
  if (f.ss > 59) return `second ${f.ss}`;
  if (quarters > 48) return `UTC offset of ${quarters} quarter hours (at most 48)`;
  return null;
}

/** The number of days in `month` (1–12) of `year`. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A relative time `YYMMDDhhmmss000R` (§7.1.1.2) added to `now` in UTC calendar arithmetic. Each field
 * is an amount, not a calendar position, so any two digits are accepted (e.g. 48 hours). When adding
 * months lands past the end of a month the day is clamped to its last day (Jan 31 + 1 month = Feb 28/29).
 */
function relative(value: string, f: Fields, now: number): number {
  if (value.slice(12, 15) !== '000') {
    throw new SmppTimeError(`relative SMPP time "${value}" must have "000" before "R", had "${value.slice(12, 15)}"`);
  }
  const start = new Date(now);
  const months = start.getUTCMonth() + f.yy * 12 + f.mm;
  const year = start.getUTCFullYear() + Math.floor(months / 12);
  const month = months % 12; // 0-based
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month + 1));
  const shifted = Date.UTC(
    year,
    month,
    day,
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
  // Days, hours, minutes and seconds have fixed lengths in UTC (no DST; leap seconds are not counted).
  return shifted + ((f.dd * 24 + f.hh) * 60 + f.mi) * MINUTE + f.ss * 1000;
}

/** `YYMMDDhhmm` in UTC, the format of `submit date:` and `done date:` in receipt text (SMPP 3.4 Appendix B). */
export function formatReceiptDate(ms: number): string {
  // Two per receipt, nearly all within the current minute: the last minute formatted is kept.
  const minute = Math.floor(ms / MINUTE);
  if (minute === lastReceiptMinute) return lastReceiptDate;
  const d = new Date(minute * MINUTE);
  lastReceiptDate = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
  lastReceiptMinute = minute;
  return lastReceiptDate;
}
let lastReceiptMinute = NaN;
let lastReceiptDate = '';

/** SMPP absolute time `YYMMDDhhmmsst00+` in UTC (SMPP 3.4 §7.1.1), e.g. query_sm_resp final_date. */
export function formatSmppTime(ms: number): string {
  const d = new Date(ms);
  const parts = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  return `${parts.map((n) => String(n).padStart(2, '0')).join('')}${Math.floor(d.getUTCMilliseconds() / 100)}00+`;
}
