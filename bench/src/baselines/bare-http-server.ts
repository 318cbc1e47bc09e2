// The HTTP ceiling: a bare Fastify endpoint that reads the JSON body and answers 201, run as its
// own process like a service. Prints its port on stdout.
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/orders', async (_request, reply) =>
    reply.code(201).send({ id: 'x', status: 'PENDING' }),
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${new URL(address).port}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
