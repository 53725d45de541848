/** The page shell every console page shares: head, skip link, navigation, flash message. */
import { html, type Html } from './html.js';
import type { Viewer } from './console-auth.js';

/** What a page passes to the shell. */
export interface PageOptions {
  title: string;
  viewer: Viewer | null;
  /** CSRF token for the sign-out form (and any form on the page) */
  csrf: string;
  /** Which navigation entry is current. */
  current?: 'compose' | 'sent' | 'forwarding' | 'operator';
  /** A notice above the content: `ok` (green) or `error` (red, role=alert). */
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  /** ms between live updates (data attribute read by console.js). */
  pollMs: number;
}

function navLink(href: string, label: string, current: boolean): Html {
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

/** A whole HTML document. */
export function page(options: PageOptions, body: Html): Html {
  const v = options.viewer;
  const who = v === null ? null : v.kind === 'operator' ? `${v.user} (operator)` : v.account.systemId;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · smscd</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/console.js"></script>
</head>
<body data-poll-ms="${options.pollMs}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console/">smscd</a>
  ${
    v === null
      ? ''
      : html`<nav aria-label="Main"><ul>
    ${navLink('/console/compose', 'Compose', options.current === 'compose')}
    ${navLink('/console/sent', 'Sent', options.current === 'sent')}
    ${navLink('/console/forwarding', 'Forwarding', options.current === 'forwarding')}
    ${v.kind === 'operator' ? navLink('/console/operator', 'Operator', options.current === 'operator') : ''}
  </ul></nav>
  <form class="signout" method="post" action="/console/sign-out">
    <input type="hidden" name="_csrf" value="${options.csrf}">
    <span class="who">${who}</span> <button type="submit" class="link">Sign out</button>
  </form>`
  }
</header>
<main id="main" tabindex="-1">
${options.flash ? html`<p class="flash ${options.flash.kind}" role="${options.flash.kind === 'error' ? 'alert' : 'status'}">${options.flash.text}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

/** The hidden CSRF field of a form. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A time as the console shows it: UTC, to the second, in a <time> element. */
export function timeCell(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return html`<span class="none" aria-label="not yet">–</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)}</time>`;
}

/** A status as a coloured badge (colour plus the word: never colour alone). */
export function statusBadge(status: string): Html {
  const tone = ['delivered', 'read'].includes(status) ? 'good' : ['undelivered', 'expired', 'rejected', 'failed', 'deleted'].includes(status) ? 'bad' : 'wait';
  return html`<span class="badge ${tone}" data-status="${status}">${status}</span>`;
}
