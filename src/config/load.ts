/**
 * Configuration flows one way: defaults file → `--config` file → `SMSCD_*` environment →
 * command-line flags, validated once into a frozen typed Config. Only this module reads
 * `process.env`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { schema, type Config, type Leaf } from './schema.js';

/** config/default.json of the installed package (dist/src/config → project root). */
export const defaultConfigFile = fileURLToPath(new URL('../../../config/default.json', import.meta.url));

type Tree = Record<string, unknown>;

/** What `loadConfig` merges, in order; each later source wins. */
export interface ConfigSources {
  /** Path of a JSON file merged over the defaults (`--config`). */
  file?: string;
  /** Environment to read `SMSCD_<SECTION>_<KEY>` from. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Dotted keys set last, e.g. `{ 'smpp.port': 0 }` from `--smpp-port 0`. */
  overrides?: Record<string, unknown>;
}

/** Loads, merges and validates the configuration; throws ConfigError naming the bad key. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const merged = readJson(defaultConfigFile, 'defaults');
  if (sources.file) mergeSections(merged, readJson(sources.file, sources.file));
  for (const [key, value] of envOverrides(sources.env ?? process.env)) setPath(merged, key, value);
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) setPath(merged, key, value);
  }
  return validate(merged);
}

function readJson(file: string, label: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(label, `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isTree(parsed)) throw new Error('the top level must be an object');
    return parsed;
  } catch (err) {
    throw new ConfigError(label, `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges a file over the defaults setting by setting: a section's keys merge, but each setting's
 * value replaces the default whole — `simulator.outcomes: { "delivered": 1 }` means only
 * delivered, not delivered added to the default mix. Unknown sections/keys are caught by validate.
 */
function mergeSections(target: Tree, source: Tree): void {
  for (const [section, values] of Object.entries(source)) {
    const existing = target[section];
    if (isTree(existing) && isTree(values)) Object.assign(existing, values);
    else target[section] = values;
  }
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isTree(next)) throw new ConfigError(dotted, 'unknown setting');
    node = next;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Every leaf key of the schema, dotted. */
function leafKeys(): string[] {
  const keys: string[] = [];
  for (const [section, leaves] of Object.entries(schema)) {
    for (const key of Object.keys(leaves)) keys.push(`${section}.${key}`);
  }
  return keys;
}

const squash = (s: string): string => s.replace(/[._]/g, '').toLowerCase();

/** A value from the environment: text until the setting's parser says what it must be. */
class EnvValue {
  constructor(
    readonly name: string,
    readonly raw: string,
  ) {}
}

/**
 * `SMSCD_SMPP_PORT=0` → `smpp.port = 0`; `SMSCD_SMPP_IDLE_TIMEOUT_SEC` and
 * `SMSCD_SMPP_IDLETIMEOUTSEC` both name `smpp.idleTimeoutSec`.
 */
function envOverrides(env: NodeJS.ProcessEnv): Array<[string, unknown]> {
  const byName = new Map(leafKeys().map((key) => [squash(key), key]));
  const out: Array<[string, unknown]> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SMSCD_') || raw === undefined) continue;
    const key = byName.get(squash(name.slice('SMSCD_'.length)));
    if (!key) throw new ConfigError(name, 'unknown setting (environment variable)');
    out.push([key, new EnvValue(name, raw)]);
  }
  return out;
}

/**
 * Text first (so `SMSCD_SMPP_SYSTEM_ID=12345` stays a string); when the setting wants something
 * else, the text is read as JSON (numbers, booleans, arrays, objects).
 */
function parseLeaf(leaf: Leaf<unknown>, value: unknown, key: string): unknown {
  if (!(value instanceof EnvValue)) return leaf(value, key);
  try {
    return leaf(value.raw, key);
  } catch (asText) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.raw);
    } catch {
      throw asText;
    }
    try {
      return leaf(parsed, key);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(key, `${err.detail} (from ${value.name})`);
      throw err;
    }
  }
}

function validate(tree: Tree): Config {
  const out: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(tree)) {
    if (!(section in schema)) throw new ConfigError(section, 'unknown section');
  }
  for (const [section, leaves] of Object.entries(schema) as Array<[string, Record<string, Leaf<unknown>>]>) {
    const values = tree[section];
    if (!isTree(values)) throw new ConfigError(section, 'must be an object');
    for (const key of Object.keys(values)) {
      if (!(key in leaves)) throw new ConfigError(`${section}.${key}`, 'unknown setting');
    }
    const parsed: Record<string, unknown> = {};
    for (const [key, leaf] of Object.entries(leaves)) {
      parsed[key] = parseLeaf(leaf, values[key], `${section}.${key}`);
    }
    out[section] = Object.freeze(parsed);
  }
  return Object.freeze(out) as unknown as Config;
}
