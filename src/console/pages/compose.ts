/**
 * Compose: an SMS or WhatsApp message to one or more recipients, through the same path as the
 * HTTP API (textMessage → simulator → group commit), with channel `console`. The "request a
 * receipt" box asks for a final receipt (success or failure), which the console tool's
 * forwarding settings then send on. Answered only once every message is committed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { smsText } from '../../intake/sms-text.js';
import { newTransferId, submitAll, textMessage } from '../../intake/text-message.js';
import type { Submission } from '../../smpp/context.js';
import type { Account } from '../../store/accounts.js';
import type { ConsoleContext } from '../context.js';
import type { Viewer } from '../console-auth.js';
import { field, formOf, type FormBody } from '../form.js';
import { attr, html, type Html } from '../html.js';
import { csrfField } from '../layout.js';

const MAX_RECIPIENTS = 100;
const MAX_SMS_TEXT = 1530;
const MAX_WHATSAPP_TEXT = 4096;

/** The form's values, as typed. */
interface ComposeValues {
  account: string;
  type: 'sms' | 'whatsapp';
  recipients: string;
  sender: string;
  text: string;
  receipt: boolean;
}

type Errors = Partial<Record<keyof ComposeValues, string>>;

const EMPTY: ComposeValues = { account: '', type: 'sms', recipients: '', sender: '', text: '', receipt: true };

/** Recipients separated by commas, semicolons, spaces or lines; the error names the one that is wrong. */
export function parseRecipients(text: string): { list: string[]; error: string | null } {
  const entries = text.split(/[\s,;]+/).filter(Boolean);
  if (entries.length === 0) return { list: [], error: 'Enter at least one recipient.' };
  if (entries.length > MAX_RECIPIENTS) return { list: [], error: `At most ${MAX_RECIPIENTS} recipients at once (you entered ${entries.length}).` };
  const list: string[] = [];
  for (const entry of entries) {
    const digits = entry.replace(/^(\+|00)/, '');
    if (!/^[1-9][0-9]{5,19}$/.test(digits)) return { list: [], error: `"${entry}" is not a phone number in international format (e.g. +436991234567).` };
    if (!list.includes(digits)) list.push(digits);
  }
  return { list, error: null };
}

function validate(values: ComposeValues): { recipients: string[]; errors: Errors } {
  const errors: Errors = {};
  const { list, error } = parseRecipients(values.recipients);
  if (error) errors.recipients = error;
  const max = values.type === 'sms' ? MAX_SMS_TEXT : MAX_WHATSAPP_TEXT;
  if (values.text.length === 0) errors.text = 'Enter the text of the message.';
  else if (values.text.length > max) errors.text = `The text is ${values.text.length} characters long; at most ${max}.`;
  if (values.type === 'sms' && values.sender && !(/^\+?[0-9]{1,20}$/.test(values.sender) || /^[A-Za-z0-9 ._-]{1,11}$/.test(values.sender))) {
    errors.sender = 'A sender is a number of up to 20 digits or up to 11 letters and digits.';
  }
  return { recipients: list, errors };
}

function read(body: FormBody): ComposeValues {
  return {
    account: field(body, 'account'),
    type: field(body, 'type') === 'whatsapp' ? 'whatsapp' : 'sms',
    recipients: field(body, 'recipients'),
    sender: field(body, 'sender'),
    // Browsers send line ends as CRLF; the handset gets LF, which also counts as one character.
    text: (typeof body.text === 'string' ? body.text : '').replace(/\r\n/g, '\n').trim(),
    receipt: field(body, 'receipt') === 'yes',
  };
}

/** A form field's error, linked to its input by id. */
function errorOf(errors: Errors, name: keyof ComposeValues): Html {
  const text = errors[name];
  return text ? html`<p class="field-error" id="${name}-error">${text}</p>` : html``;
}

const invalid = (errors: Errors, name: keyof ComposeValues): Html => (errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : html``);

function counterText(values: ComposeValues): string {
  if (values.type === 'whatsapp') return `${values.text.length} characters`;
  const encoded = smsText(values.text);
  return `${values.text.length} characters · ${encoded.dataCoding === 0 ? 'GSM 7-bit' : 'UCS-2'} · ${encoded.parts} SMS`;
}

/** `problem`: why nothing was sent when no one field is to blame (the rate limit). */
function render(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, viewer: Viewer, values: ComposeValues, errors: Errors, status = 200, problem: string | null = null): FastifyReply {
  const csrf = ctx.csrf(request, reply);
  const accounts = viewer.kind === 'operator' ? ctx.deps.store.accounts.list() : [];
  const failed = Object.keys(errors).length > 0;
  const flash = problem ? { kind: 'error' as const, text: problem } : failed ? { kind: 'error' as const, text: 'The message was not sent: see the marked fields.' } : null;
  return ctx.send(
    request,
    reply,
    { title: 'Compose', current: 'compose', status, flash },
    html`<h1>Compose</h1>
<form method="post" action="/console/compose" class="card compose" novalidate>
  ${csrfField(csrf)}
  ${
    viewer.kind === 'operator'
      ? html`<label for="account">Account</label>
  <select id="account" name="account" required${invalid(errors, 'account')}>
    <option value="">Choose an account</option>
    ${accounts.map((a) => html`<option value="${a.systemId}"${attr('selected', a.systemId === values.account)}>${a.systemId}</option>`)}
  </select>${errorOf(errors, 'account')}`
      : ''
  }
  <fieldset class="choice">
    <legend>Send as</legend>
    <label><input type="radio" name="type" value="sms"${attr('checked', values.type === 'sms')}> SMS</label>
    <label><input type="radio" name="type" value="whatsapp"${attr('checked', values.type === 'whatsapp')}> WhatsApp</label>
  </fieldset>
  <label for="recipients">Recipients</label>
  <p class="hint" id="recipients-hint">Phone numbers in international format, separated by commas or new lines.</p>
  <textarea id="recipients" name="recipients" rows="2" required aria-describedby="recipients-hint${errors.recipients ? ' recipients-error' : ''}"${errors.recipients ? html` aria-invalid="true"` : ''}>${values.recipients}</textarea>
  ${errorOf(errors, 'recipients')}
  <div data-sms-only>
    <label for="sender">Sender <span class="optional">(optional)</span></label>
    <input id="sender" name="sender" maxlength="21" value="${values.sender}"${invalid(errors, 'sender')}>
    ${errorOf(errors, 'sender')}
  </div>
  <label for="text">Text</label>
  <textarea id="text" name="text" rows="5" required aria-describedby="counter${errors.text ? ' text-error' : ''}"${errors.text ? html` aria-invalid="true"` : ''}>${values.text}</textarea>
  <output id="counter" for="text" aria-live="polite" data-counter>${counterText(values)}</output>
  ${errorOf(errors, 'text')}
  <div data-sms-only>
    <label class="check"><input type="checkbox" name="receipt" value="yes"${attr('checked', values.receipt)}> Request a delivery receipt</label>
  </div>
  <button type="submit">Send</button>
</form>`,
  );
}

/** Registers /console/compose. */
export function composeRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/compose', (request, reply) => render(ctx, request, reply, ctx.viewer(request), EMPTY, {}));

  app.post('/compose', async (request, reply) => {
    const viewer = ctx.viewer(request);
    const values = read(formOf(request.body));
    const { recipients, errors } = validate(values);
    let account: Account | null = null;
    if (viewer.kind === 'account') account = viewer.account;
    else if (!values.account) errors.account = 'Choose the account the message is sent for.';
    else {
      account = ctx.deps.store.accounts.bySystemId(values.account) ?? null;
      if (!account) errors.account = `There is no account ${values.account}.`;
    }
    if (Object.keys(errors).length > 0 || !account) return render(ctx, request, reply, viewer, values, errors, 400);

    const { deps } = ctx;
    if (!deps.takeTokens(account, recipients.length)) {
      deps.metrics.submits.inc({ channel: 'console', result: 'throttled' });
      // The form comes back as typed, so "send again" is one click, not retyping the message.
      const problem = `Not sent: over the account's rate of ${account.rate} messages per second${recipients.length > 1 ? ` (${recipients.length} recipients count as ${recipients.length} messages)` : ''}. Wait a moment and send again.`;
      return render(ctx, request, reply.header('retry-after', '1'), viewer, values, {}, 429, problem);
    }
    const now = Date.now();
    const transferId = recipients.length > 1 ? newTransferId(now) : null;
    const submissions: Submission[] = [];
    for (const recipient of recipients) {
      const message = textMessage({
        accountId: account.id,
        channel: 'console',
        messageType: values.type,
        recipient,
        sender: values.type === 'sms' ? values.sender : '',
        text: values.text,
        clientRef: null,
        transferId,
        callbackTargetId: null,
        receipt: values.type === 'sms' && values.receipt,
        expiresAt: null,
        now,
      });
      if (values.type === 'whatsapp') {
        submissions.push({ message, plan: deps.whatsapp.plan(now) });
        continue;
      }
      const decision = deps.simulator.decide(message, now);
      if (decision.kind === 'refuse') {
        return render(ctx, request, reply, viewer, values, { recipients: `${recipient} is a test number that refuses every message (${decision.submitError}).` }, 400);
      }
      submissions.push({ message, plan: decision.plan });
    }
    // Durable before acknowledged: the redirect to Sent comes after the commit.
    const ids = await submitAll(deps.intake, submissions);
    deps.metrics.submits.inc({ channel: 'console', result: 'accepted' }, ids.length);
    const sent = new URLSearchParams({ sent: String(ids.length) });
    if (viewer.kind === 'operator') sent.set('account', account.systemId);
    return reply.redirect(`/console/sent?${sent}`, 303);
  });
}
