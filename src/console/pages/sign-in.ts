/**
 * Sign-in and sign-out. An account signs in with its systemId and password, the operator with
 * the configured operator credentials. Failures count toward the same brute-force limits as
 * SMPP binds and API logins (src/security): the answer is held back, and a locked address or
 * user name is refused (429) before any password is checked.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { plainAddress } from '../../smpp/ip-allow.js';
import { verifyPassword } from '../../store/secrets.js';
import type { ConsoleContext } from '../context.js';
import { field, formOf } from '../form.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import { isOperator } from '../operator.js';

/** Only console paths are followed after sign-in (no open redirect). */
function safeNext(next: string): string {
  return /^\/console\/[A-Za-z0-9/_?=&%.-]*$/.test(next) && !next.startsWith('/console//') ? next : '/console/sent';
}

function form(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, values: { user: string; next: string }, error: string | null, status = 200): FastifyReply {
  const csrf = ctx.csrf(request, reply);
  return ctx.send(
    request,
    reply,
    { title: 'Sign in', flash: error ? { kind: 'error', text: error } : null, status },
    html`<section class="card narrow">
  <h1>Sign in</h1>
  <form method="post" action="/console/sign-in" novalidate>
    ${csrfField(csrf)}
    <input type="hidden" name="next" value="${values.next}">
    <label for="user">System ID</label>
    <input id="user" name="user" autocomplete="username" required value="${values.user}"${error ? html` aria-invalid="true"` : ''}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required${error ? html` aria-invalid="true"` : ''}>
    <button type="submit">Sign in</button>
  </form>
  <p class="hint">Use your account's SMPP system ID and password.</p>
</section>`,
  );
}

/** Registers /console/sign-in and /console/sign-out. */
export function signInRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/sign-in', (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
    if (ctx.auth.viewer(request)) return reply.redirect('/console/sent', 303);
    return form(ctx, request, reply, { user: '', next: safeNext(String(request.query.next ?? '')) }, null);
  });

  app.post('/sign-in', async (request, reply) => {
    const body = formOf(request.body);
    const user = field(body, 'user');
    const password = field(body, 'password');
    const next = safeNext(field(body, 'next'));
    if (!user || !password) return form(ctx, request, reply, { user, next }, 'Enter your system ID and password.', 400);
    const attempt = { address: plainAddress(request.ip), systemId: user };
    const { guard, store, operator } = ctx.deps;
    const locked = guard.locked(attempt);
    if (locked) return form(ctx, request, reply.header('retry-after', String(locked.retryAfterSec)), { user, next }, `Too many failed sign-ins: try again in ${locked.retryAfterSec} s.`, 429);
    let signedIn = false;
    if (user === operator.user) {
      if (await isOperator(operator, user, password)) {
        ctx.auth.signIn(reply, { kind: 'operator', user });
        signedIn = true;
      }
    } else {
      const account = store.accounts.bySystemId(user);
      if (account && (await verifyPassword(password, account.passwordHash))) {
        ctx.auth.signIn(reply, { kind: 'account', account });
        signedIn = true;
      }
    }
    if (!signedIn) {
      await guard.failed(attempt);
      return form(ctx, request, reply, { user, next }, 'Wrong system ID or password.', 401);
    }
    guard.succeeded(attempt);
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', (request, reply) => {
    ctx.auth.signOut(request, reply);
    return reply.redirect('/console/sign-in', 303);
  });
}
