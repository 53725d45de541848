/**
 * Forwarding settings per tool (console, SMPP, API, e-mail, WhatsApp) for the signed-in account,
 * or for the account the operator chooses. Each tool is its own form; "Send test" posts the same
 * form and sends a sample receipt to what it describes, without saving. See
 * ../forwarding-settings.ts for how the settings map to rules and targets.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.js';
import { sendTestEvent } from '../../forwarding/test-send.js';
import type { DeliveryResult } from '../../forwarding/targets/target.js';
import type { Account } from '../../store/accounts.js';
import type { ConsoleContext } from '../context.js';
import type { Viewer } from '../console-auth.js';
import { field, fields, formOf, type FormBody } from '../form.js';
import {
  consoleTargetName,
  routedSettings,
  saveFixedFormat,
  saveRouted,
  saveSmpp,
  SettingsError,
  smppReceiptsOn,
  targetSpecOf,
  TOOLS,
  WHATSAPP_STATUSES,
  type RoutedInput,
  type RoutedTool,
  type Tool,
} from '../forwarding-settings.js';
import { attr, html, type Html } from '../html.js';
import { csrfField } from '../layout.js';

const TITLES: Record<Tool, string> = { console: 'Console', smpp: 'SMPP', api: 'HTTP API', email: 'E-mail', whatsapp: 'WhatsApp' };
const MODES = [
  ['none', 'No forwarding'],
  ['http', 'URL (HTTP or HTTPS)'],
  ['smtp', 'E-mail address'],
  ['sqs', 'Amazon SQS queue URL'],
] as const;

/** A form that came back with a problem, shown in its tool's section. */
interface Pending {
  tool: Tool;
  input?: RoutedInput;
  error?: SettingsError;
}

function inputOf(body: FormBody): RoutedInput {
  const mode = field(body, 'mode');
  return { mode: mode === 'http' || mode === 'smtp' || mode === 'sqs' ? mode : 'none', address: field(body, 'address'), format: field(body, 'format') || 'json', secret: field(body, 'secret'), statuses: fields(body, 'statuses') };
}

function errorFor(pending: Pending | null, tool: Tool, name: string): Html {
  const e = pending?.tool === tool ? pending.error : undefined;
  return e && e.field === name ? html`<p class="field-error" id="${tool}-${name}-error">${e.message}</p>` : html``;
}

const invalid = (pending: Pending | null, tool: Tool, name: string): Html =>
  pending?.tool === tool && pending.error?.field === name ? html` aria-invalid="true" aria-describedby="${tool}-${name}-error"` : html``;

function formatChoice(tool: Tool, value: string, withNone: boolean): Html {
  const options: Array<[string, string]> = [['json', 'JSON'], ['xml', 'XML'], ...(withNone ? ([['none', 'No forwarding']] as Array<[string, string]>) : [])];
  return html`<fieldset class="choice"><legend>${withNone ? 'Receipts' : 'Format'}</legend>${options.map(
    ([v, label]) => html`<label><input type="radio" name="format" value="${v}"${attr('checked', value === v)}> ${label}</label>`,
  )}</fieldset>`;
}

function routedForm(account: Account, tool: RoutedTool, ctx: ConsoleContext, csrf: string, hidden: Html, pending: Pending | null): Html {
  const saved = routedSettings(ctx.deps.store, account, tool);
  const input: RoutedInput =
    pending?.tool === tool && pending.input
      ? pending.input
      : { mode: saved.destination.mode, address: saved.destination.mode === 'none' ? '' : saved.destination.address, format: saved.destination.mode === 'none' ? 'json' : saved.destination.format, secret: '', statuses: saved.statuses };
  const signed = saved.destination.mode === 'http' && saved.destination.signed;
  const id = (name: string): string => `${tool}-${name}`;
  return html`<form method="post" action="/console/forwarding/${tool}" data-destination-form novalidate>
  ${csrfField(csrf)}${hidden}
  ${
    // A destination the worker disabled (410 Gone) gets nothing until it is saved again: say so
    // here, where the user would otherwise see a URL that looks in use.
    saved.disabledReason
      ? html`<p class="flash error" role="status" data-disabled>Forwarding to this destination is stopped: ${saved.disabledReason}. Save to start it again.</p>`
      : ''
  }
  <fieldset class="choice"><legend>Forward to</legend>
    ${MODES.map(([v, label]) => html`<label><input type="radio" name="mode" value="${v}"${attr('checked', input.mode === v)}> ${label}</label>`)}
  </fieldset>
  <div data-needs-destination>
    <label for="${id('address')}">Address</label>
    <p class="hint" id="${id('address-hint')}">The URL, e-mail address or SQS queue URL chosen above.</p>
    <input id="${id('address')}" name="address" value="${input.address}" autocomplete="off" aria-describedby="${id('address-hint')}${pending?.tool === tool && pending.error?.field === 'address' ? ` ${id('address-error')}` : ''}"${pending?.tool === tool && pending.error?.field === 'address' ? html` aria-invalid="true"` : ''}>
    ${errorFor(pending, tool, 'address')}
    ${formatChoice(tool, input.format, false)}${errorFor(pending, tool, 'format')}
    <div data-http-only>
      <label for="${id('secret')}">Signing secret <span class="optional">(optional, whsec_…; ${signed ? 'one is set: leave empty to keep it, "none" to remove it' : 'none set'})</span></label>
      <input id="${id('secret')}" name="secret" type="password" autocomplete="off"${invalid(pending, tool, 'secret')}>
      ${errorFor(pending, tool, 'secret')}
    </div>
    ${
      tool === 'whatsapp'
        ? html`<fieldset class="choice"${pending?.tool === tool && pending.error?.field === 'statuses' ? html` aria-describedby="${tool}-statuses-error"` : ''}><legend>Status changes to forward</legend>${WHATSAPP_STATUSES.map(
            (s) => html`<label><input type="checkbox" name="statuses" value="${s}"${attr('checked', input.statuses.includes(s))}> ${s}</label>`,
          )}</fieldset>${errorFor(pending, tool, 'statuses')}`
        : ''
    }
  </div>
  ${saved.otherRules.length > 0 ? html`<p class="hint">Also set with the CLI (saving here replaces them): ${saved.otherRules.join('; ')}.</p>` : ''}
  <div class="actions"><button type="submit" name="action" value="save">Save</button> <button type="submit" name="action" value="test" class="secondary" data-needs-destination>Send test</button></div>
</form>`;
}

function section(tool: Tool, body: Html, note: string): Html {
  return html`<section class="card tool" id="tool-${tool}" aria-labelledby="h-${tool}">
  <h2 id="h-${tool}">${TITLES[tool]}</h2>
  <p class="hint">${note}</p>
  ${body}
</section>`;
}

function render(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, viewer: Viewer, account: Account | null, flash: { kind: 'ok' | 'error'; text: string } | null, pending: Pending | null, status = 200): FastifyReply {
  const csrf = ctx.csrf(request, reply);
  const { store } = ctx.deps;
  const chooser =
    viewer.kind === 'operator'
      ? html`<form method="get" action="/console/forwarding" class="filters" aria-label="Choose account">
  <div><label for="account">Account</label><select id="account" name="account"><option value="">Choose an account</option>${store.accounts.list().map((a) => html`<option${attr('selected', a.id === account?.id)}>${a.systemId}</option>`)}</select></div>
  <div class="actions"><button type="submit">Show</button></div>
</form>`
      : '';
  if (!account) return ctx.send(request, reply, { title: 'Forwarding', current: 'forwarding', flash, status }, html`<h1>Forwarding</h1>${chooser}<p>Choose the account whose forwarding you want to see.</p>`);
  const hidden = viewer.kind === 'operator' ? html`<input type="hidden" name="account" value="${account.systemId}">` : html``;
  const fixed = (tool: 'smpp' | 'api' | 'email'): Html => {
    const value = tool === 'smpp' ? (smppReceiptsOn(store, account) ? 'on' : 'none') : tool === 'api' ? account.apiFormat : account.emailFormat;
    const choice =
      tool === 'smpp'
        ? html`<fieldset class="choice"><legend>Receipts</legend>
  <label><input type="radio" name="receipts" value="on"${attr('checked', value === 'on')}> Over the SMPP bind (deliver_sm), as the client asked</label>
  <label><input type="radio" name="receipts" value="none"${attr('checked', value === 'none')}> No forwarding</label></fieldset>`
        : formatChoice(tool, value, true);
    return html`<form method="post" action="/console/forwarding/${tool}" novalidate>${csrfField(csrf)}${hidden}${choice}${errorFor(pending, tool, 'format')}<div class="actions"><button type="submit" name="action" value="save">Save</button></div></form>`;
  };
  return ctx.send(
    request,
    reply,
    { title: 'Forwarding', current: 'forwarding', flash, status },
    html`<h1>Forwarding${viewer.kind === 'operator' ? html` <span class="sub">for ${account.systemId}</span>` : ''}</h1>
${chooser}
${ctx.deps.forwardingOn() ? '' : html`<p class="flash error" role="status">Forwarding is switched off for everyone by the operator: nothing is forwarded and no SMPP receipts are sent until it is switched on again.</p>`}
<div class="tools">
${section('console', routedForm(account, 'console', ctx, csrf, hidden, pending), 'Receipts of SMS sent from this console with "Request a delivery receipt" ticked.')}
${section('smpp', fixed('smpp'), 'Receipts of SMS submitted over SMPP go back over the bind when the client asks for them.')}
${section('api', fixed('api'), "Receipts of SMS sent over the HTTP API go to the request's notificationCallbackUrl.")}
${section('email', fixed('email'), 'Receipts of messages sent by e-mail go back to the sender, as an attachment.')}
${section('whatsapp', routedForm(account, 'whatsapp', ctx, csrf, hidden, pending), 'Status changes of WhatsApp messages, from any tool.')}
</div>`,
  );
}

/** The outcome of "Send test"; it says the form is not saved yet, since the button looks like one that would. */
function describe(result: DeliveryResult, where: string): { kind: 'ok' | 'error'; text: string } {
  const unsaved = 'Not saved yet: press Save to keep these settings.';
  if (result.outcome === 'delivered') return { kind: 'ok', text: `Test receipt delivered to ${where} (${result.code}, ${result.durationMs} ms). ${unsaved}` };
  const code = result.reason.includes(result.code) ? '' : ` (${result.code})`;
  return { kind: 'error', text: `Test receipt not delivered to ${where}: ${result.reason}${code}. ${unsaved}` };
}

/** Registers /console/forwarding and the per-tool posts. */
export function forwardingRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/forwarding', (request: FastifyRequest<{ Querystring: { account?: string; saved?: string } }>, reply) => {
    const viewer = ctx.viewer(request);
    const account = ctx.accountFor(viewer, request.query.account);
    const saved = request.query.saved;
    const flash = saved && (TOOLS as readonly string[]).includes(saved) ? { kind: 'ok' as const, text: `${TITLES[saved as Tool]} forwarding saved.` } : null;
    return render(ctx, request, reply, viewer, account, flash, null);
  });

  app.post('/forwarding/:tool', async (request: FastifyRequest<{ Params: { tool: string } }>, reply) => {
    const viewer = ctx.viewer(request);
    const tool = request.params.tool as Tool;
    if (!(TOOLS as readonly string[]).includes(tool)) throw new HttpError(404, 'not_found', `There is no tool ${request.params.tool}.`);
    const body = formOf(request.body);
    const account = ctx.accountFor(viewer, field(body, 'account'), true);
    const { store } = ctx.deps;
    const routed = tool === 'console' || tool === 'whatsapp';
    const input = routed ? inputOf(body) : undefined;
    try {
      if (field(body, 'action') === 'test') {
        if (!routed || !input || input.mode === 'none') throw new SettingsError('mode', 'Choose where to forward to before sending a test.');
        const spec = { id: 0, ...targetSpecOf(input, consoleTargetName(account, tool), store.targets.byName(consoleTargetName(account, tool))?.secret ?? null) };
        const sample = tool === 'whatsapp' ? { messageType: 'whatsapp' as const, channel: 'console' } : { messageType: 'sms' as const, channel: 'console' };
        const result = await sendTestEvent(ctx.deps.config.forwarding, spec, account.systemId, sample);
        ctx.deps.log.info({ tool, account: account.systemId, type: spec.type, outcome: result.outcome, code: result.code }, 'console: test receipt sent');
        return render(ctx, request, reply, viewer, account, describe(result, input.address), { tool, input });
      }
      if (routed) saveRouted(store, account, tool, input!);
      else if (tool === 'smpp') saveSmpp(store, account, field(body, 'receipts') !== 'none');
      else saveFixedFormat(store, account, tool, field(body, 'format'));
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      return render(ctx, request, reply, viewer, account, { kind: 'error', text: `${TITLES[tool]}: ${err.message}` }, { tool, input, error: err }, 400);
    }
    ctx.deps.changed();
    const q = new URLSearchParams({ saved: tool });
    if (viewer.kind === 'operator') q.set('account', account.systemId);
    return reply.redirect(`/console/forwarding?${q}#tool-${tool}`, 303);
  });
}
