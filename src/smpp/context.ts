/** What SMPP command handlers are given: the server's collaborators, never globals. */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { NewMessage } from '../store/messages.js';
import type { Store } from '../store/store.js';
import type { BindRegistry } from './bind-registry.js';

/** Shared by every session of one SMPP server. */
export interface SmppContext {
  config: Config['smpp'];
  store: Store;
  /** Stores submitted messages in group commits; the callback gets the message id. */
  ingest: GroupCommitter<NewMessage, string>;
  binds: BindRegistry;
  log: Logger;
}
