import 'reflect-metadata';
import { createServer, Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { ClickHouse, migrateClickHouse } from '@wise/clickhouse';
import { ConfigError, ProjectorConfig, readEnv } from '@wise/config';
import { consumerLag, KafkaConnection, KafkaHealth } from '@wise/kafka';
import { Logger, Metrics, NestLogger } from '@wise/observability';
import { dropStaleRounds } from '@wise/serving';
import { ProjectorConsumer } from './consumer/projector.consumer';
import { ProjectorMetrics } from './projector.metrics';
import { ProjectorModule } from './projector.module';
import { ProjectorFence } from './fence/projector-fence';
import { projectorLiveness, projectorReadiness } from './projector.readiness';

// Rounds last seconds; one this old was cut short by a crash or kill.
const STALE_ROUND_MS = 60 * 60 * 1000;

/** Builds the projector, applies ClickHouse migrations, ensures topics, starts consuming. */
export async function startProjector(env: NodeJS.ProcessEnv = readEnv()): Promise<INestApplicationContext> {
  const config = ProjectorConfig.parse(env);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forConfig(config), { bufferLogs: true });
  app.useLogger(new NestLogger(app.get(Logger)));
  app.enableShutdownHooks();
  const logger = app.get(Logger);
  const applied = await migrateClickHouse(app.get(ClickHouse), undefined, config.CLICKHOUSE_CLUSTER);
  if (applied.length > 0) logger.info('ClickHouse migrations applied', { applied });
  const stale = await dropStaleRounds(app.get(ClickHouse), STALE_ROUND_MS, config.CLICKHOUSE_CLUSTER);
  if (stale > 0) logger.info('dropped the keys of serving refresh rounds a stop interrupted', { rounds: stale });
  const kafka = app.get(KafkaConnection);
  const topics = [config.KAFKA_EVENTS_TOPIC, config.KAFKA_QUARANTINE_TOPIC];
  await kafka.ensureTopics(
    topics.map((topic) => ({ topic, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR })),
  );
  app.get(ProjectorMetrics).exportConsumerLag(
    () => kafka.withAdmin((admin) => consumerLag(admin, config.PROJECTOR_GROUP_ID, topics)),
    (error) => logger.debug('consumer lag not read from Kafka for this scrape', { error }),
  );
  await app.get(KafkaHealth).start();
  const consumer = app.get(ProjectorConsumer);
  await consumer.start();
  // A consumer whose first join failed for good has crashed already (logged, and /ready says so).
  if (consumer.status.state !== 'crashed')
    logger.info('projector consuming', { group: config.PROJECTOR_GROUP_ID, topics, database: config.CLICKHOUSE_DATABASE });
  return app;
}

/** /health, /ready and /metrics for the projector, which has no HTTP API of its own. */
function serveOperations(app: INestApplicationContext, port: number): Server {
  const metrics = app.get(Metrics);
  const consumer = app.get(ProjectorConsumer);
  const fence = app.get(ProjectorFence);
  const kafka = app.get(KafkaHealth);
  const groupId = app.get(ProjectorConfig).PROJECTOR_GROUP_ID;
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    } else if (req.url === '/health') {
      const l = projectorLiveness(consumer.status);
      res.writeHead(l.alive ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(l.body));
    } else if (req.url === '/ready') {
      const r = projectorReadiness(consumer.status, groupId, fence.status(), kafka.problems);
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    } else {
      res.writeHead(404).end();
    }
  }).listen(port, '0.0.0.0');
}

async function main(): Promise<void> {
  let app: INestApplicationContext;
  try {
    app = await startProjector();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`projector: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const port = app.get(ProjectorConfig).PROJECTOR_METRICS_PORT;
  if (port > 0) {
    const server = serveOperations(app, port);
    process.once('SIGTERM', () => server.close());
    process.once('SIGINT', () => server.close());
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`projector: could not start: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
