import Fastify from 'fastify';

/*
 * The ingestion baseline: a bare Fastify server on the same route that reads the body as bytes,
 * parses it with JSON.parse and answers 200. No key check, no validation, no Kafka: the cost of
 * HTTP and JSON alone, run as its own process exactly as ingestion is. Only the bench imports
 * fastify directly. Port from argv[2] (0 = any; the chosen port is printed).
 */
async function main(): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, keepAliveTimeout: 65_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/wise/:institute', async (req) => {
    const parsed = JSON.parse((req.body as Buffer).toString('utf8')) as { event?: unknown };
    return { status: 'accepted', event: typeof parsed.event === 'string' ? parsed.event : null };
  });
  app.get('/health', async () => ({ status: 'ok' }));
  const address = await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
  process.stdout.write(`baseline listening ${address}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: Error) => {
  process.stderr.write(`baseline: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
