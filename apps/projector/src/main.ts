import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { ClickHouse, migrateClickHouse } from '@wise/clickhouse';
import { ConfigError, ProjectorConfig, readEnv } from '@wise/config';
import { consumerLag, KafkaConnection, KafkaHealth } from '@wise/kafka';
import { jsonAnswer, Logger, Metrics, metricsAnswer, NestLogger, OperationsServer, type OperationsRoutes } from '@wise/observability';
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
  logger.info('projector starting: ClickHouse migrations, then Kafka topics, then the consumer group', {
    database: config.CLICKHOUSE_DATABASE,
  });
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
  // Joining waits until every member of the group has rejoined, i.e. until each ends its batch in hand.
  logger.info('projector joining its consumer group', { group: config.PROJECTOR_GROUP_ID });
  await consumer.start();
  // A consumer whose first join failed for good has crashed already (logged, and /ready says so).
  if (consumer.status.state !== 'crashed')
    logger.info('projector consuming', { group: config.PROJECTOR_GROUP_ID, topics, database: config.CLICKHOUSE_DATABASE });
  return app;
}

/** /health, /ready and /metrics for the projector, which has no HTTP API of its own. */
function projectorOperations(app: INestApplicationContext): OperationsRoutes {
  const consumer = app.get(ProjectorConsumer);
  const fence = app.get(ProjectorFence);
  const kafka = app.get(KafkaHealth);
  const groupId = app.get(ProjectorConfig).PROJECTOR_GROUP_ID;
  return {
    health: () => {
      const l = projectorLiveness(consumer.status);
      return jsonAnswer(l.alive ? 200 : 503, l.body);
    },
    ready: () => {
      const r = projectorReadiness(consumer.status, groupId, fence.status(), kafka.problems);
      return jsonAnswer(r.ready ? 200 : 503, r.body);
    },
    metrics: () => metricsAnswer(app.get(Metrics)),
  };
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
    const server = await OperationsServer.listen(projectorOperations(app), port, '0.0.0.0');
    process.once('SIGTERM', () => void server.close());
    process.once('SIGINT', () => void server.close());
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`projector: could not start: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
