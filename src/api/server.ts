/**
 * The HTTP API (fastify): websms-compatible sending, WhatsApp, message status, health, metrics.
 * Every refusal is an HttpError answered in the route family's shape: websms routes
 * `{statusCode, statusMessage}`, the rest `{error: {code, message}}`. Body size, JSON syntax and
 * content type problems get clear 4xx answers; anything unexpected is logged and answered 500.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { healthRoutes } from './health.js';
import { messageRoutes } from './messages.js';
import { websmsRoutes, WebsmsStatus } from './websms.js';
import { whatsappRoutes } from './whatsapp.js';

/** Builds the API (not yet listening). */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ bodyLimit: deps.config.http.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: true });

  // Only JSON bodies: without this a JSON text sent as text/plain would reach the routes as a string.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    const websms = request.url.startsWith('/rest/');
    let status: number;
    let code: number | string;
    let message: string;
    if (err instanceof HttpError) {
      ({ status, code, message } = err);
    } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      // fastify's own refusals: malformed JSON (400), body too large (413), unsupported content type (415).
      status = err.statusCode;
      code = websms ? WebsmsStatus.MISSING_PARAMETER : ('code' in err && typeof err.code === 'string' ? err.code.toLowerCase() : 'bad_request');
      message = err.message;
    } else {
      deps.log.error({ err, url: request.url }, 'API request failed');
      status = 500;
      code = websms ? WebsmsStatus.INTERNAL_ERROR : 'internal_error';
      message = 'internal error';
    }
    if (status === 401) reply.header('www-authenticate', 'Basic realm="smscd", Bearer');
    return websms ? reply.code(status).send({ statusCode: code, statusMessage: message }) : reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } }));

  websmsRoutes(app, deps);
  whatsappRoutes(app, deps);
  messageRoutes(app, deps);
  healthRoutes(app, deps);
  return app;
}
