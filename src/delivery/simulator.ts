/**
 * The delivery simulator's decisions (SPEC §4): for each accepted message, what happens and when.
 * Pure given its random source: the caller stores the plan (the sim_* columns of its message) and a scheduler
 * turns it into status events when it is due.
 */
import type { Config, PrefixRule, SimulatedStatus, TestNumber } from '../config/schema.js';
import type { PlannedDelivery } from '../store/simulated-deliveries.js';
import { seededRandom } from './random.js';
import { SIMULATED_ERROR_CODES } from './status.js';

/** What the simulator decides at submit time. */
export type SubmitDecision =
  | { kind: 'refuse'; submitError: NonNullable<TestNumber['submitError']> }
  | { kind: 'accept'; responseDelayMs: number; plan: PlannedDelivery };

/** The message facts the simulator looks at. */
export interface SimulatedMessage {
  destAddr: string;
  /** ms since epoch, or null to deliver at once */
  scheduleAt: number | null;
  /** ms since epoch, or null for no validity limit */
  expiresAt: number | null;
}

/** Decides outcomes and delays. */
export class Simulator {
  private readonly random: () => number;
  private readonly outcomes: Array<[SimulatedStatus, number]>;
  private readonly totalWeight: number;
  private readonly testNumbers: Map<string, TestNumber>;
  /** Longest prefix first, so the most specific rule wins. */
  private readonly rules: PrefixRule[];

  constructor(private readonly config: Config['simulator']) {
    this.random = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.outcomes = Object.entries(config.outcomes).filter(([, w]) => w > 0) as Array<[SimulatedStatus, number]>;
    this.totalWeight = this.outcomes.reduce((sum, [, w]) => sum + w, 0);
    this.testNumbers = new Map(config.testNumbers.map((t) => [t.number, t]));
    this.rules = [...config.rules].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Decides what happens to a message accepted at `now`. */
  decide(message: SimulatedMessage, now: number): SubmitDecision {
    const number = message.destAddr.replace(/^\+/, '');
    const test = this.testNumbers.get(number);
    if (test?.submitError) return { kind: 'refuse', submitError: test.submitError };
    // Draw in a fixed order (outcome, then delay) so a seed reproduces the whole run.
    const drawn = this.drawOutcome();
    const delay = this.drawDelay();
    const status = test?.status ?? this.rules.find((r) => number.startsWith(r.prefix))?.status ?? drawn;
    const responseDelayMs = test?.responseDelayMs ?? 0;
    // Never finish before the client has its submit_sm_resp.
    const start = Math.max(message.scheduleAt ?? now, now + responseDelayMs);
    let finalDueAt = start + delay;
    let finalStatus: string = status;
    if (message.expiresAt !== null && finalDueAt > message.expiresAt) {
      // The validity period ends first: the message expires then.
      finalStatus = 'expired';
      finalDueAt = Math.max(message.expiresAt, start);
    }
    const enroute = this.config.enroute && finalDueAt > now;
    return {
      kind: 'accept',
      responseDelayMs,
      plan: {
        nextStatus: enroute ? 'enroute' : finalStatus,
        finalStatus,
        errorCode: SIMULATED_ERROR_CODES[finalStatus] ?? 0,
        dueAt: enroute ? start + Math.floor((finalDueAt - start) / 2) : finalDueAt,
        finalDueAt,
      },
    };
  }

  private drawOutcome(): SimulatedStatus {
    let pick = this.random() * this.totalWeight;
    for (const [status, weight] of this.outcomes) {
      pick -= weight;
      if (pick < 0) return status;
    }
    return this.outcomes[this.outcomes.length - 1]![0];
  }

  private drawDelay(): number {
    const [min, max] = this.config.delayMs;
    return min + Math.floor(this.random() * (max - min + 1));
  }
}
