/** Relay route matching (SPEC §10 `relay.routes`): first match wins; no match → the simulator. */
import type { RelayRoute } from '../../config/schema.js';

/** Route value that keeps matching messages in the simulator. */
export const SIMULATOR = 'simulator';

/**
 * The upstream name for a message of account `systemId` to `destAddr`, or null for the
 * simulator. A route matches when each of its given conditions holds (account equal, destination
 * starting with prefix; a leading "+" of the destination is ignored).
 */
export function pickRoute(routes: readonly RelayRoute[], systemId: string, destAddr: string): string | null {
  const number = destAddr.replace(/^\+/, '');
  for (const r of routes) {
    if (r.account !== undefined && r.account !== systemId) continue;
    if (r.prefix !== undefined && !number.startsWith(r.prefix)) continue;
    return r.upstream === SIMULATOR ? null : r.upstream;
  }
  return null;
}
