/** What SMPP command handlers are given: the server's collaborators, never globals. */
import type { Config } from '../config/schema.js';
import type { StatusRecorder } from '../delivery/record-status.js';
import type { Simulator } from '../delivery/simulator.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LoginGuard } from '../security/login-guard.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { NewMessage } from '../store/messages.js';
import type { PlannedDelivery } from '../store/simulated-deliveries.js';
import type { Store } from '../store/store.js';
import type { BindRegistry } from './bind-registry.js';
import type { ReceiptPusher } from './receipt-pusher.js';
import type { SmppSession } from './session.js';

/** A message to store together with its delivery plan. */
export interface Submission {
  message: NewMessage;
  plan: PlannedDelivery;
}

/** Stores submissions in group commits; the callback gets the message id after the commit. */
export type Intake = GroupCommitter<Submission, string>;

/** Shared by every session of one SMPP server. */
export interface SmppContext {
  config: Config['smpp'];
  store: Store;
  intake: Intake;
  simulator: Simulator;
  recorder: StatusRecorder;
  binds: BindRegistry<SmppSession>;
  receipts: ReceiptPusher;
  metrics: Metrics;
  /** Brute-force protection of binds. */
  guard: LoginGuard;
  log: Logger;
}
