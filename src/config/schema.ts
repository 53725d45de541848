/**
 * The shape of the configuration: one parser per setting, so that a bad value is refused with
 * the dotted name of its key. `config/default.json` holds the values; this file holds the rules.
 */
import { ConfigError } from '../errors.js';

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

/** Every setting, by section. Adding a setting: add it here and in config/default.json. */
export const schema = {
  store: {
    /** SQLite database file. */
    path: str(),
    /** SQLite `synchronous`: FULL survives power loss, NORMAL only a process crash. */
    synchronous: oneOf('OFF', 'NORMAL', 'FULL', 'EXTRA'),
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
  },
  http: { host: str(), port },
  smtp: { host: str(), port },
  log: { level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
  demo: {
    /** Create a demo account with a random password on first start. */
    enabled: bool(),
    systemId: str(),
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
