/** Starts a whole smscd through `run()` on port 0 with a temporary database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { run, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { hashPassword } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/accounts.js';

/** A running test server and the files it owns. */
export interface TestApp {
  app: App;
  config: Config;
  dir: string;
  dbPath: string;
  port: number;
  /** Lines logged (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  addAccount(systemId: string, password: string, extra?: Partial<Pick<Account, 'maxBinds' | 'rate' | 'allowedIps' | 'email'>>): Account;
  /** Stops the server (idempotent); `keepFiles` leaves the database for a restart. */
  stop(keepFiles?: boolean): Promise<void>;
}

/** Test configuration: port 0, temporary database, no demo account, quick timeouts. */
export function testConfig(dir: string, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      'store.path': join(dir, 'smscd.db'),
      'smpp.host': '127.0.0.1',
      'smpp.port': 0,
      'http.host': '127.0.0.1',
      'http.port': 0,
      'email.host': '127.0.0.1',
      'email.port': 0,
      'demo.enabled': false,
      'smpp.shutdownGraceMs': 500,
      'cli.reloadIntervalMs': 100,
      'simulator.delayMs': [10, 50],
      'simulator.seed': 1,
      ...overrides,
    },
  });
}

/** Starts smscd. Pass `dir` to reuse a database (restart tests). */
export async function startApp(overrides: Record<string, unknown> = {}, dir?: string): Promise<TestApp> {
  const ownDir = dir ?? mkdtempSync(join(tmpdir(), 'smscd-test-'));
  const config = testConfig(ownDir, overrides);
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const app = await run(config, { log });
  let stopped = false;
  return {
    app,
    config,
    dir: ownDir,
    dbPath: config.store.path,
    port: app.ports.smpp,
    logs,
    addAccount(systemId, password, extra = {}) {
      return app.store.accounts.add({
        systemId,
        passwordHash: hashPassword(password),
        maxBinds: extra.maxBinds ?? 10,
        rate: extra.rate ?? 0,
        allowedIps: extra.allowedIps ?? [],
        email: extra.email ?? null,
        apiTokenHash: null,
      });
    },
    async stop(keepFiles = false) {
      if (!stopped) {
        stopped = true;
        await app.close();
      }
      if (!keepFiles) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
