// The reference server of the API benchmark (bench/api.ts): a bare fastify route that does the
// least a websms-compatible send endpoint must do — parse the JSON body and answer the websms
// success document — and stores nothing. smscd's API is measured against this ceiling, so nothing
// here may cost more than building the answer.
//
// Run as a child process: prints one JSON line {"port":N} on stdout once it listens.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });

app.post('/rest/smsmessaging/text', async (request, reply) => {
  const body = request.body as { clientMessageId?: unknown } | null;
  const clientMessageId = typeof body?.clientMessageId === 'string' ? body.clientMessageId : null;
  return reply.code(200).send({ statusCode: 2000, statusMessage: 'OK', transferId: randomBytes(10).toString('hex'), clientMessageId, smsCount: 1 });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);

// The benchmark stops us with SIGTERM; exit promptly without waiting for open connections.
process.on('SIGTERM', () => process.exit(0));
