/**
 * websms-compatible sending (SPEC §6): `POST /rest/smsmessaging/text` and `/simple`. Field names,
 * answer shape and statusCode values follow the websms REST API, so existing websms clients work
 * unchanged: `{"statusCode":2000,"statusMessage":"OK","transferId":…,"clientMessageId":…,"smsCount":…}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { smsText } from '../intake/sms-text.js';
import { newTransferId, submitAll, textMessage } from '../intake/text-message.js';

/** websms statusCode values this API answers with (websms REST API; 4022 is ours). */
export const WebsmsStatus = {
  OK: 2000,
  INVALID_CREDENTIALS: 4001,
  INVALID_RECIPIENT: 4002,
  INVALID_SENDER: 4003,
  INVALID_CLIENT_MESSAGE_ID: 4008,
  INVALID_TEXT: 4009,
  LIMIT_REACHED: 4013,
  INVALID_CALLBACK_URL: 4016,
  MISSING_PARAMETER: 4019,
  INVALID_VALIDITY: 4022,
  INTERNAL_ERROR: 5000,
  SERVICE_UNAVAILABLE: 5003,
} as const;

const MAX_RECIPIENTS = 1000;
/** Longest text: 10 concatenated GSM parts. */
const MAX_TEXT = 1530;
/** websms validityPeriode: 60 s to 3 days. */
const VALIDITY = [60, 259_200] as const;

/** The request body (SPEC §6). */
interface SendBody {
  recipientAddressList?: unknown;
  messageContent?: unknown;
  senderAddress?: unknown;
  clientMessageId?: unknown;
  notificationCallbackUrl?: unknown;
  test?: unknown;
  validityPeriode?: unknown;
}

const bad = (code: number, message: string): never => {
  throw new HttpError(400, code, message);
};

/** Validated send request. */
interface SendRequest {
  recipients: string[];
  text: string;
  sender: string;
  clientMessageId: string | null;
  callbackUrl: string | null;
  test: boolean;
  validitySec: number | null;
}

/**
 * A client's value as an error message shows it: strings quoted and cut, containers named. Not
 * JSON.stringify: an array nested 30,000 deep (valid JSON under the body limit) overflows its
 * stack, which turned a client error into a 500.
 */
function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Checks every field; the error names the field and carries its websms statusCode. */
export function parseSendBody(body: unknown): SendRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad(WebsmsStatus.MISSING_PARAMETER, 'the body must be a JSON object');
  const b = body as SendBody;
  if (b.recipientAddressList === undefined) bad(WebsmsStatus.MISSING_PARAMETER, 'recipientAddressList is required');
  if (!Array.isArray(b.recipientAddressList) || b.recipientAddressList.length === 0) bad(WebsmsStatus.INVALID_RECIPIENT, 'recipientAddressList must be a non-empty array of MSISDNs');
  const list = b.recipientAddressList as unknown[];
  if (list.length > MAX_RECIPIENTS) bad(WebsmsStatus.INVALID_RECIPIENT, `recipientAddressList has more than ${MAX_RECIPIENTS} entries`);
  const recipients = list.map((r, i) => {
    const value = typeof r === 'number' && Number.isSafeInteger(r) ? String(r) : r;
    if (typeof value !== 'string' || !/^\+?[1-9][0-9]{5,19}$/.test(value)) bad(WebsmsStatus.INVALID_RECIPIENT, `recipientAddressList[${i}] is not an MSISDN in international format: ${preview(r)}`);
    return (value as string).replace(/^\+/, '');
  });
  if (b.messageContent === undefined) bad(WebsmsStatus.MISSING_PARAMETER, 'messageContent is required');
  if (typeof b.messageContent !== 'string' || b.messageContent.length === 0) bad(WebsmsStatus.INVALID_TEXT, 'messageContent must be a non-empty string');
  const text = b.messageContent as string;
  if (text.length > MAX_TEXT) bad(WebsmsStatus.INVALID_TEXT, `messageContent is longer than ${MAX_TEXT} characters`);
  let sender = '';
  if (b.senderAddress !== undefined) {
    if (typeof b.senderAddress !== 'string' || !(/^\+?[0-9]{1,20}$/.test(b.senderAddress) || /^[A-Za-z0-9 ._-]{1,11}$/.test(b.senderAddress))) {
      bad(WebsmsStatus.INVALID_SENDER, 'senderAddress must be a number of up to 20 digits or up to 11 letters and digits');
    }
    sender = b.senderAddress as string;
  }
  let clientMessageId: string | null = null;
  if (b.clientMessageId !== undefined && b.clientMessageId !== null) {
    if (typeof b.clientMessageId !== 'string' || b.clientMessageId.length === 0 || b.clientMessageId.length > 64) bad(WebsmsStatus.INVALID_CLIENT_MESSAGE_ID, 'clientMessageId must be a string of 1–64 characters');
    clientMessageId = b.clientMessageId as string;
  }
  let callbackUrl: string | null = null;
  if (b.notificationCallbackUrl !== undefined && b.notificationCallbackUrl !== null) {
    let url: URL | null = null;
    try {
      url = typeof b.notificationCallbackUrl === 'string' ? new URL(b.notificationCallbackUrl) : null;
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) bad(WebsmsStatus.INVALID_CALLBACK_URL, 'notificationCallbackUrl must be an http:// or https:// URL');
    callbackUrl = url!.toString();
  }
  if (b.test !== undefined && typeof b.test !== 'boolean') bad(WebsmsStatus.MISSING_PARAMETER, 'test must be true or false');
  let validitySec: number | null = null;
  if (b.validityPeriode !== undefined && b.validityPeriode !== null) {
    const v = b.validityPeriode;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < VALIDITY[0] || v > VALIDITY[1]) bad(WebsmsStatus.INVALID_VALIDITY, `validityPeriode must be whole seconds from ${VALIDITY[0]} to ${VALIDITY[1]}`);
    validitySec = v as number;
  }
  return { recipients, text, sender, clientMessageId, callbackUrl, test: b.test === true, validitySec };
}

/** A websms-shaped answer. */
function answer(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).send(body);
}

/** Registers the websms routes. */
export function websmsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const account = await deps.auth.authenticate(request.headers.authorization, request.ip);
    const send = parseSendBody(request.body);
    const encoded = smsText(send.text);
    const smsCount = encoded.parts;
    if (send.test) {
      return answer(reply, 200, { statusCode: WebsmsStatus.OK, statusMessage: 'OK (test: validated, not sent)', transferId: null, clientMessageId: send.clientMessageId, smsCount });
    }
    if (!deps.takeTokens(account, send.recipients.length)) {
      deps.metrics.submits.inc({ channel: 'api', result: 'throttled' });
      throw new HttpError(429, WebsmsStatus.LIMIT_REACHED, `over the account rate of ${account.rate} messages per second`);
    }
    const now = Date.now();
    const transferId = newTransferId();
    const callbackTargetId = send.callbackUrl ? deps.store.targets.callbackFor(send.callbackUrl).id : null;
    const submissions = send.recipients.map((recipient) => {
      const message = textMessage({
        accountId: account.id,
        channel: 'api',
        messageType: 'sms',
        recipient,
        sender: send.sender,
        text: send.text,
        clientRef: send.clientMessageId,
        transferId,
        callbackTargetId,
        // A callback URL is the API's way to ask for a receipt (SPEC §5): final, success or failure.
        receipt: send.callbackUrl !== null,
        expiresAt: send.validitySec === null ? null : now + send.validitySec * 1000,
        now,
      });
      const decision = deps.simulator.decide(message, now);
      if (decision.kind === 'refuse') {
        const [status, code] = decision.submitError === 'ESME_RTHROTTLED' ? [429, WebsmsStatus.LIMIT_REACHED] : decision.submitError === 'ESME_RMSGQFUL' ? [503, WebsmsStatus.SERVICE_UNAVAILABLE] : [500, WebsmsStatus.INTERNAL_ERROR];
        throw new HttpError(status, code, `test number ${recipient} forces ${decision.submitError}`);
      }
      return { message, plan: decision.plan };
    });
    // Durable before acknowledged: answer once every recipient's message is committed.
    await submitAll(deps.intake, submissions);
    deps.metrics.submits.inc({ channel: 'api', result: 'accepted' }, submissions.length);
    return answer(reply, 200, { statusCode: WebsmsStatus.OK, statusMessage: 'OK', transferId, clientMessageId: send.clientMessageId, smsCount });
  };
  app.post('/rest/smsmessaging/text', handler);
  // The websms "simple" endpoint takes the same JSON here.
  app.post('/rest/smsmessaging/simple', handler);
}
