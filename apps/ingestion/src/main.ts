import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError, IngestionConfig, readEnv } from '@wise/config';
import { BatchPublisher, KafkaConnection } from '@wise/kafka';
import { Logger, requestIdOf } from '@wise/observability';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { logEachRequest } from './access-log';
import { IngestionModule } from './ingestion.module';
import { ReadinessService } from './health/readiness.service';
import { InstituteKeysService } from './webhooks/institute-keys.service';
import { RetryLaterFilter } from './webhooks/webhook-errors';

export async function createIngestionApp(env: NodeJS.ProcessEnv = readEnv()): Promise<NestFastifyApplication> {
  const config = IngestionConfig.parse(env);
  await ensurePostgresDatabase(config.DATABASE_URL);
  const adapter = new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES, logger: false, keepAliveTimeout: 65_000, genReqId: requestIdOf });
  // Webhook bodies are kept byte for byte, and an authenticated body that is not JSON must still
  // reach the service (to be quarantined), so every content type is read as a raw Buffer.
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(IngestionModule.forConfig(config), adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  logEachRequest(fastify, app.get(Logger));
  app.useGlobalFilters(new RetryLaterFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Wise webhook ingestion').setDescription('Receives Wise webhooks, verifies them, stores them in Kafka.').setVersion('1').build(),
  );
  fastify.get('/docs', (_req, reply) => { void reply.send(document); });

  await migratePostgres(app.get(Postgres));
  const kafka = app.get(KafkaConnection);
  await kafka.ensureTopics([
    { topic: config.KAFKA_EVENTS_TOPIC, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR },
    { topic: config.KAFKA_QUARANTINE_TOPIC, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR },
  ]);
  await app.get(BatchPublisher).connect();
  await app.get(InstituteKeysService).start();
  await app.get(ReadinessService).start();
  return app;
}

async function main(): Promise<void> {
  let app: NestFastifyApplication;
  try {
    app = await createIngestionApp();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ingestion: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const config = app.get(IngestionConfig);
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).info('ingestion listening', { url: `http://${config.HOST}:${config.PORT}`, webhooks: `${config.PUBLIC_BASE_URL}/webhooks/wise/<institute>` });
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`ingestion: could not start: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
