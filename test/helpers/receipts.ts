/**
 * Helpers for receipt tests with the `smpp` client: collect (and answer) deliver_sm, pipeline
 * submits, and read the Appendix B receipt text.
 */
import assert from 'node:assert/strict';
import smpp from 'smpp';
import { eventually } from './eventually.js';
import { call, connect, submitFields, type PDU, type Session } from './smpp-client.js';

/**
 * The `smpp` client decodes short_message of data_coding 0 with the GSM 03.38 default alphabet,
 * which turns ASCII '@' (0x40) into '¡', '$' into '¤', '_' into '§'… Our receipts are plain
 * ASCII, so tests that compare receipt text read data_coding 0 as Latin-1 instead: every octet
 * becomes the character with that code, i.e. exactly what the server sent. This changes only
 * this test process's client decoding (the server decodes its own PDUs, without the package's
 * text filters). `encodings.default` is a writable property in smpp/lib/defs.js.
 */
export function readDataCoding0AsLatin1(): void {
  (smpp as unknown as { encodings: { default: string } }).encodings.default = 'LATIN1';
}

/** The short_message of a decoded deliver_sm as text (see readDataCoding0AsLatin1). */
export function shortMessageText(pdu: PDU): string {
  const sm = pdu.short_message as { message?: unknown } | Buffer | undefined;
  if (Buffer.isBuffer(sm)) return sm.toString('latin1');
  if (sm && typeof sm.message === 'string') return sm.message;
  if (sm && Buffer.isBuffer(sm.message)) return sm.message.toString('latin1');
  assert.fail(`wanted a short_message in ${pdu.command}, had ${JSON.stringify(sm)}`);
}

/** Appendix B receipt text, split into its fields. */
export interface ReceiptBody {
  id: string;
  sub: string;
  dlvrd: string;
  submitDate: string;
  doneDate: string;
  stat: string;
  err: string;
  text: string;
}

/** SMPP 3.4 Appendix B as SPEC §3 spells it. */
export const RECEIPT_PATTERN =
  /^id:(\S+) sub:(001) dlvrd:(001|000) submit date:(\d{10}) done date:(\d{10}) stat:(DELIVRD|UNDELIV|EXPIRED|DELETED|ACCEPTD|REJECTD|ENROUTE|UNKNOWN) err:(\d{3}) text:(.*)$/s;

/** Parses a receipt body; fails the test when it is not in the Appendix B form. */
export function parseReceiptBody(text: string): ReceiptBody {
  const m = RECEIPT_PATTERN.exec(text);
  assert.ok(m, `wanted a receipt text matching ${RECEIPT_PATTERN}, had ${JSON.stringify(text)}`);
  return { id: m[1]!, sub: m[2]!, dlvrd: m[3]!, submitDate: m[4]!, doneDate: m[5]!, stat: m[6]!, err: m[7]!, text: m[8]! };
}

/** UTC YYMMDDhhmm, the receipt date form, computed independently of src/. */
export function utcMinute(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-25T17:31:17.000Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
}

/** One deliver_sm seen by a collector. */
export interface Seen {
  pdu: PDU;
  /** ms since epoch when it was read */
  at: number;
  /** Position in the collector's event log (shared with submitMany's responses when given the same log). */
  order: number;
}

/** A shared, ordered log of what a client saw (responses and deliver_sm), for ordering checks. */
export class EventLog {
  private n = 0;
  readonly entries: Array<{ kind: 'response' | 'deliver_sm'; messageId: string; order: number; at: number }> = [];
  add(kind: 'response' | 'deliver_sm', messageId: string): number {
    const order = ++this.n;
    this.entries.push({ kind, messageId, order, at: Date.now() });
    return order;
  }
}

/**
 * Collects the deliver_sm a session receives and answers each with deliver_sm_resp OK, unless
 * `shouldAnswer` says no (a client that does not answer).
 */
export class DeliverCollector {
  readonly seen: Seen[] = [];
  shouldAnswer: (pdu: PDU, seen: Seen) => boolean = () => true;

  constructor(
    readonly session: Session,
    private readonly log: EventLog = new EventLog(),
  ) {
    session.on('deliver_sm', (pdu: PDU) => {
      const order = this.log.add('deliver_sm', String(pdu.receipted_message_id));
      const seen = { pdu, at: Date.now(), order };
      this.seen.push(seen);
      if (this.shouldAnswer(pdu, seen)) session.send(pdu.response());
    });
  }

  get count(): number {
    return this.seen.length;
  }

  /** The deliver_sm for one message id (receipted_message_id), in arrival order. */
  forMessage(messageId: string): PDU[] {
    return this.seen.filter((s) => s.pdu.receipted_message_id === messageId).map((s) => s.pdu);
  }

  /** receipted_message_id of every deliver_sm, in arrival order. */
  messageIds(): string[] {
    return this.seen.map((s) => String(s.pdu.receipted_message_id));
  }

  /** Waits until at least `n` deliver_sm have arrived. */
  async waitFor(n: number, timeoutMs = 5000, what = `${n} deliver_sm`): Promise<void> {
    await eventually(() => {
      if (this.seen.length < n) throw new Error(`had ${this.seen.length}`);
      return true;
    }, timeoutMs, what);
  }

  /** Waits until a deliver_sm for `messageId` has arrived, and returns the first. */
  async waitForMessage(messageId: string, timeoutMs = 5000): Promise<PDU> {
    return eventually(() => {
      const found = this.forMessage(messageId)[0];
      if (!found) throw new Error(`had receipts for ${JSON.stringify(this.messageIds())}`);
      return found;
    }, timeoutMs, `a deliver_sm for message ${messageId}`);
  }
}

/**
 * Sends submit_sm for each entry of `fieldsList` (merged over submitFields) without waiting in
 * between, and resolves with the responses in submit order. `log` notes each response the moment
 * the client reads it.
 */
export function submitMany(session: Session, fieldsList: Array<Record<string, unknown>>, log?: EventLog, timeoutMs = 30_000): Promise<PDU[]> {
  return new Promise((resolve, reject) => {
    const responses: PDU[] = new Array(fieldsList.length);
    let left = fieldsList.length;
    if (left === 0) return resolve([]);
    const timer = setTimeout(() => reject(new Error(`only ${fieldsList.length - left} of ${fieldsList.length} submit_sm answered within ${timeoutMs} ms`)), timeoutMs);
    fieldsList.forEach((fields, i) => {
      const pdu = new smpp.PDU('submit_sm', submitFields(fields));
      session.send(pdu, (response) => {
        if (response.command_status === 0) log?.add('response', String(response.message_id));
        responses[i] = response;
        if (--left === 0) {
          clearTimeout(timer);
          resolve(responses);
        }
      });
    });
  });
}

/** The message_id of a successful submit response; fails the test otherwise. */
export function messageIdOf(response: PDU, what = 'submit'): string {
  assert.equal(response.command_status, 0, `${what}: wanted status 0, had 0x${response.command_status.toString(16)} (${response.command})`);
  assert.equal(typeof response.message_id, 'string', `${what}: wanted a message_id, had ${String(response.message_id)}`);
  return response.message_id as string;
}

/**
 * Connects, starts collecting deliver_sm, then binds: owed receipts follow the bind response at
 * once (often in the same TCP segment), so the listener must be there before the bind.
 * Fails the test when the bind is refused.
 */
export async function bindCollecting(
  port: number,
  systemId: string,
  password: string,
  type: 'transmitter' | 'receiver' | 'transceiver',
  extra: Record<string, unknown> = {},
): Promise<{ session: Session; collector: DeliverCollector }> {
  const session = await connect(port);
  const collector = new DeliverCollector(session);
  const response = await call(session, `bind_${type}`, { system_id: systemId, password, interface_version: 0x34, ...extra });
  assert.equal(response.command_status, 0, `bind_${type} ${systemId}: wanted status 0, had 0x${response.command_status.toString(16)}`);
  return { session, collector };
}
