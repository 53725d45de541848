/**
 * Sent: the messages of the account (the operator: of every account or one), newest first, with
 * channel, type, recipient, status and the time of each status; filters and paging. The table
 * body is re-fetched every `console.pollMs` (console.js), so statuses change without a reload.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import type { Account } from '../../store/accounts.js';
import type { Channel, StoredMessage } from '../../store/messages.js';
import type { StatusEventRow } from '../../store/status-events.js';
import type { ConsoleContext } from '../context.js';
import type { Viewer } from '../console-auth.js';
import { attr, html, type Html } from '../html.js';
import { statusBadge, timeCell } from '../layout.js';

const PAGE_SIZE = 25;
const CHANNELS: Channel[] = ['smpp', 'api', 'email', 'console'];
const STATUSES = ['enroute', 'delivered', 'undelivered', 'expired', 'deleted', 'accepted', 'rejected', 'unknown', 'sent', 'read', 'failed'];
/** The statuses whose times a row shows, by message type. */
const SHOWN: Record<'sms' | 'whatsapp', string[]> = {
  sms: ['enroute', 'delivered', 'undelivered', 'expired', 'deleted', 'accepted', 'rejected', 'unknown'],
  whatsapp: ['sent', 'delivered', 'read', 'failed'],
};

interface SentQuery {
  account?: string;
  type?: string;
  channel?: string;
  status?: string;
  to?: string;
  before?: string;
  sent?: string;
}

/** The filters of a query, checked. */
interface Filters {
  account: Account | null;
  type: 'sms' | 'whatsapp' | undefined;
  channel: Channel | undefined;
  status: string | undefined;
  to: string | undefined;
  before: string | undefined;
}

/** A filter the form cannot use, named by its field, so the page can show it there. */
class FilterError extends HttpError {
  constructor(
    readonly field: 'type' | 'channel' | 'status' | 'to' | 'before',
    message: string,
  ) {
    super(400, 'bad_filter', message);
  }
}

function filtersOf(ctx: ConsoleContext, viewer: Viewer, q: SentQuery): Filters {
  const type = q.type || undefined;
  if (type !== undefined && type !== 'sms' && type !== 'whatsapp') throw new FilterError('type', 'Type must be sms or whatsapp.');
  const channel = q.channel || undefined;
  if (channel !== undefined && !CHANNELS.includes(channel as Channel)) throw new FilterError('channel', `Channel must be one of ${CHANNELS.join(', ')}.`);
  const status = q.status || undefined;
  if (status !== undefined && !STATUSES.includes(status)) throw new FilterError('status', `Status must be one of ${STATUSES.join(', ')}.`);
  const to = q.to?.trim() ? q.to.trim().replace(/^(\+|00)/, '') : undefined;
  if (to !== undefined && !/^[0-9]{1,20}$/.test(to)) throw new FilterError('to', `"${q.to!.trim()}" is not a phone number: enter the whole number, e.g. +436991234567.`);
  const before = q.before || undefined;
  if (before !== undefined && !/^\d{1,16}$/.test(before)) throw new FilterError('before', 'That is not a page this console links to.');
  return { account: ctx.accountFor(viewer, q.account), type, channel: channel as Channel | undefined, status, to, before };
}

function queryString(f: Filters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (f.account) q.set('account', f.account.systemId);
  if (f.type) q.set('type', f.type);
  if (f.channel) q.set('channel', f.channel);
  if (f.status) q.set('status', f.status);
  if (f.to) q.set('to', f.to);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** The first time each status was reached, per message. */
function timesByMessage(events: StatusEventRow[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const e of events) {
    const times = out.get(e.messageId) ?? new Map<string, number>();
    if (!times.has(e.status)) times.set(e.status, e.occurredAt);
    out.set(e.messageId, times);
  }
  return out;
}

function statusTimes(m: StoredMessage, times: Map<string, number> | undefined): Html {
  const shown = SHOWN[m.messageType].filter((s) => times?.has(s));
  if (shown.length === 0) return html`<span class="none">–</span>`;
  return html`<ul class="times">${shown.map((s) => html`<li data-time-of="${s}"><span class="label">${s}</span> ${timeCell(times!.get(s))}</li>`)}</ul>`;
}

function rows(ctx: ConsoleContext, viewer: Viewer, messages: StoredMessage[]): Html {
  if (messages.length === 0) return html`<tr><td colspan="${viewer.kind === 'operator' ? 7 : 6}" class="empty">No messages yet. <a href="/console/compose">Compose one</a>.</td></tr>`;
  const times = timesByMessage(ctx.deps.store.events.forMessages(messages.map((m) => m.id)));
  const names = viewer.kind === 'operator' ? new Map(ctx.deps.store.accounts.list().map((a) => [a.id, a.systemId])) : null;
  return html`${messages.map(
    // data-label: at phone width each row is a card and the cells name themselves (console.css).
    (m) => html`<tr data-id="${m.id}" data-status="${m.status}">
  <td data-label="Submitted">${timeCell(m.submittedAt)}</td>
  ${names ? html`<td data-label="Account">${names.get(m.accountId) ?? m.accountId}</td>` : ''}
  <td data-label="Channel">${m.channel}</td>
  <td data-label="Type">${m.messageType === 'sms' ? 'SMS' : 'WhatsApp'}${m.partCount && m.partCount > 1 ? html` <span class="parts">(${m.partCount} parts)</span>` : ''}</td>
  <td data-label="To"><a href="/console/messages/${m.id}">+${m.destAddr}</a></td>
  <td data-label="Status">${statusBadge(m.status)}</td>
  <td data-label="Status times">${statusTimes(m, times.get(m.id))}</td>
</tr>`,
  )}`;
}

/** The error of one filter field, linked to it by id. */
function fieldError(error: FilterError | null, name: string): Html {
  return error?.field === name ? html`<p class="field-error" id="f-${name}-error">${error.message}</p>` : html``;
}

const invalid = (error: FilterError | null, name: string): Html => (error?.field === name ? html` aria-invalid="true" aria-describedby="f-${name}-error"` : html``);

function select(name: string, label: string, options: string[], value: string | undefined, error: FilterError | null = null): Html {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"${invalid(error, name)}><option value="">Any</option>${options.map((o) => html`<option${attr('selected', o === value)}>${o}</option>`)}</select>${fieldError(error, name)}</div>`;
}

function list(ctx: ConsoleContext, f: Filters): StoredMessage[] {
  return ctx.deps.store.messages.list({
    accountId: f.account?.id,
    messageType: f.type,
    channel: f.channel,
    status: f.status,
    destAddr: f.to,
    beforeId: f.before,
    limit: PAGE_SIZE + 1,
  });
}

/** The filter form; after a bad filter it shows what was typed, with the error at its field. */
function filterForm(viewer: Viewer, accounts: string[], values: SentQuery, error: FilterError | null): Html {
  return html`<form method="get" action="/console/sent" class="filters" aria-label="Filter messages" novalidate>
  ${viewer.kind === 'operator' ? select('account', 'Account', accounts, values.account) : ''}
  ${select('type', 'Type', ['sms', 'whatsapp'], values.type, error)}
  ${select('channel', 'Channel', CHANNELS, values.channel, error)}
  ${select('status', 'Status', STATUSES, values.status, error)}
  <div><label for="f-to">Recipient</label><input id="f-to" name="to" inputmode="tel" value="${values.to ?? ''}"${invalid(error, 'to')}>${fieldError(error, 'to')}</div>
  <div class="actions"><button type="submit">Filter</button> <a href="/console/sent">Clear</a></div>
</form>`;
}

function render(ctx: ConsoleContext, request: FastifyRequest<{ Querystring: SentQuery }>, reply: FastifyReply, viewer: Viewer): FastifyReply {
  const accounts = viewer.kind === 'operator' ? ctx.deps.store.accounts.list().map((a) => a.systemId) : [];
  let f: Filters;
  try {
    f = filtersOf(ctx, viewer, request.query);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    // A bad filter keeps the user on Sent with the form as typed, not on an error page.
    return ctx.send(
      request,
      reply,
      { title: 'Sent', current: 'sent', status: 400, flash: { kind: 'error', text: `The filter was not applied: ${err.message}` } },
      html`<h1>Sent</h1>${filterForm(viewer, accounts, request.query, err)}<p><a href="/console/sent">Show all messages</a></p>`,
    );
  }
  const found = list(ctx, f);
  const messages = found.slice(0, PAGE_SIZE);
  const older = found.length > PAGE_SIZE ? messages[messages.length - 1]!.id : null;
  const sent = Number(request.query.sent);
  const shown: SentQuery = { account: f.account?.systemId, type: f.type, channel: f.channel, status: f.status, to: request.query.to?.trim() || undefined };
  return ctx.send(
    request,
    reply,
    { title: 'Sent', current: 'sent', flash: Number.isInteger(sent) && sent > 0 ? { kind: 'ok', text: sent === 1 ? 'Message sent.' : `${sent} messages sent.` } : null },
    html`<h1>Sent</h1>
${filterForm(viewer, accounts, shown, null)}
<div class="table-wrap">
<table class="messages">
  <caption class="visually-hidden">Sent messages, newest first</caption>
  <thead><tr><th scope="col">Submitted</th>${viewer.kind === 'operator' ? html`<th scope="col">Account</th>` : ''}<th scope="col">Channel</th><th scope="col">Type</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Status times</th></tr></thead>
  <tbody data-live="/console/sent/rows${queryString(f, f.before ? { before: f.before } : {})}">${rows(ctx, viewer, messages)}</tbody>
</table>
</div>
<nav class="paging" aria-label="Pages">
  ${f.before ? html`<a href="/console/sent${queryString(f)}">← Newest</a>` : ''}
  ${older ? html`<a href="/console/sent${queryString(f, { before: older })}">Older →</a>` : ''}
</nav>`,
  );
}

/** Registers /console/sent and its live rows. */
export function sentRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/sent', (request: FastifyRequest<{ Querystring: SentQuery }>, reply) => render(ctx, request, reply, ctx.viewer(request)));
  app.get('/sent/rows', (request: FastifyRequest<{ Querystring: SentQuery }>, reply) => {
    const viewer = ctx.viewer(request);
    const f = filtersOf(ctx, viewer, request.query);
    return ctx.fragment(reply.header('cache-control', 'no-store'), rows(ctx, viewer, list(ctx, f).slice(0, PAGE_SIZE)));
  });
}
