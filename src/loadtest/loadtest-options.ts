/**
 * The settings of one load test run: what `smscd loadtest` (or a caller of `runLoadtest`) gives,
 * validated once into a complete, frozen object. Messages name the command-line option.
 */
import { UsageError } from '../errors.js';
import { encodeShortMessage, parseDataCoding } from './short-message.js';

/** registered_delivery values the load test asks for: none, final, failure only, final + intermediate (0x11). */
export const REGISTERED_DELIVERY_VALUES = [0, 1, 2, 17] as const;

/** One of REGISTERED_DELIVERY_VALUES. */
export type RegisteredDelivery = (typeof REGISTERED_DELIVERY_VALUES)[number];

/** The settings as given; everything but the account has a default. */
export interface LoadtestInput {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 2775 */
  port?: number;
  systemId: string;
  password: string;
  /** Transceiver sessions. @defaultValue 1 */
  binds?: number;
  /** Most submit_sm awaiting their response per bind. @defaultValue 10 */
  window?: number;
  /** submit_sm to send in total; not with `durationSec`. @defaultValue 1000 (when no duration is given) */
  count?: number;
  /** Seconds to submit for; not with `count`. @defaultValue undefined */
  durationSec?: number;
  /** submit_sm per second over all binds; undefined = as fast as the window allows. @defaultValue undefined */
  rate?: number;
  /** registered_delivery of every submit_sm: 0, 1, 2 or 17 (0x11). @defaultValue 1 */
  registeredDelivery?: number;
  /** Seconds to wait for a message's receipt after its submit_sm (and so after the last). @defaultValue 30 */
  receiptTimeoutSec?: number;
  /** @defaultValue 'smscd load test' */
  text?: string;
  /** 0 (gsm), 1 (ascii), 3 (latin1), 8 (ucs2), by number or name. @defaultValue 0 */
  dataCoding?: number | string;
  /** source_addr: digits (TON 1, NPI 1) or up to 11 letters and digits (TON 5). @defaultValue '436601234567' */
  source?: string;
  /** destination_addr, digits (TON 1, NPI 1). @defaultValue '436991234567' */
  destination?: string;
  /** Connect over TLS. @defaultValue false */
  tls?: boolean;
  /** With `tls`, accept a certificate that does not verify (self-signed). @defaultValue false */
  insecure?: boolean;
}

/** The validated settings with every default applied. */
export interface LoadtestOptions {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly binds: number;
  readonly window: number;
  /** null in a duration run. */
  readonly count: number | null;
  /** null in a count run. */
  readonly durationMs: number | null;
  /** Submits per second, or null for none. */
  readonly rate: number | null;
  readonly registeredDelivery: RegisteredDelivery;
  readonly receiptTimeoutMs: number;
  readonly text: string;
  readonly dataCoding: number;
  /** `text` encoded in `dataCoding`. */
  readonly shortMessage: Buffer;
  readonly source: Address;
  readonly destination: Address;
  readonly tls: boolean;
  readonly insecure: boolean;
}

/** An SMPP address with its TON and NPI (SMPP 3.4 §5.2.5, §5.2.6). */
export interface Address {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

const DEFAULT_COUNT = 1000;
const DEFAULT_RECEIPT_TIMEOUT_SEC = 30;
const MAX_BINDS = 1000;
const MAX_WINDOW = 100_000;

/** Validates `input` and applies the defaults; a UsageError names the offending option. */
export function resolveLoadtestOptions(input: LoadtestInput): LoadtestOptions {
  if (input.count !== undefined && input.durationSec !== undefined) {
    throw new UsageError('--count and --duration cannot be used together: give one or the other.');
  }
  const rd = input.registeredDelivery ?? 1;
  if (!(REGISTERED_DELIVERY_VALUES as readonly number[]).includes(rd)) {
    throw new UsageError(`--registered-delivery must be 0, 1, 2 or 17 (0x11), not ${rd}.`);
  }
  const text = input.text ?? 'smscd load test';
  const dataCoding = parseDataCoding(input.dataCoding ?? 0);
  if (input.tls !== true && input.insecure === true) throw new UsageError('--insecure needs --tls.');
  const duration = input.durationSec === undefined ? null : positive('--duration', input.durationSec);
  return Object.freeze({
    host: nonEmpty('--host', input.host ?? '127.0.0.1'),
    port: whole('--port', input.port ?? 2775, 1, 65535),
    systemId: input.systemId,
    password: input.password,
    binds: whole('--binds', input.binds ?? 1, 1, MAX_BINDS),
    window: whole('--window', input.window ?? 10, 1, MAX_WINDOW),
    count: duration === null ? whole('--count', input.count ?? DEFAULT_COUNT, 1, Number.MAX_SAFE_INTEGER) : null,
    durationMs: duration === null ? null : duration * 1000,
    rate: input.rate === undefined ? null : positive('--rate', input.rate),
    registeredDelivery: rd as RegisteredDelivery,
    receiptTimeoutMs: nonNegative('--receipt-timeout', input.receiptTimeoutSec ?? DEFAULT_RECEIPT_TIMEOUT_SEC) * 1000,
    text,
    dataCoding,
    shortMessage: encodeShortMessage(text, dataCoding),
    source: sourceAddress(input.source ?? '436601234567'),
    destination: destinationAddress(input.destination ?? '436991234567'),
    tls: input.tls ?? false,
    insecure: input.insecure ?? false,
  });
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not ${value}.`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} must be a number greater than 0, not ${value}.`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${name} must be a number of seconds, 0 or more, not ${value}.`);
  return value;
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${name} must not be empty.`);
  return value;
}

/** Digits are an international number (TON 1, NPI 1 = E.164); letters make an alphanumeric sender (TON 5, NPI 0). */
function sourceAddress(value: string): Address {
  const addr = value.replace(/^\+/, '');
  if (/^\d{1,20}$/.test(addr)) return { ton: 1, npi: 1, addr };
  if (/^[A-Za-z0-9 ]{1,11}$/.test(value)) return { ton: 5, npi: 0, addr: value };
  throw new UsageError(`--source must be a number of up to 20 digits or up to 11 letters and digits, not "${value}".`);
}

function destinationAddress(value: string): Address {
  const addr = value.replace(/^\+/, '');
  if (/^\d{1,20}$/.test(addr)) return { ton: 1, npi: 1, addr };
  throw new UsageError(`--destination must be a number of up to 20 digits, not "${value}".`);
}
