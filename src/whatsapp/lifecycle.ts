/**
 * The simulated WhatsApp lifecycle (SPEC §4): accepted → sent → delivered → read, or a failure
 * after sent, each step `whatsapp.delayMs` after the one before. The plan is stored with the
 * message (the sim_* columns of its row) and played by the same scheduler as SMS deliveries, so a restart
 * resumes it.
 */
import type { Config } from '../config/schema.js';
import { seededRandom } from '../delivery/random.js';
import type { PlannedDelivery } from '../store/simulated-deliveries.js';

/** WhatsApp's error for a message it could not deliver (Cloud API code 131026). */
export const WHATSAPP_UNDELIVERABLE = 131026;

/** Plans WhatsApp lifecycles. */
export class WhatsAppLifecycle {
  private readonly random: () => number;

  constructor(
    private readonly config: Config['whatsapp'],
    seed: number | null,
  ) {
    this.random = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** The plan for a message accepted at `now`. */
  plan(now: number): PlannedDelivery {
    const sent = now + this.delay();
    const delivered = sent + this.delay();
    if (this.random() < this.config.failureRate) {
      return { nextStatus: 'sent', dueAt: sent, finalStatus: 'failed', finalDueAt: delivered, errorCode: WHATSAPP_UNDELIVERABLE };
    }
    const read = delivered + this.delay();
    return { nextStatus: 'sent', dueAt: sent, remaining: [['delivered', delivered]], finalStatus: 'read', finalDueAt: read, errorCode: 0 };
  }

  private delay(): number {
    const [min, max] = this.config.delayMs;
    return min + Math.floor(this.random() * (max - min + 1));
  }
}
