import 'reflect-metadata';
import { createServer, RequestListener } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError, IngestionConfig, readEnv } from '@wise/config';
import { BatchPublisher, KafkaConnection, topicConfig } from '@wise/kafka';
import { Logger, Metrics, NestLogger, requestIdOf } from '@wise/observability';
import { logEachRequest } from './webhook-access-log';
import { IngestionModule } from './ingestion.module';
import { IngestionMetrics } from './ingestion.metrics';
import { ReadinessService } from './health/readiness.service';
import { ingestionOperations, OperationsPort } from './operations';
import { BodyBudget } from './webhooks/body-budget';
import { InstituteKeysService } from './webhooks/institute-keys.service';
import { installEarlyAnswers } from './webhooks/early-answer';
import { installWebhookGuard } from './webhooks/webhook-guard';
import { describeWebhookRoute, installWebhookRoute } from './webhooks/webhook-route';
import { WebhooksService } from './webhooks/webhooks.service';
import { isIngestionWorker, joinPrimary, runPrimary } from './workers';

// Node checks request and header timeouts on this interval (30 s by default), so a slow sender
// would otherwise hold its connection up to 30 s past REQUEST_TIMEOUT_MS.
const TIMEOUT_CHECK_MS = 1000;

/** The app, built from a configuration main() parsed once (ConfigError names every bad variable). */
export async function createIngestionApp(config: IngestionConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    logger: false,
    genReqId: requestIdOf,
    // Headers and body must both arrive within REQUEST_TIMEOUT_MS (slowloris), an idle socket is
    // closed after it, and a kept-alive one after KEEP_ALIVE_TIMEOUT_MS.
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    serverFactory: (handler: RequestListener) =>
      createServer(
        {
          requestTimeout: config.REQUEST_TIMEOUT_MS,
          headersTimeout: config.REQUEST_TIMEOUT_MS,
          keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
          connectionsCheckingInterval: TIMEOUT_CHECK_MS,
        },
        handler,
      ),
  });
  // Webhook bodies are kept byte for byte, and an authenticated body that is not JSON must still
  // reach the service (to be quarantined), so every content type is read as a raw Buffer (the
  // guard removes a webhook's Content-Type, which Fastify would otherwise refuse when malformed).
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(IngestionModule.forConfig(config), adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new NestLogger(app.get(Logger)));
  logEachRequest(fastify, app.get(Logger));
  installEarlyAnswers(fastify, config.REQUEST_TIMEOUT_MS);
  app.enableShutdownHooks();
  installWebhookGuard(fastify, app.get(InstituteKeysService), app.get(IngestionMetrics), app.get(Logger), {
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    budget: new BodyBudget(config.INGEST_QUEUE_MAX_BYTES, config.INGEST_INSTITUTE_MAX_BYTES),
    // A body arrives within REQUEST_TIMEOUT_MS and Kafka answers within INGEST_SEND_TIMEOUT_MS.
    retryAfterSeconds: Math.ceil((config.REQUEST_TIMEOUT_MS + config.INGEST_SEND_TIMEOUT_MS) / 1000),
  });

  installWebhookRoute(fastify, app.get(WebhooksService), app.get(Logger));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Wise webhook ingestion')
      .setDescription('Receives Wise webhooks, verifies them, stores them in Kafka.')
      .setVersion('1')
      .build(),
  );
  describeWebhookRoute(document);

  const kafka = app.get(KafkaConnection);
  const topicSettings = topicConfig({
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    retentionMs: config.KAFKA_RETENTION_MS,
  });
  await kafka.ensureTopics([
    {
      topic: config.KAFKA_EVENTS_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      config: topicSettings,
    },
    {
      topic: config.KAFKA_QUARANTINE_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      config: topicSettings,
    },
  ]);
  await app.get(BatchPublisher).connect();
  await app.get(InstituteKeysService).start();
  await app.get(ReadinessService).start();
  app.get(OperationsPort).serve(ingestionOperations(app.get(ReadinessService), app.get(Metrics), document));
  return app;
}

async function main(): Promise<void> {
  let config: IngestionConfig;
  try {
    config = IngestionConfig.parse(readEnv());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ingestion: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (config.INGEST_WORKERS > 1 && !isIngestionWorker()) return runPrimary(config);
  const app = await createIngestionApp(config);
  // Under INGEST_WORKERS the primary serves OPS_PORT for all workers and asks each worker's on loopback.
  const ops = isIngestionWorker()
    ? await app.get(OperationsPort).listen(0, '127.0.0.1')
    : await app.get(OperationsPort).listen(config.OPS_PORT, config.OPS_HOST);
  await app.listen(config.PORT, config.HOST);
  if (isIngestionWorker()) joinPrimary(app.get(Metrics).registry, ops.port);
  app.get(Logger).info('ingestion listening', {
    url: `http://${config.HOST}:${config.PORT}`,
    webhooks: `${config.PUBLIC_BASE_URL}/webhooks/wise/<institute>`,
    operations: ops.url,
    ...(isIngestionWorker() ? { pid: process.pid } : {}),
  });
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`ingestion: could not start: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
