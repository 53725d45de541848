/**
 * The shape of the configuration: one parser per setting, so that a bad value is refused with
 * the dotted name of its key. `config/default.json` holds the values; this file holds the rules.
 */
import { ConfigError } from '../errors.js';
import type { BruteForceSettings } from '../security/brute-force-limiter.js';

/** A parser for one setting: returns the typed value or throws a ConfigError naming `key`. */
export type Leaf<T> = (value: unknown, key: string) => T;

function int(min: number, max: number): Leaf<number> {
  return (value, key) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
  };
}

function str(nonEmpty = true): Leaf<string> {
  return (value, key) => {
    if (typeof value !== 'string' || (nonEmpty && value.length === 0)) {
      throw new ConfigError(key, `must be a${nonEmpty ? ' non-empty' : ''} string, got ${JSON.stringify(value)}`);
    }
    return value;
  };
}

function oneOf<const V extends string>(...values: V[]): Leaf<V> {
  return (value, key) => {
    if (typeof value !== 'string' || !(values as string[]).includes(value)) {
      throw new ConfigError(key, `must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as V;
  };
}

function bool(): Leaf<boolean> {
  return (value, key) => {
    if (typeof value !== 'boolean') throw new ConfigError(key, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
}

const port = int(0, 65535);

/** `[min, max]` in ms with min ≤ max. */
function delayRange(): Leaf<readonly [number, number]> {
  return (value, key) => {
    if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= 0 && v <= 30 * 86_400_000) || value[0] > value[1]) {
      throw new ConfigError(key, `must be [min, max] in ms with 0 ≤ min ≤ max, got ${JSON.stringify(value)}`);
    }
    return Object.freeze([value[0] as number, value[1] as number] as const);
  };
}

/** Final SMS statuses the simulator can produce (SPEC §2). */
export const SIMULATED_STATUSES = ['delivered', 'undelivered', 'expired', 'rejected', 'deleted', 'unknown', 'accepted'] as const;
/** One of SIMULATED_STATUSES. */
export type SimulatedStatus = (typeof SIMULATED_STATUSES)[number];
const simulatedStatus = oneOf(...SIMULATED_STATUSES);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Weights per final status, e.g. `{ "delivered": 90, "undelivered": 6 }`. */
function outcomes(): Leaf<Readonly<Partial<Record<SimulatedStatus, number>>>> {
  return (value, key) => {
    if (!isObject(value)) throw new ConfigError(key, `must be an object of status → weight, got ${JSON.stringify(value)}`);
    let total = 0;
    for (const [status, weight] of Object.entries(value)) {
      simulatedStatus(status, `${key}.${status}`);
      if (typeof weight !== 'number' || !(weight >= 0)) throw new ConfigError(`${key}.${status}`, `must be a weight ≥ 0, got ${JSON.stringify(weight)}`);
      total += weight;
    }
    if (total <= 0) throw new ConfigError(key, 'the weights must add up to more than 0');
    return Object.freeze({ ...value }) as Partial<Record<SimulatedStatus, number>>;
  };
}

/** A destination-prefix rule: every message to `prefix…` ends with `status`. */
export interface PrefixRule {
  readonly prefix: string;
  readonly status: SimulatedStatus;
}

function prefixRules(): Leaf<readonly PrefixRule[]> {
  return (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, `must be an array of { "prefix", "status" }, got ${JSON.stringify(value)}`);
    return Object.freeze(
      value.map((rule, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(rule) || typeof rule.prefix !== 'string' || !/^\+?[0-9]{1,20}$/.test(rule.prefix)) {
          throw new ConfigError(at, `must be { "prefix": "<digits>", "status": … }, got ${JSON.stringify(rule)}`);
        }
        return Object.freeze({ prefix: rule.prefix.replace(/^\+/, ''), status: simulatedStatus(rule.status, `${at}.status`) });
      }),
    );
  };
}

/** Submit errors a test number can force (SPEC §4). */
export const FORCED_SUBMIT_ERRORS = ['ESME_RTHROTTLED', 'ESME_RMSGQFUL', 'ESME_RSUBMITFAIL'] as const;

/** A reserved destination number with a fixed behaviour. Exactly one of the three effects. */
export interface TestNumber {
  readonly number: string;
  readonly submitError?: (typeof FORCED_SUBMIT_ERRORS)[number];
  /** ms before submit_sm_resp is written (the message is stored at once). */
  readonly responseDelayMs?: number;
  readonly status?: SimulatedStatus;
}

function testNumbers(): Leaf<readonly TestNumber[]> {
  const submitError = oneOf(...FORCED_SUBMIT_ERRORS);
  const delay = int(0, 600_000);
  return (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, `must be an array, got ${JSON.stringify(value)}`);
    return Object.freeze(
      value.map((entry, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(entry) || typeof entry.number !== 'string' || !/^\+?[0-9]{1,20}$/.test(entry.number)) {
          throw new ConfigError(`${at}.number`, `must be a phone number (digits), got ${JSON.stringify(isObject(entry) ? entry.number : entry)}`);
        }
        const effects = ['submitError', 'responseDelayMs', 'status'].filter((k) => entry[k] !== undefined);
        if (effects.length !== 1) throw new ConfigError(at, 'needs exactly one of "submitError", "responseDelayMs", "status"');
        const out: TestNumber = {
          number: entry.number.replace(/^\+/, ''),
          ...(entry.submitError !== undefined ? { submitError: submitError(entry.submitError, `${at}.submitError`) } : {}),
          ...(entry.responseDelayMs !== undefined ? { responseDelayMs: delay(entry.responseDelayMs, `${at}.responseDelayMs`) } : {}),
          ...(entry.status !== undefined ? { status: simulatedStatus(entry.status, `${at}.status`) } : {}),
        };
        return Object.freeze(out);
      }),
    );
  };
}

/** The SMTP relay receipts are mailed through (SPEC §10 `forwarding.smtp`). */
export interface SmtpRelay {
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly auth: { readonly user: string; readonly pass: string } | null;
  /** From: of receipt mails. */
  readonly from: string;
  /** Pooled connections. */
  readonly maxConnections: number;
  /** ms for connecting and for each reply */
  readonly timeoutMs: number;
}

function smtpRelay(): Leaf<SmtpRelay> {
  return (value, key) => {
    if (!isObject(value)) throw new ConfigError(key, `must be an object { host, port, secure, auth, from, maxConnections, timeoutMs }`);
    for (const k of Object.keys(value)) {
      if (!['host', 'port', 'secure', 'auth', 'from', 'maxConnections', 'timeoutMs'].includes(k)) throw new ConfigError(`${key}.${k}`, 'unknown setting');
    }
    const auth = value.auth;
    if (auth !== null && !(isObject(auth) && typeof auth.user === 'string' && typeof auth.pass === 'string')) {
      throw new ConfigError(`${key}.auth`, 'must be null or { "user": …, "pass": … }');
    }
    return Object.freeze({
      host: str()(value.host, `${key}.host`),
      port: int(1, 65535)(value.port, `${key}.port`),
      secure: bool()(value.secure, `${key}.secure`),
      auth: auth === null ? null : Object.freeze({ user: auth.user as string, pass: auth.pass as string }),
      from: str()(value.from, `${key}.from`),
      maxConnections: int(1, 100)(value.maxConnections, `${key}.maxConnections`),
      timeoutMs: int(100, 600_000)(value.timeoutMs, `${key}.timeoutMs`),
    });
  };
}

/** Where SQS targets send (SPEC §10 `forwarding.sqs`); `endpoint` points at a local SQS-compatible server. */
export interface SqsSettings {
  readonly region: string;
  readonly endpoint: string | null;
  /** null: the AWS SDK's default credential chain */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
  readonly timeoutMs: number;
}

function sqsSettings(): Leaf<SqsSettings> {
  return (value, key) => {
    if (!isObject(value)) throw new ConfigError(key, 'must be an object { region, endpoint, credentials, timeoutMs }');
    for (const k of Object.keys(value)) {
      if (!['region', 'endpoint', 'credentials', 'timeoutMs'].includes(k)) throw new ConfigError(`${key}.${k}`, 'unknown setting');
    }
    const c = value.credentials;
    if (c !== null && !(isObject(c) && typeof c.accessKeyId === 'string' && typeof c.secretAccessKey === 'string')) {
      throw new ConfigError(`${key}.credentials`, 'must be null or { "accessKeyId": …, "secretAccessKey": … }');
    }
    if (value.endpoint !== null && (typeof value.endpoint !== 'string' || !/^https?:\/\//.test(value.endpoint))) {
      throw new ConfigError(`${key}.endpoint`, `must be null or an http(s) URL, got ${JSON.stringify(value.endpoint)}`);
    }
    return Object.freeze({
      region: str()(value.region, `${key}.region`),
      endpoint: value.endpoint as string | null,
      credentials: c === null ? null : Object.freeze({ accessKeyId: c.accessKeyId as string, secretAccessKey: c.secretAccessKey as string }),
      timeoutMs: int(100, 600_000)(value.timeoutMs, `${key}.timeoutMs`),
    });
  };
}

function nullable<T>(leaf: Leaf<T>): Leaf<T | null> {
  return (value, key) => (value === null ? null : leaf(value, key));
}

/** A DNS domain such as `example.com` (letters, digits, hyphens, dots). */
function domainName(): Leaf<string> {
  return (value, key) => {
    if (typeof value !== 'string' || !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(value)) {
      throw new ConfigError(key, `must be a domain name such as "example.com", got ${JSON.stringify(value)}`);
    }
    return value.toLowerCase();
  };
}

/** PEM files for a TLS listener. */
export interface TlsFiles {
  readonly key: string;
  readonly cert: string;
}

function tlsFiles(): Leaf<TlsFiles | null> {
  return (value, key) => {
    if (value === null) return null;
    if (!isObject(value)) throw new ConfigError(key, 'must be null or { "key": "<PEM file>", "cert": "<PEM file>" }');
    for (const k of Object.keys(value)) if (k !== 'key' && k !== 'cert') throw new ConfigError(`${key}.${k}`, 'unknown setting');
    return Object.freeze({ key: str()(value.key, `${key}.key`), cert: str()(value.cert, `${key}.cert`) });
  };
}

/** A TLS listener of its own: PEM files and the port. */
export interface TlsListener extends TlsFiles {
  readonly port: number;
}

/** `null` or `{ "key", "cert", "port"? }`; without `port`, `defaultPort`. */
function tlsListener(defaultPort: number): Leaf<TlsListener | null> {
  return (value, key) => {
    if (value === null) return null;
    if (!isObject(value)) throw new ConfigError(key, 'must be null or { "key": "<PEM file>", "cert": "<PEM file>", "port": <port> }');
    for (const k of Object.keys(value)) if (k !== 'key' && k !== 'cert' && k !== 'port') throw new ConfigError(`${key}.${k}`, 'unknown setting');
    return Object.freeze({
      key: str()(value.key, `${key}.key`),
      cert: str()(value.cert, `${key}.cert`),
      port: value.port === undefined ? defaultPort : port(value.port, `${key}.port`),
    });
  };
}

/** Defaults of `security.bruteForce` keys left out (the same as in config/default.json). */
const BRUTE_FORCE_DEFAULTS: BruteForceSettings = Object.freeze({ maxFailuresPerAddress: 20, maxFailuresPerSystemId: 5, windowSec: 300, lockoutSec: 300, delayMs: 500 });

function bruteForce(): Leaf<BruteForceSettings> {
  const leaves: Record<keyof BruteForceSettings, Leaf<number>> = {
    maxFailuresPerAddress: int(0, 1_000_000),
    maxFailuresPerSystemId: int(0, 1_000_000),
    windowSec: int(1, 30 * 86_400),
    lockoutSec: int(1, 30 * 86_400),
    delayMs: int(0, 60_000),
  };
  return (value, key) => {
    if (!isObject(value)) throw new ConfigError(key, `must be an object { ${Object.keys(leaves).join(', ')} }`);
    for (const k of Object.keys(value)) if (!(k in leaves)) throw new ConfigError(`${key}.${k}`, 'unknown setting');
    const out = { ...BRUTE_FORCE_DEFAULTS };
    for (const [k, leaf] of Object.entries(leaves) as Array<[keyof BruteForceSettings, Leaf<number>]>) {
      if (value[k] !== undefined) out[k] = leaf(value[k], `${key}.${k}`);
    }
    return Object.freeze(out);
  };
}

/** Retry delays in seconds after each failed attempt. */
function retrySchedule(): Leaf<readonly number[]> {
  return (value, key) => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && v >= 0 && v <= 30 * 86_400)) {
      throw new ConfigError(key, `must be a non-empty array of delays in seconds, got ${JSON.stringify(value)}`);
    }
    return Object.freeze([...value] as number[]);
  };
}

function fraction(): Leaf<number> {
  return (value, key) => {
    if (typeof value !== 'number' || value < 0 || value > 1) throw new ConfigError(key, `must be a number from 0 to 1, got ${JSON.stringify(value)}`);
    return value;
  };
}

function seed(): Leaf<number | null> {
  return (value, key) => {
    if (value === null) return null;
    return int(0, 2 ** 32 - 1)(value, key);
  };
}

/** How an upstream writes its message ids (see src/delivery/relay/message-id.ts). */
export const MESSAGE_ID_FORMATS = ['as-is', 'hex', 'decimal'] as const;
/** One of MESSAGE_ID_FORMATS. */
export type MessageIdFormat = (typeof MESSAGE_ID_FORMATS)[number];

/** An upstream SMSC the relay binds to as an ESME (SPEC §4 relay, §10 `relay.upstreams`). */
export interface UpstreamConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  /** @defaultValue "" */
  readonly systemType: string;
  /** transceiver: `binds` transceivers; transmitter: `binds` transmitters plus `binds` receivers. @defaultValue "transceiver" */
  readonly bindType: 'transceiver' | 'transmitter';
  /** @defaultValue 1 */
  readonly binds: number;
  /** submit_sm per bind waiting for their response. @defaultValue 10 */
  readonly window: number;
  /** Messages per second over all binds, 0 = unlimited. @defaultValue 0 */
  readonly rate: number;
  /** @defaultValue false */
  readonly tls: boolean;
  /** Check the upstream's TLS certificate. @defaultValue true */
  readonly tlsRejectUnauthorized: boolean;
  /** s between enquire_link on an idle bind. @defaultValue 30 */
  readonly enquireLinkSec: number;
  /** s to wait for a response (bind, submit, enquire_link) before the bind is dropped. @defaultValue 10 */
  readonly responseTimeoutSec: number;
  /** ms before the first reconnect; doubles up to reconnectMaxMs. @defaultValue 1000 */
  readonly reconnectMinMs: number;
  /** @defaultValue 30000 */
  readonly reconnectMaxMs: number;
  /** ids in submit_sm_resp. @defaultValue "as-is" */
  readonly messageIdFormat: MessageIdFormat;
  /** ids after `id:` in receipt text. @defaultValue messageIdFormat */
  readonly receiptIdFormat: MessageIdFormat;
  /** ids in the receipted_message_id TLV. @defaultValue messageIdFormat */
  readonly receiptedIdFormat: MessageIdFormat;
  /** Attempts on temporary errors before the message ends UNDELIV. @defaultValue 10 */
  readonly maxAttempts: number;
  /** ms before the first retry after a temporary error; doubles up to retryMaxMs. @defaultValue 1000 */
  readonly retryMinMs: number;
  /** @defaultValue 60000 */
  readonly retryMaxMs: number;
  /** ms the relay holds back after ESME_RTHROTTLED / ESME_RMSGQFUL. @defaultValue 1000 */
  readonly throttleDelayMs: number;
  /** command_status names retried with backoff; any other error ends the message REJECTD. @defaultValue ["ESME_RSYSERR", "ESME_RX_T_APPN"] */
  readonly temporaryErrors: readonly string[];
}

function upstreams(): Leaf<readonly UpstreamConfig[]> {
  const KEYS = ['name', 'host', 'port', 'systemId', 'password', 'systemType', 'bindType', 'binds', 'window', 'rate', 'tls', 'tlsRejectUnauthorized', 'enquireLinkSec', 'responseTimeoutSec', 'reconnectMinMs', 'reconnectMaxMs', 'messageIdFormat', 'receiptIdFormat', 'receiptedIdFormat', 'maxAttempts', 'retryMinMs', 'retryMaxMs', 'throttleDelayMs', 'temporaryErrors'];
  const idFormat = oneOf(...MESSAGE_ID_FORMATS);
  return (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, `must be an array of upstreams, got ${JSON.stringify(value)}`);
    const names = new Set<string>();
    return Object.freeze(
      value.map((u, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(u)) throw new ConfigError(at, 'must be an object { "name", "host", "port", "systemId", "password", … }');
        for (const k of Object.keys(u)) if (!KEYS.includes(k)) throw new ConfigError(`${at}.${k}`, 'unknown setting');
        const get = <T>(k: string, leaf: Leaf<T>, fallback?: T): T => (u[k] === undefined && fallback !== undefined ? fallback : leaf(u[k], `${at}.${k}`));
        const name = get('name', str());
        if (names.has(name)) throw new ConfigError(`${at}.name`, `upstream ${JSON.stringify(name)} is defined twice`);
        names.add(name);
        const messageIdFormat = get('messageIdFormat', idFormat, 'as-is');
        const temporary = get<readonly string[]>('temporaryErrors', (v, k) => {
          if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && /^ESME_R[A-Z_]+$|^0x[0-9a-f]{1,8}$/i.test(x))) {
            throw new ConfigError(k, `must be an array of command_status names (ESME_R…) or hex values, got ${JSON.stringify(v)}`);
          }
          return Object.freeze([...v] as string[]);
        }, Object.freeze(['ESME_RSYSERR', 'ESME_RX_T_APPN']));
        const out: UpstreamConfig = {
          name,
          host: get('host', str()),
          port: get('port', int(1, 65535)),
          systemId: get('systemId', str()),
          password: get('password', str(false)),
          systemType: get('systemType', str(false), ''),
          bindType: get('bindType', oneOf('transceiver', 'transmitter'), 'transceiver'),
          binds: get('binds', int(1, 64), 1),
          window: get('window', int(1, 10_000), 10),
          rate: get('rate', int(0, 1_000_000), 0),
          tls: get('tls', bool(), false),
          tlsRejectUnauthorized: get('tlsRejectUnauthorized', bool(), true),
          enquireLinkSec: get('enquireLinkSec', int(1, 3600), 30),
          responseTimeoutSec: get('responseTimeoutSec', int(1, 3600), 10),
          reconnectMinMs: get('reconnectMinMs', int(10, 3_600_000), 1000),
          reconnectMaxMs: get('reconnectMaxMs', int(10, 3_600_000), 30_000),
          messageIdFormat,
          receiptIdFormat: get('receiptIdFormat', idFormat, messageIdFormat),
          receiptedIdFormat: get('receiptedIdFormat', idFormat, messageIdFormat),
          maxAttempts: get('maxAttempts', int(1, 1000), 10),
          retryMinMs: get('retryMinMs', int(10, 86_400_000), 1000),
          retryMaxMs: get('retryMaxMs', int(10, 86_400_000), 60_000),
          throttleDelayMs: get('throttleDelayMs', int(1, 3_600_000), 1000),
          temporaryErrors: temporary,
        };
        if (out.reconnectMinMs > out.reconnectMaxMs) throw new ConfigError(`${at}.reconnectMinMs`, 'must not be above reconnectMaxMs');
        if (out.retryMinMs > out.retryMaxMs) throw new ConfigError(`${at}.retryMinMs`, 'must not be above retryMaxMs');
        return Object.freeze(out);
      }),
    );
  };
}

/** A relay route (SPEC §10 `relay.routes`): messages of `account` and/or to `prefix…` go to `upstream`. */
export interface RelayRoute {
  /** systemId of the account; absent = any account. */
  readonly account?: string;
  /** Destination prefix (digits, without "+"); absent = any destination. */
  readonly prefix?: string;
  /** Upstream name, or "simulator" to keep matching messages in the simulator. */
  readonly upstream: string;
}

function relayRoutes(): Leaf<readonly RelayRoute[]> {
  return (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, `must be an array of { "account"?, "prefix"?, "upstream" }, got ${JSON.stringify(value)}`);
    return Object.freeze(
      value.map((r, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(r)) throw new ConfigError(at, 'must be an object { "account"?, "prefix"?, "upstream" }');
        for (const k of Object.keys(r)) if (!['account', 'prefix', 'upstream'].includes(k)) throw new ConfigError(`${at}.${k}`, 'unknown setting');
        if (r.prefix !== undefined && (typeof r.prefix !== 'string' || !/^\+?[0-9]{1,20}$/.test(r.prefix))) {
          throw new ConfigError(`${at}.prefix`, `must be a destination prefix (digits), got ${JSON.stringify(r.prefix)}`);
        }
        const route: RelayRoute = {
          upstream: str()(r.upstream, `${at}.upstream`),
          ...(r.account !== undefined ? { account: str()(r.account, `${at}.account`) } : {}),
          ...(r.prefix !== undefined ? { prefix: (r.prefix as string).replace(/^\+/, '') } : {}),
        };
        return Object.freeze(route);
      }),
    );
  };
}

/** Every setting, by section. Adding a setting: add it here and in config/default.json. */
export const schema = {
  store: {
    /** SQLite database file. */
    path: str(),
    /** SQLite `synchronous`: FULL survives power loss, NORMAL only a process crash. */
    synchronous: oneOf('OFF', 'NORMAL', 'FULL', 'EXTRA'),
    /** Under FULL/EXTRA, where group commits are flushed: `async` off the event loop (answers wait for it), `inline` inside COMMIT. */
    commitFlush: oneOf('inline', 'async'),
    /** WAL checkpoints: `background` on a worker thread with its own connection, `inline` inside the commit that fills the WAL (SQLite's default). */
    checkpoint: oneOf('inline', 'background'),
    /** Most rows in one group commit. */
    commitMaxRows: int(1, 100_000),
  },
  smpp: {
    host: str(),
    port,
    /** system_id the SMSC names itself with in bind responses. */
    systemId: str(),
    /** Submits a session may have waiting for their response before reading pauses. */
    window: int(1, 100_000),
    /** s a connection may stay unbound. */
    bindTimeoutSec: int(1, 86_400),
    /** s without any traffic before a session is closed (clients keep it alive with enquire_link). */
    idleTimeoutSec: int(1, 86_400),
    /** s to wait for the client's response to a request we sent (unbind, deliver_sm). */
    responseTimeoutSec: int(1, 3_600),
    /** Largest command_length accepted; longer PDUs get generic_nack and a close. */
    maxPduBytes: int(64, 16_777_216),
    /** How data_coding 0 (SMSC default alphabet) is read. */
    defaultAlphabet: oneOf('gsm', 'ascii', 'latin1'),
    /** ms shutdown waits for clients to answer unbind. */
    shutdownGraceMs: int(0, 60_000),
    /** SMPP over TLS on a port of its own, in addition to the plain one: `{ "key", "cert", "port" }` (PEM files; port 3550 when left out), or null for none. */
    tls: tlsListener(3550),
  },
  email: {
    host: str(),
    port,
    /** Mail to `<msisdn>@sms.<domain>` sends an SMS, to `<msisdn>@whatsapp.<domain>` a WhatsApp message. */
    domain: domainName(),
    /** Only mail from a session authenticated (SMTP AUTH) as the account the sender address belongs to. */
    requireAuth: bool(),
    /** Allow AUTH on a connection without TLS (loopback, tests); otherwise AUTH needs STARTTLS first. */
    allowInsecureAuth: bool(),
    /** STARTTLS: `{ "key": file, "cert": file }` (PEM), or null for none. */
    tls: tlsFiles(),
    /** Largest mail accepted, in bytes (advertised with SIZE; larger mail is refused with 552). */
    maxMessageBytes: int(1024, 100 * 1024 * 1024),
    /** Most recipients of one mail (each becomes one message). */
    maxRecipients: int(1, 10_000),
    /** Name in the greeting and EHLO answer; null = the machine's host name. */
    hostname: nullable(str()),
  },
  log: { level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
  demo: {
    /** Create a demo account with a random password on first start. */
    enabled: bool(),
    systemId: str(),
  },
  simulator: {
    /** ms from acceptance (or the scheduled time) to the final status, drawn uniformly. */
    delayMs: delayRange(),
    /** Weights of the final statuses. */
    outcomes: outcomes(),
    /** Send an ENROUTE intermediate status halfway through the delay. */
    enroute: bool(),
    /** Destination prefixes with a fixed final status; the longest matching prefix wins. */
    rules: prefixRules(),
    /** Seed for reproducible outcomes and delays; null = random. */
    seed: seed(),
    /** Reserved destination numbers that force a submit error, a late response or a status. */
    testNumbers: testNumbers(),
  },
  receipts: {
    /** Hours an owed SMPP receipt is kept for a client that is not bound. */
    expiryHours: int(1, 24 * 365),
    /** deliver_sm per session sent and not yet answered. */
    window: int(1, 10_000),
    /** s before a receipt the client refused with a temporary error is sent again. */
    retryDelaySec: int(1, 86_400),
  },
  whatsapp: {
    /** ms between the steps accepted → sent → delivered → read, drawn uniformly per step. */
    delayMs: delayRange(),
    /** Share of messages that fail (after sent) instead of being delivered. */
    failureRate: fraction(),
  },
  http: {
    host: str(),
    port,
    /** Largest request body in bytes. */
    bodyLimit: int(1024, 10 * 1024 * 1024),
    /** HTTPS: `{ "key": file, "cert": file }` (PEM); the port then serves HTTPS only. null = plain HTTP. */
    tls: tlsFiles(),
  },
  forwarding: {
    /** Allow targets whose address is private, loopback or link-local (tests, private networks). */
    allowPrivateTargets: bool(),
    /** s to wait after the 1st, 2nd, … attempt fails; the first entry is the first attempt's delay (0 = at once). */
    retrySchedule: retrySchedule(),
    /** ± share of each retry delay drawn at random, so retries of many events spread out. */
    retryJitter: fraction(),
    /** ms an HTTP target may take to answer. */
    httpTimeoutMs: int(100, 600_000),
    /** Deliveries in progress per target at once. */
    concurrency: int(1, 1000),
    /** s a claimed delivery is leased to this process; an expired lease (a crash) is claimed again. */
    leaseSec: int(5, 86_400),
    smtp: smtpRelay(),
    sqs: sqsSettings(),
  },
  relay: {
    /** Upstream SMSCs; none = relay off. */
    upstreams: upstreams(),
    /** First match wins; no match → simulator. Each `upstream` must name one of relay.upstreams (or be "simulator"). */
    routes: relayRoutes(),
    /** s a receipt whose upstream id is not (yet) known is held, waiting for its submit_sm_resp, before it is counted unmatched. */
    receiptWaitSec: int(1, 86_400),
    /** Hours a relayed message without a validity period may wait for its upstream before it ends EXPIRED. */
    maxQueueHours: int(1, 24 * 365),
  },
  security: {
    /** Failed logins (SMPP bind, API Basic/Bearer, SMTP AUTH) per address and per systemId before a lockout; see BruteForceSettings. */
    bruteForce: bruteForce(),
  },
  console: {
    /** Serve the web console under /console/ on the HTTP port. */
    enabled: bool(),
    /** User name of the console operator (sees every account, owns the global switch). */
    operatorUser: str(),
    /** The operator's password, plain or as an `scrypt$…` hash; null = generated on first start, printed once, stored hashed. */
    operatorPassword: nullable(str()),
    /** Hours a console sign-in lasts. */
    sessionHours: int(1, 24 * 30),
    /** ms between the Sent view's status checks (live updates without a reload). */
    pollMs: int(200, 60_000),
  },
  cli: {
    /** ms between checks for changes made by the CLI (accounts, settings) while serving. */
    reloadIntervalMs: int(50, 60_000),
  },
} as const;

type Sections = typeof schema;
/** The validated, frozen configuration. */
export type Config = {
  readonly [S in keyof Sections]: { readonly [K in keyof Sections[S]]: Sections[S][K] extends Leaf<infer T> ? T : never };
};
