/** What the web console's routes are given. */
import type { Config } from '../config/schema.js';
import type { Simulator } from '../delivery/simulator.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LoginGuard } from '../security/login-guard.js';
import type { Intake } from '../smpp/context.js';
import type { Account } from '../store/accounts.js';
import type { Store } from '../store/store.js';
import type { WhatsAppLifecycle } from '../whatsapp/lifecycle.js';
import type { OperatorCredentials } from './operator.js';

/** The console's collaborators. */
export interface ConsoleDeps {
  config: Config;
  store: Store;
  intake: Intake;
  simulator: Simulator;
  whatsapp: WhatsAppLifecycle;
  metrics: Metrics;
  guard: LoginGuard;
  operator: OperatorCredentials;
  /** Takes messages from the account's rate (shared with SMPP and the API); false = over it. */
  takeTokens(account: Account, count: number): boolean;
  /** The global forwarding switch as the running server has it. */
  forwardingOn(): boolean;
  /** The console changed rules, targets, accounts or the switch: the running server re-reads them. */
  changed(): void;
  log: Logger;
}
