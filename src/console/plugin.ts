/**
 * The web console (served by the HTTP server under /console/): server-rendered pages, forms
 * that work without JavaScript, and a small script for the live parts (status updates, the
 * character counter). Everything here goes through the same store, intake and rules as the
 * API and the CLI.
 *
 * Every page but sign-in needs a session; every POST needs the CSRF token. Errors are answered
 * as pages in the console's look, with the HTTP status that names the problem.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { assetRoutes } from './assets.js';
import { ConsoleAuth } from './console-auth.js';
import { ConsoleContext } from './context.js';
import type { ConsoleDeps } from './deps.js';
import { field, parseForm, type FormBody } from './form.js';
import { html } from './html.js';
import { composeRoutes } from './pages/compose.js';
import { forwardingRoutes } from './pages/forwarding.js';
import { messageRoutes } from './pages/message.js';
import { operatorRoutes } from './pages/operator.js';
import { sentRoutes } from './pages/sent.js';
import { signInRoutes } from './pages/sign-in.js';

/** Pages that need no session. */
const PUBLIC = new Set(['/console/sign-in', '/console/assets/console.css', '/console/assets/console.js']);

const SECURITY_HEADERS = {
  // Scripts and styles only from smscd itself; nothing may frame the console.
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const;

/** Registers the console on `app`. */
export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  const auth = new ConsoleAuth(deps.store, deps.operator.user, deps.config.console.sessionHours, deps.config.http.tls !== null);
  const ctx = new ConsoleContext(deps, auth);

  void app.register(
    async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, parseForm(String(body))));

      scope.addHook('onSend', async (request, reply, payload) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
        if (!request.url.startsWith('/console/assets/')) reply.header('cache-control', 'no-store');
        return payload;
      });

      scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
        const path = request.url.split('?')[0]!;
        if (request.method === 'POST') auth.checkCsrf(request, field((request.body ?? {}) as FormBody, '_csrf'));
        if (PUBLIC.has(path)) return;
        const viewer = auth.viewer(request);
        if (viewer) {
          ctx.setViewer(request, viewer);
          return;
        }
        // Live updates of a signed-out page: a status the script understands, not a sign-in page.
        if (request.method !== 'GET' || path.endsWith('/rows') || path.endsWith('/live')) throw new HttpError(401, 'signed_out', 'You are not signed in (or the session has ended): sign in again.');
        return reply.redirect(`/console/sign-in?next=${encodeURIComponent(request.url)}`, 303);
      });

      scope.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
        let status = 500;
        let text = 'Something went wrong on our side; it has been logged.';
        if (err instanceof HttpError) {
          status = err.status;
          text = err.message;
          for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
        } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
          status = err.statusCode;
          text = status === 413 ? 'The form is too large.' : status === 415 ? 'The form was not sent as a form.' : err.message;
        } else {
          deps.log.error({ err, url: request.url }, 'console request failed');
        }
        const title = status === 403 ? 'Refused' : status === 404 ? 'Not found' : status === 401 ? 'Signed out' : status >= 500 ? 'Error' : 'Not done';
        return ctx.send(request, reply, { title, status, flash: { kind: 'error', text } }, html`<h1>${title}</h1><p><a href="/console/">Back to the console</a></p>`);
      });

      scope.setNotFoundHandler((request, reply) =>
        ctx.send(request, reply, { title: 'Not found', status: 404, flash: { kind: 'error', text: `There is no page ${request.url.split('?')[0]}.` } }, html`<h1>Not found</h1><p><a href="/console/">Back to the console</a></p>`),
      );

      scope.get('/', (request, reply) => reply.redirect(auth.viewer(request) ? '/console/sent' : '/console/sign-in', 303));
      assetRoutes(scope);
      signInRoutes(scope, ctx);
      composeRoutes(scope, ctx);
      sentRoutes(scope, ctx);
      messageRoutes(scope, ctx);
      forwardingRoutes(scope, ctx);
      operatorRoutes(scope, ctx);
    },
    { prefix: '/console' },
  );
}
