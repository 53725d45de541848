/**
 * The console operator (SPEC: sees every account, owns the global switch). Credentials come from
 * `console.operatorUser` / `console.operatorPassword`; with no password configured one is made on
 * the first start, printed once like the demo account's, and only its scrypt hash is kept (in
 * `settings`).
 */
import type { Config } from '../config/schema.js';
import { generatePassword, hashPassword, verifyPassword } from '../store/secrets.js';
import type { Store } from '../store/store.js';

const HASH_KEY = 'console.operator.hash';

/** Who may sign in as the operator. */
export interface OperatorCredentials {
  user: string;
  /** scrypt hash of the password */
  passwordHash: string;
}

/** The operator's credentials, and the generated password when this start made one (shown once). */
export function operatorCredentials(store: Store, config: Config['console']): { credentials: OperatorCredentials; generated: string | null } {
  const user = config.operatorUser;
  if (config.operatorPassword !== null) {
    const passwordHash = config.operatorPassword.startsWith('scrypt$') ? config.operatorPassword : hashPassword(config.operatorPassword);
    return { credentials: { user, passwordHash }, generated: null };
  }
  const stored = store.settings.get(HASH_KEY);
  if (stored) return { credentials: { user, passwordHash: stored }, generated: null };
  const password = generatePassword(12);
  const passwordHash = hashPassword(password);
  store.settings.set(HASH_KEY, passwordHash);
  return { credentials: { user, passwordHash }, generated: password };
}

/** Whether `user`/`password` are the operator's. */
export async function isOperator(credentials: OperatorCredentials, user: string, password: string): Promise<boolean> {
  return user === credentials.user && (await verifyPassword(password, credentials.passwordHash));
}
