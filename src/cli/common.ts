/** What every command shares: `--db`, `--config`, loading the config and opening the store. */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Store } from '../store/store.js';

/** Options every command takes. */
export interface CommonOptions {
  db?: string;
  config?: string;
  json?: boolean;
}

/** Adds `--db` and `--config` to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--db <file>', 'SQLite database file (default: store.path of the config, ./data/smscd.db)')
    .option('--config <file>', 'JSON configuration merged over config/default.json');
}

/** Loads the configuration with `--db` applied last. */
export function configFrom(options: CommonOptions, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ file: options.config, overrides: { 'store.path': options.db, ...overrides } });
}

/** Opens the store for a one-shot command, runs `fn`, closes it. */
export function withStore<T>(options: CommonOptions, fn: (store: Store, config: Config) => T): T {
  const config = configFrom(options);
  const store = Store.open({ path: config.store.path, synchronous: config.store.synchronous });
  try {
    return fn(store, config);
  } finally {
    store.close();
  }
}

/** commander argument parser for a non-negative integer option. */
export function integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

/** Parses an id given as an argument inside an action (a UsageError, exit 2, when it is not one). */
export function parseId(name: string, value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new UsageError(`${name} must be a whole number, not "${value}".`);
  return Number(value);
}

/** commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Prints a value as JSON or as aligned "key: value" lines. */
export function print(value: object, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  const entries = Object.entries(value);
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [key, v] of entries) {
    console.log(`${key.padEnd(width)}  ${Array.isArray(v) ? v.join(', ') || '-' : v === null ? '-' : String(v)}`);
  }
}

/** Prints rows as a table with a header. */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cell = (v: unknown): string => (Array.isArray(v) ? v.join(',') || '-' : v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(columns.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  for (const row of rows) console.log(columns.map((c, i) => cell(row[c]).padEnd(widths[i]!)).join('  '));
}
