/** Reading the PEM files a TLS setting names, at start-up. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** The text of the PEM file at `path`; a file that cannot be read is a ConfigError naming `key`. */
export function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as Error).message}`);
  }
}
