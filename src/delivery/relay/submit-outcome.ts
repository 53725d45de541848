/**
 * What a submit_sm_resp command_status means for a relayed message: sent, slow down and try
 * again, retry later with backoff, or give up.
 */
import { Status } from '../../smpp/command-status.js';

/** How the relay treats an upstream's answer to submit_sm. */
export type SubmitClass = 'ok' | 'throttled' | 'temporary' | 'permanent';

/**
 * `temporaryErrors` holds the names (ESME_R…) or hex values ("0x…") of the statuses to retry
 * with backoff; ESME_RTHROTTLED and ESME_RMSGQFUL always mean "slow down and retry".
 */
export function classifySubmitStatus(status: number, temporaryErrors: readonly string[]): SubmitClass {
  if (status === Status.ESME_ROK) return 'ok';
  if (status === Status.ESME_RTHROTTLED || status === Status.ESME_RMSGQFUL) return 'throttled';
  for (const t of temporaryErrors) {
    const code = t.toLowerCase().startsWith('0x') ? Number.parseInt(t, 16) : (Status as Record<string, number>)[t];
    if (code === status) return 'temporary';
  }
  return 'permanent';
}
