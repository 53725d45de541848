// Starts a real `smscd serve` (bin/smscd → dist) as a child process for the HTTP API benchmark:
// a fresh database in a temporary directory, one account created with the CLI (its API token read
// from `account add --json`), a --config file. Unlike bench/lib/smscd.ts this does not wait for
// the "listening" log line, because the API benchmark runs smscd with log.level warn (the line is
// logged at info): it picks free ports itself and polls GET /healthz until the server answers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, type Child } from './child.js';
import { ROOT } from './smscd.js';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

export interface SmscdApiOptions {
  systemId: string;
  password: string;
  /** Extra `account add` arguments (e.g. ['--rate', '0']). */
  accountArgs?: string[];
  /** Written to a temporary JSON file and passed with --config (to `account add` and `serve`). */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export interface SmscdApiProcess {
  httpPort: number;
  smppPort: number;
  pid: number;
  /** The SQLite database file (read it read-only while the server runs). */
  db: string;
  /** The account as `account add --json` printed it (apiToken included, shown only once). */
  account: { systemId: string; rate: number; apiToken: string } & Record<string, unknown>;
  child: Child;
  /** SIGTERM (graceful), then removes the temporary directory. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startSmscdApi(options: SmscdApiOptions): Promise<SmscdApiProcess> {
  const dir = mkdtempSync(join(os.tmpdir(), 'smscd-bench-api-'));
  const db = join(dir, 'smscd.db');
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const bin = join(ROOT, 'bin/smscd');
  const configArgs: string[] = [];
  if (options.config) {
    const file = join(dir, 'config.json');
    writeFileSync(file, `${JSON.stringify(options.config, null, 2)}\n`);
    configArgs.push('--config', file);
  }
  let account: SmscdApiProcess['account'];
  try {
    const out = execFileSync(
      process.execPath,
      [bin, 'account', 'add', options.systemId, '--password', options.password, ...(options.accountArgs ?? []), '--json', '--db', db, ...configArgs],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
    account = JSON.parse(out) as SmscdApiProcess['account'];
    if (typeof account.apiToken !== 'string' || account.apiToken === '') throw new Error(`no apiToken in the output of account add --json: ${out}`);
  } catch (err) {
    removeDir();
    throw new Error(`smscd account add failed: ${err instanceof Error ? err.message.trim() : String(err)}`);
  }

  const smppPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === smppPort) httpPort = await freePort();
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, bin, 'serve', '--db', db, '--smpp-port', String(smppPort), '--http-port', String(httpPort), '--smtp-port', '0', ...configArgs];
  const child = startChild('smscd', process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env } });
  const stop = async (): Promise<void> => {
    await child.stop();
    removeDir();
  };
  try {
    await waitForHealthz(child, httpPort);
  } catch (err) {
    await stop();
    throw err;
  }
  return { httpPort, smppPort, pid: child.process.pid!, db, account, child, stop };
}

/** Polls GET /healthz until it answers 200; fails when the child exits or the time is up. */
async function waitForHealthz(child: Child, port: number): Promise<void> {
  let exited: Error | null = null;
  const proc = child.process;
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    exited = new Error(`smscd exited (code ${code}, signal ${signal}) before it answered /healthz`);
  };
  if (proc.exitCode !== null || proc.signalCode !== null) onExit(proc.exitCode, proc.signalCode);
  proc.once('exit', onExit);
  try {
    await poll(port, () => exited);
  } finally {
    proc.off('exit', onExit);
  }
}

async function poll(port: number, exited: () => Error | null): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (performance.now() < deadline) {
    const gone = exited();
    if (gone) throw gone;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`smscd did not answer /healthz on port ${port} within ${READY_TIMEOUT_MS} ms (${last})`);
}
