// Starts a real `smscd serve` (bin/smscd → dist) as a child process for a benchmark: a fresh
// database in a temporary directory, one account, any free SMPP port, optionally a --config file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './child.js';

/** Repository root: this file runs as dist/bench/lib/smscd.js. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface SmscdOptions {
  systemId: string;
  password: string;
  /** Written to a temporary JSON file and passed with --config. */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export interface SmscdProcess {
  port: number;
  /** The HTTP API's port (/metrics, /healthz). */
  httpPort: number;
  pid: number;
  /** The SQLite database file (read it read-only while the server runs). */
  db: string;
  child: Child;
  /** SIGTERM (graceful), then removes the temporary directory. */
  stop(): Promise<void>;
}

export async function startSmscd(options: SmscdOptions): Promise<SmscdProcess> {
  // A fresh database per run, so every run starts from the same (empty) store.
  const dir = mkdtempSync(join(os.tmpdir(), 'smscd-bench-'));
  const db = join(dir, 'smscd.db');
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const bin = join(ROOT, 'bin/smscd');
  const configArgs: string[] = [];
  if (options.config) {
    const file = join(dir, 'config.json');
    writeFileSync(file, `${JSON.stringify(options.config, null, 2)}\n`);
    configArgs.push('--config', file);
  }
  try {
    execFileSync(process.execPath, [bin, 'account', 'add', options.systemId, '--password', options.password, '--db', db, ...configArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    removeDir();
    throw new Error(`smscd account add failed: ${err instanceof Error ? err.message.trim() : String(err)}`);
  }
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, bin, 'serve', '--db', db, '--smpp-port', '0', '--http-port', '0', '--smtp-port', '0', ...configArgs];
  const child = startChild('smscd', process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, SMSCD_LOG_LEVEL: 'info', ...options.env },
  });
  try {
    const line = await child.waitForLine((l) => portFromListeningLine(l) !== undefined, READY_TIMEOUT_MS);
    return {
      port: portFromListeningLine(line)!,
      httpPort: portFromListeningLine(line, 'http')!,
      pid: child.process.pid!,
      db,
      child,
      async stop() {
        await child.stop();
        removeDir();
      },
    };
  } catch (err) {
    await child.stop();
    removeDir();
    throw err;
  }
}

/** smscd logs pino JSON; the line with msg "listening" carries the SMPP port under `smpp`, the HTTP port under `http`. */
function portFromListeningLine(line: string, key: 'smpp' | 'http' = 'smpp'): number | undefined {
  try {
    const record = JSON.parse(line) as Record<string, unknown> | null;
    const value = record?.[key];
    return record?.['msg'] === 'listening' && typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
