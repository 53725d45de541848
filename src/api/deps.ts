/** What the HTTP API's routes are given. */
import type { Config } from '../config/schema.js';
import type { Simulator } from '../delivery/simulator.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Intake } from '../smpp/context.js';
import type { Account } from '../store/accounts.js';
import type { Store } from '../store/store.js';
import type { WhatsAppLifecycle } from '../whatsapp/lifecycle.js';
import type { ApiAuth } from './auth.js';

/** The API's collaborators. */
export interface ApiDeps {
  config: Config;
  store: Store;
  intake: Intake;
  simulator: Simulator;
  whatsapp: WhatsAppLifecycle;
  auth: ApiAuth;
  metrics: Metrics;
  /** Takes messages from the account's rate (shared with SMPP); false = over it. */
  takeTokens(account: Account, count: number): boolean;
  /** Whether the listeners and the database are up (for /healthz). */
  health(): { ok: boolean; checks: Record<string, boolean | number> };
  log: Logger;
}
