/**
 * Message status for API clients (SPEC §6): `GET /api/v1/messages/:id`, the status timeline with
 * times (the "sent" view), and `GET /api/v1/messages` with filters and cursor paging. An account
 * sees only its own messages: another account's id is answered 404, like one that does not exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { StoredMessage } from '../store/messages.js';
import type { ApiDeps } from './deps.js';

/** Every status a message can be in (SPEC §2), SMS and WhatsApp. */
const STATUSES = new Set(['scheduled', 'enroute', 'delivered', 'undelivered', 'expired', 'deleted', 'accepted', 'rejected', 'unknown', 'sent', 'read', 'failed']);

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function summary(m: StoredMessage) {
  return {
    id: m.id,
    transferId: m.transferId ?? null,
    clientMessageId: m.clientRef,
    channel: m.channel,
    type: m.messageType,
    from: m.sourceAddr,
    to: m.destAddr,
    text: m.text,
    status: m.status,
    errorCode: m.errorCode,
    smsCount: m.partCount ?? 1,
    submittedAt: iso(m.submittedAt),
    doneAt: iso(m.doneAt),
  };
}

interface ListQuery {
  channel?: string;
  type?: string;
  status?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
}

function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, 'invalid_query', `${name} must be an ISO 8601 time`);
  return ms;
}

/** Registers the message routes. */
export function messageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/messages/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const account = await deps.auth.authenticate(request.headers.authorization, request.ip);
    const message = deps.store.messages.byId(request.params.id);
    if (!message || message.accountId !== account.id) throw new HttpError(404, 'not_found', `no message ${request.params.id}`);
    const initial = message.messageType === 'whatsapp' ? 'accepted' : 'submitted';
    return {
      ...summary(message),
      timeline: [
        { status: initial, at: iso(message.submittedAt), errorCode: 0 },
        ...deps.store.events.forMessage(message.id).map((e) => ({ status: e.status, at: iso(e.occurredAt), errorCode: e.errorCode })),
      ],
      forwards: deps.store.outbox.list({ messageId: message.id, limit: 100 }).map((o) => ({ eventId: o.eventId, target: o.targetName, state: o.state, attempts: o.attempts, lastCode: o.lastCode, doneAt: iso(o.doneAt) })),
    };
  });

  app.get('/api/v1/messages', async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
    const account = await deps.auth.authenticate(request.headers.authorization, request.ip);
    const q = request.query;
    if (q.channel !== undefined && !['smpp', 'api', 'email', 'console'].includes(q.channel)) throw new HttpError(400, 'invalid_query', 'channel must be smpp, api, email or console');
    if (q.type !== undefined && q.type !== 'sms' && q.type !== 'whatsapp') throw new HttpError(400, 'invalid_query', 'type must be sms or whatsapp');
    if (q.status !== undefined && (typeof q.status !== 'string' || !STATUSES.has(q.status))) {
      throw new HttpError(400, 'invalid_query', `status must be one of ${[...STATUSES].join(', ')}`);
    }
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'invalid_query', 'limit must be 1–500');
    if (q.cursor !== undefined && !/^\d{1,16}$/.test(q.cursor)) throw new HttpError(400, 'invalid_query', 'cursor is not one this API gave out');
    const items = deps.store.messages.list({
      accountId: account.id,
      channel: q.channel as StoredMessage['channel'] | undefined,
      messageType: q.type as 'sms' | 'whatsapp' | undefined,
      status: q.status,
      from: time('from', q.from),
      to: time('to', q.to),
      beforeId: q.cursor,
      limit: limit + 1,
    });
    const page = items.slice(0, limit);
    return { items: page.map(summary), nextCursor: items.length > limit ? page[page.length - 1]!.id : null };
  });
}
