/**
 * One message: what was sent, the full status timeline, and for each event the forwarding
 * attempts (target, result, time). The timeline and the attempts are re-fetched live.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import type { StoredMessage } from '../../store/messages.js';
import type { TargetRow } from '../../store/targets.js';
import type { ConsoleContext } from '../context.js';
import type { Viewer } from '../console-auth.js';
import { html, type Html } from '../html.js';
import { statusBadge, timeCell } from '../layout.js';

function messageFor(ctx: ConsoleContext, viewer: Viewer, id: string): StoredMessage {
  const message = ctx.deps.store.messages.byId(id);
  // Another account's message is "not found", like one that does not exist.
  if (!message || (viewer.kind === 'account' && message.accountId !== viewer.account.id)) throw new HttpError(404, 'not_found', `There is no message ${id}.`);
  return message;
}

/** How a target is shown: its name, or for a callback its URL or address. */
function targetLabel(t: TargetRow | undefined, id: number): string {
  if (!t) return `target ${id} (removed)`;
  if (t.kind === 'callback') return t.type === 'http' ? `callback ${t.url}` : `mail to ${t.to}`;
  return `${t.name} (${t.type})`;
}

function live(ctx: ConsoleContext, m: StoredMessage): Html {
  const { store } = ctx.deps;
  const events = store.events.forMessage(m.id);
  const forwards = store.outbox.list({ messageId: m.id, limit: 200 }).reverse();
  const targets = new Map(store.targets.list().map((t) => [t.id, t]));
  const initial = m.messageType === 'whatsapp' ? 'accepted' : 'submitted';
  const receipts = m.channel === 'smpp' ? store.receipts.forMessage(m.id) : [];
  return html`<section aria-labelledby="timeline-h">
  <h2 id="timeline-h">Timeline</h2>
  <ol class="timeline">
    <li><span class="badge wait">${initial}</span> ${timeCell(m.submittedAt)}</li>
    ${events.map((e) => html`<li data-event="${e.id}">${statusBadge(e.status)} ${timeCell(e.occurredAt)}${e.errorCode ? html` <span class="code">error ${e.errorCode}</span>` : ''}</li>`)}
  </ol>
</section>
<section aria-labelledby="forwards-h">
  <h2 id="forwards-h">Forwarding</h2>
  ${
    forwards.length === 0 && receipts.length === 0
      ? html`<p class="none">Nothing was forwarded for this message${m.messageType === 'sms' && m.registeredDelivery === 0 ? ' (no receipt was requested)' : ''}.</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Event</th><th scope="col">Target</th><th scope="col">Result</th><th scope="col">Attempts</th></tr></thead>
    <tbody>
    ${receipts.map((r) => html`<tr><td>${r.status}</td><td>SMPP receipt over the bind</td><td>${r.state === 'acked' ? 'delivered' : r.state}</td><td>${r.doneAt ? timeCell(r.doneAt) : `${r.attempts} sent, not answered yet`}</td></tr>`)}
    ${forwards.map((o) => {
      const event = events.find((e) => e.id === o.eventId);
      const attempts = store.outbox.attempts(o.id);
      return html`<tr data-outbox="${o.id}">
      <td>${event ? statusBadge(event.status) : o.eventId}</td>
      <td>${targetLabel(targets.get(o.targetId), o.targetId)} · ${o.format.toUpperCase()}</td>
      <td><span class="state ${o.state}">${o.state}</span></td>
      <td>${attempts.length === 0 ? html`<span class="none">not tried yet</span>` : html`<ul class="times">${attempts.map((a) => html`<li>${timeCell(a.at)} ${a.outcome}${a.code ? ` (${a.code})` : ''}</li>`)}</ul>`}</td>
    </tr>`;
    })}
    </tbody></table></div>`
  }
</section>`;
}

/** Registers /console/messages/:id. */
export function messageRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/messages/:id', (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const viewer = ctx.viewer(request);
    const m = messageFor(ctx, viewer, request.params.id);
    const account = viewer.kind === 'operator' ? ctx.deps.store.accounts.byId(m.accountId)?.systemId : null;
    return ctx.send(
      request,
      reply,
      { title: `Message ${m.id}`, current: 'sent' },
      html`<p><a href="/console/sent">← Sent</a></p>
<h1>Message ${m.id}</h1>
<dl class="summary">
  ${account ? html`<dt>Account</dt><dd>${account}</dd>` : ''}
  <dt>Type</dt><dd>${m.messageType === 'sms' ? 'SMS' : 'WhatsApp'}</dd>
  <dt>Channel</dt><dd>${m.channel}</dd>
  <dt>To</dt><dd>+${m.destAddr}</dd>
  ${m.sourceAddr ? html`<dt>From</dt><dd>${m.sourceAddr}</dd>` : ''}
  <dt>Status</dt><dd>${statusBadge(m.status)}</dd>
  ${m.messageType === 'sms' ? html`<dt>Receipt requested</dt><dd>${m.registeredDelivery === 0 ? 'no' : 'yes'}</dd>` : ''}
  ${m.partCount && m.partCount > 1 ? html`<dt>Parts</dt><dd>${m.partCount}</dd>` : ''}
  <dt>Text</dt><dd class="text">${m.text ?? '(binary)'}</dd>
</dl>
<div data-live="/console/messages/${m.id}/live">${live(ctx, m)}</div>`,
    );
  });

  app.get('/messages/:id/live', (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const m = messageFor(ctx, ctx.viewer(request), request.params.id);
    return ctx.fragment(reply.header('cache-control', 'no-store'), live(ctx, m));
  });
}
