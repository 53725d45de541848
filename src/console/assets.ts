/**
 * The console's stylesheet and script, served by smscd itself (no CDN): read once at start from
 * `assets/console/`, sent with an ETag so browsers revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** assets/console of the installed package (dist/src/console → project root). */
const DIR = new URL('../../../assets/console/', import.meta.url);
const TYPES: Record<string, string> = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' };

/** Registers GET /console/assets/<name>. */
export function assetRoutes(app: FastifyInstance): void {
  for (const [name, type] of Object.entries(TYPES)) {
    const body = readFileSync(new URL(name, DIR));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    app.get(`/assets/${name}`, (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(type).send(body);
    });
  }
}
