/**
 * The HTTP API (fastify): websms-compatible sending, WhatsApp, message status, health, metrics.
 * Every refusal is an HttpError answered in the route family's shape: websms routes
 * `{statusCode, statusMessage}`, the rest `{error: {code, message}}`. Body size, JSON syntax and
 * content type problems get clear 4xx answers; anything unexpected is logged and answered 500.
 * With `http.tls` the port serves HTTPS only.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { readPem } from '../config/read-pem.js';
import { HttpError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { healthRoutes } from './health.js';
import { messageRoutes } from './messages.js';
import { websmsRoutes, WebsmsStatus } from './websms.js';
import { whatsappRoutes } from './whatsapp.js';

/** ms a connection may stay silent (idle, or stalled mid-request) before it is closed. */
export const CONNECTION_IDLE_MS = 60_000;
/** ms a client has to send a whole request (headers and body) once it has started one. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Builds the API (not yet listening). */
export function buildApi(deps: ApiDeps): FastifyInstance {
  // Without these (fastify's defaults are 0 = none) a client that connects and sends nothing, or
  // half a request, holds its socket forever: a few thousand such connections exhaust the server.
  const options = { bodyLimit: deps.config.http.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: true, connectionTimeout: CONNECTION_IDLE_MS, requestTimeout: REQUEST_TIMEOUT_MS } as const;
  const tls = deps.config.http.tls;
  // The routes do not care whether the server is http or https; fastify's types do, hence the cast.
  const app = tls
    ? (Fastify({ ...options, https: { key: readPem(tls.key, 'http.tls.key'), cert: readPem(tls.cert, 'http.tls.cert') } }) as unknown as FastifyInstance)
    : Fastify(options);

  // Only JSON bodies: without this a JSON text sent as text/plain would reach the routes as a string.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    const websms = request.url.startsWith('/rest/');
    let status: number;
    let code: number | string;
    let message: string;
    if (err instanceof HttpError) {
      ({ status, code, message } = err);
      for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
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
