/** `GET /healthz` (database and listeners) and `GET /metrics` (Prometheus text format). */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';

/** Registers health and metrics. */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async (_request, reply) => {
    const { ok, checks } = deps.health();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unhealthy', checks });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
