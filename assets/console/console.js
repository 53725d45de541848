// @ts-check
// smscd console: the parts that need a script. Every form works without it.
// - the character and part counter of the compose form (GSM 03.38 vs UCS-2, as the server counts)
// - fields shown or hidden by a choice (SMS-only fields, destination fields)
// - live updates: elements with data-live are re-fetched every data-poll-ms (body) and replaced
//   when they changed, while the tab is visible.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

/** @param {string} text @returns {{ chars: number, encoding: string, parts: number }} */
export function countSms(text) {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { chars: text.length, encoding: 'GSM 7-bit', parts: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  // UTF-16 code units are UCS-2 characters on air: characters outside the BMP take two.
  const units = text.length;
  return { chars: units, encoding: 'UCS-2', parts: units <= 70 ? 1 : Math.ceil(units / 67) };
}

function composeForm() {
  const form = document.querySelector('form.compose');
  if (!form) return;
  const text = /** @type {HTMLTextAreaElement} */ (form.querySelector('#text'));
  const counter = form.querySelector('[data-counter]');
  const smsOnly = form.querySelectorAll('[data-sms-only]');
  const type = () => /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="type"]:checked'))?.value ?? 'sms';
  const update = () => {
    const sms = type() === 'sms';
    smsOnly.forEach((el) => ((/** @type {HTMLElement} */ (el)).hidden = !sms));
    if (!counter) return;
    const value = text.value.replace(/\r\n/g, '\n');
    if (!sms) counter.textContent = `${value.length} characters`;
    else {
      const c = countSms(value);
      counter.textContent = `${c.chars} characters · ${c.encoding} · ${c.parts} SMS`;
    }
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();
}

function destinationForms() {
  document.querySelectorAll('form[data-destination-form]').forEach((form) => {
    const update = () => {
      const mode = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="mode"]:checked'))?.value ?? 'none';
      form.querySelectorAll('[data-needs-destination]').forEach((el) => ((/** @type {HTMLElement} */ (el)).hidden = mode === 'none'));
      form.querySelectorAll('[data-http-only]').forEach((el) => ((/** @type {HTMLElement} */ (el)).hidden = mode !== 'http'));
    };
    form.addEventListener('change', update);
    update();
  });
}

/**
 * Replaces the content of `el`. A keyboard user whose focus is on a link or button inside it
 * would otherwise be thrown back to the top of the page at every status change: focus moves to
 * the same link (same href) or button (same name and value) in the new content.
 * @param {Element} el @param {string} body
 */
function replaceKeepingFocus(el, body) {
  const active = document.activeElement;
  /** @type {string | null} */
  let selector = null;
  if (active && el.contains(active)) {
    const href = active.getAttribute('href');
    if (href) selector = `a[href="${CSS.escape(href)}"]`;
    else if (active.tagName === 'BUTTON') selector = `button[name="${CSS.escape(active.getAttribute('name') ?? '')}"][value="${CSS.escape(active.getAttribute('value') ?? '')}"]`;
  }
  el.innerHTML = body;
  if (selector) /** @type {HTMLElement | null} */ (el.querySelector(selector))?.focus();
}

/** Tells the user, at the top of the page, that the statuses shown are no longer updated. @param {string} why */
function liveStopped(why) {
  const main = document.querySelector('main');
  if (!main) return;
  const note = document.createElement('p');
  note.className = 'flash error';
  note.setAttribute('role', 'alert');
  note.dataset.liveStopped = '';
  note.append(`Live updates stopped: ${why}. `);
  const link = document.createElement('a');
  link.href = `/console/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`;
  link.textContent = 'Sign in again';
  note.append(link);
  main.prepend(note);
}

function liveUpdates() {
  const live = document.querySelectorAll('[data-live]');
  if (live.length === 0) return;
  const every = Number(document.body.dataset.pollMs) || 1500;
  let stopped = false;
  /** @type {Map<Element, string>} what each element was last filled with, to replace only on change */
  const last = new Map();
  const tick = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      for (const el of live) {
        const url = el.getAttribute('data-live');
        if (!url) continue;
        try {
          const res = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
          // Signed out, or the page is gone: stop asking, and say so — a page that silently
          // stops changing looks like messages that stopped changing.
          if (res.status === 401 || res.status === 403 || res.status === 404) {
            if (!stopped) liveStopped(res.status === 401 ? 'you are signed out (or the session ended)' : 'this page is no longer available');
            stopped = true;
          }
          if (!res.ok) continue;
          const body = await res.text();
          if (body !== last.get(el)) {
            last.set(el, body);
            replaceKeepingFocus(el, body);
          }
        } catch {
          // the server is restarting: try again next time
        }
      }
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

composeForm();
destinationForms();
liveUpdates();
