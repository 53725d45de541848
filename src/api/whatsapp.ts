/**
 * The simulated WhatsApp channel (SPEC §4, §6): `POST /api/v1/whatsapp/messages` with
 * `recipient`, `text`, optional `clientMessageId` and `callbackUrl`. The message then goes
 * accepted → sent → delivered → read (or failed); each change is a status event, forwarded per
 * rules (by default only delivered and read) and to the callback URL.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { submitAll, textMessage } from '../intake/text-message.js';
import type { ApiDeps } from './deps.js';

const MAX_TEXT = 4096;

interface WhatsAppBody {
  recipient?: unknown;
  text?: unknown;
  clientMessageId?: unknown;
  callbackUrl?: unknown;
}

const bad = (field: string, message: string): never => {
  throw new HttpError(400, 'invalid_field', `${field}: ${message}`);
};

/** Registers the WhatsApp route. */
export function whatsappRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/api/v1/whatsapp/messages', async (request: FastifyRequest, reply: FastifyReply) => {
    const account = await deps.auth.authenticate(request.headers.authorization, request.ip);
    const body = request.body as WhatsAppBody | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('body', 'must be a JSON object');
    const b = body as WhatsAppBody;
    const recipient = typeof b.recipient === 'number' ? String(b.recipient) : b.recipient;
    if (typeof recipient !== 'string' || !/^\+?[1-9][0-9]{5,19}$/.test(recipient)) bad('recipient', 'must be an MSISDN in international format');
    if (typeof b.text !== 'string' || b.text.length === 0 || b.text.length > MAX_TEXT) bad('text', `must be a string of 1–${MAX_TEXT} characters`);
    if (b.clientMessageId !== undefined && b.clientMessageId !== null && (typeof b.clientMessageId !== 'string' || b.clientMessageId.length === 0 || b.clientMessageId.length > 64)) {
      bad('clientMessageId', 'must be a string of 1–64 characters');
    }
    let callbackUrl: string | null = null;
    if (b.callbackUrl !== undefined && b.callbackUrl !== null) {
      try {
        const url = new URL(String(b.callbackUrl));
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
        callbackUrl = url.toString();
      } catch {
        bad('callbackUrl', 'must be an http:// or https:// URL');
      }
    }
    if (!deps.takeTokens(account, 1)) throw new HttpError(429, 'rate_limited', `over the account rate of ${account.rate} messages per second`);
    const now = Date.now();
    const text = b.text as string;
    const message = textMessage({
      accountId: account.id,
      channel: 'api',
      messageType: 'whatsapp',
      recipient: (recipient as string).replace(/^\+/, ''),
      sender: '',
      text,
      clientRef: (b.clientMessageId as string | undefined) ?? null,
      transferId: null,
      callbackTargetId: callbackUrl ? deps.store.targets.callbackFor(callbackUrl).id : null,
      receipt: false,
      expiresAt: null,
      now,
    });
    const [id] = await submitAll(deps.intake, [{ message, plan: deps.whatsapp.plan(now) }]);
    deps.metrics.submits.inc({ channel: 'whatsapp', result: 'accepted' });
    return reply.code(202).send({ messageId: id, status: 'accepted', clientMessageId: b.clientMessageId ?? null });
  });
}
