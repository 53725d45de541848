/**
 * The operator's page: the global forwarding switch (with a confirmation: switching it off stops
 * every forward and every SMPP receipt), and the failed deliveries with a retry button each and
 * one for all. The same settings and outbox rows `smscd forwarding` and `smscd deliveries` use.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import { SWITCH_KEY } from '../../forwarding/policy.js';
import type { ConsoleContext } from '../context.js';
import type { Viewer } from '../console-auth.js';
import { field, formOf } from '../form.js';
import { html } from '../html.js';
import { csrfField, timeCell } from '../layout.js';

const FAILED_SHOWN = 50;

function requireOperator(viewer: Viewer): void {
  if (viewer.kind !== 'operator') throw new HttpError(403, 'operator_only', 'Only the operator may do this.');
}

function render(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, flash: { kind: 'ok' | 'error'; text: string } | null, status = 200): FastifyReply {
  const csrf = ctx.csrf(request, reply);
  const { store } = ctx.deps;
  const on = ctx.deps.forwardingOn();
  const failed = store.outbox.list({ state: 'failed', limit: FAILED_SHOWN });
  const targets = new Map(store.targets.list().map((t) => [t.id, t]));
  return ctx.send(
    request,
    reply,
    { title: 'Operator', current: 'operator', flash, status },
    html`<h1>Operator</h1>
<section class="card" aria-labelledby="switch-h">
  <h2 id="switch-h">Global forwarding switch</h2>
  <p>Forwarding is <strong data-switch-state="${on ? 'on' : 'off'}">${on ? 'on' : 'off'}</strong>. ${on ? 'Receipts go to every target the rules name, and SMPP receipts are sent.' : 'Nothing is forwarded and no SMPP receipts are sent; events are still recorded and go out when it is switched on again.'}</p>
  <form method="post" action="/console/operator/switch" novalidate>
    ${csrfField(csrf)}
    <input type="hidden" name="state" value="${on ? 'off' : 'on'}">
    ${on ? html`<label class="check"><input type="checkbox" name="confirm" value="yes" required> Yes, stop all forwarding and SMPP receipts for every account</label>` : ''}
    <button type="submit" class="${on ? 'danger' : ''}">Switch forwarding ${on ? 'off' : 'on'}</button>
  </form>
</section>
<section class="card" aria-labelledby="failed-h">
  <h2 id="failed-h">Failed deliveries</h2>
  ${
    failed.length === 0
      ? html`<p class="none">No failed deliveries.</p>`
      : html`<form method="post" action="/console/operator/retry">${csrfField(csrf)}<button type="submit" name="all" value="yes" class="secondary">Retry all failed</button></form>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Created</th><th scope="col">Message</th><th scope="col">Target</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${failed.map((o) => {
      const t = targets.get(o.targetId);
      return html`<tr data-outbox="${o.id}">
      <td>${timeCell(o.createdAt)}</td>
      <td><a href="/console/messages/${o.messageId}">${o.messageId}</a></td>
      <td>${t ? (t.kind === 'callback' ? (t.url ?? t.to) : t.name) : o.targetId}${t && !t.enabled ? html` <span class="badge bad">disabled</span>` : ''}</td>
      <td>${o.attempts}</td>
      <td>${o.lastCode ?? ''}${o.lastError ? ` ${o.lastError}` : ''}</td>
      <td><form method="post" action="/console/operator/retry">${csrfField(csrf)}<input type="hidden" name="id" value="${o.id}"><button type="submit" class="secondary" aria-label="Retry delivery ${o.id}">Retry</button></form></td>
    </tr>`;
    })}</tbody>
  </table></div>`
  }
</section>`,
  );
}

/** Registers /console/operator. */
export function operatorRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/operator', (request: FastifyRequest<{ Querystring: { done?: string } }>, reply) => {
    requireOperator(ctx.viewer(request));
    const done = request.query.done;
    const retried = /^\d+$/.test(done ?? '') ? Number(done) : null;
    const flash =
      done === 'on' || done === 'off'
        ? { kind: 'ok' as const, text: `Forwarding switched ${done}.` }
        : retried === null
          ? null
          : retried === 0
            ? { kind: 'error' as const, text: 'Nothing was queued again: that delivery is no longer failed (it may have been retried already).' }
            : { kind: 'ok' as const, text: retried === 1 ? '1 delivery queued again.' : `${retried} deliveries queued again.` };
    return render(ctx, request, reply, flash);
  });

  app.post('/operator/switch', (request, reply) => {
    requireOperator(ctx.viewer(request));
    const body = formOf(request.body);
    const state = field(body, 'state');
    if (state !== 'on' && state !== 'off') throw new HttpError(400, 'bad_form', 'state must be on or off');
    if (state === 'off' && field(body, 'confirm') !== 'yes') return render(ctx, request, reply, { kind: 'error', text: 'Tick the box to confirm that all forwarding stops.' }, 400);
    ctx.deps.store.settings.set(SWITCH_KEY, state);
    ctx.deps.log.warn({ forwarding: state, by: 'console operator' }, `global forwarding switched ${state}`);
    ctx.deps.changed();
    return reply.redirect(`/console/operator?done=${state}`, 303);
  });

  app.post('/operator/retry', (request, reply) => {
    requireOperator(ctx.viewer(request));
    const body = formOf(request.body);
    const id = field(body, 'id');
    if (field(body, 'all') !== 'yes' && !/^\d{1,16}$/.test(id)) throw new HttpError(400, 'bad_form', 'which delivery to retry is missing');
    const n = ctx.deps.store.outbox.retryFailed(field(body, 'all') === 'yes' ? {} : { id: Number(id) }, Date.now());
    ctx.deps.changed();
    return reply.redirect(`/console/operator?done=${n}`, 303);
  });
}
