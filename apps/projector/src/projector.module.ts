import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClickHouse } from '@wise/clickhouse';
import { ProjectorConfig } from '@wise/config';
import { BatchConsumer, KafkaConnection, KafkaHealth, kafkaOptionsFrom } from '@wise/kafka';
import { Logger, Metrics } from '@wise/observability';
import { assertPostgresMigrated, Postgres } from '@wise/postgres';
import { BatchSink } from '@wise/projection-writer';
import { RebuildFence } from '@wise/rebuild';
import { PostgresVersions, ServingRefresh } from '@wise/serving';
import { ProjectorConsumer } from './consumer/projector.consumer';
import { projectorSink } from './consumer/projector-sink';
import { ProjectorFence } from './fence/projector-fence';
import { ProjectorMetrics } from './projector.metrics';

/** Shutdown order: stop fetching and finish the batch in hand (write, commit), then disconnect. */
@Injectable()
class ProjectorShutdown implements OnApplicationShutdown {
  constructor(
    private readonly consumer: ProjectorConsumer,
    private readonly kafkaHealth: KafkaHealth,
    private readonly serving: ServingRefresh,
    private readonly ch: ClickHouse,
    private readonly pg: Postgres,
    private readonly logger: Logger,
  ) {}
  async onApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info('projector stopping', { signal });
    this.kafkaHealth.stop();
    await this.consumer.stop();
    // On a cluster, ended rounds' partitions are dropped in batches: the last batch goes now.
    await this.serving.close().catch((e: unknown) => this.logger.warn('serving round partitions left for the next start', { err: e }));
    await Promise.all([this.ch.close(), this.pg.close()]);
  }
}

@Module({})
export class ProjectorModule {
  static forConfig(config: ProjectorConfig): DynamicModule {
    const logger = new Logger('projector', config.LOG_LEVEL);
    return {
      module: ProjectorModule,
      providers: [
        { provide: ProjectorConfig, useValue: config },
        { provide: Logger, useValue: logger },
        { provide: Metrics, useFactory: () => new Metrics('projector') },
        { provide: ProjectorMetrics, useFactory: (m: Metrics) => new ProjectorMetrics(m), inject: [Metrics] },
        {
          provide: ClickHouse,
          useFactory: () =>
            new ClickHouse({
              url: config.CLICKHOUSE_URL,
              user: config.CLICKHOUSE_USER,
              password: config.CLICKHOUSE_PASSWORD,
              database: config.CLICKHOUSE_DATABASE,
              app: 'projector',
              cluster: config.CLICKHOUSE_CLUSTER,
              servers: config.CLICKHOUSE_CLUSTER_SERVERS,
            }),
        },
        // Only for serving versions: each chain's round holds one connection for its lease and
        // versions (PostgresVersions.round); the floor check takes another.
        { provide: Postgres, useFactory: () => new Postgres(config.DATABASE_URL, 4) },
        {
          provide: KafkaConnection,
          useFactory: (log: Logger) => new KafkaConnection(kafkaOptionsFrom(config, 'projector', log)),
          inject: [Logger],
        },
        {
          provide: KafkaHealth,
          useFactory: (k: KafkaConnection, log: Logger) =>
            new KafkaHealth(
              k,
              {
                topics: [config.KAFKA_EVENTS_TOPIC, config.KAFKA_QUARANTINE_TOPIC],
                replicationFactor: config.KAFKA_REPLICATION_FACTOR,
                partitions: config.KAFKA_TOPIC_PARTITIONS,
              },
              log,
            ),
          inject: [KafkaConnection, Logger],
        },
        {
          provide: BatchConsumer,
          useFactory: (k: KafkaConnection, log: Logger) =>
            new BatchConsumer(
              k,
              {
                groupId: config.PROJECTOR_GROUP_ID,
                topics: [config.KAFKA_EVENTS_TOPIC, config.KAFKA_QUARANTINE_TOPIC],
                maxBytesPerPartition: config.PROJECTOR_BATCH_MAX_BYTES,
                minBytes: config.PROJECTOR_BATCH_MIN_BYTES,
                maxWaitMs: config.PROJECTOR_BATCH_WAIT_MS,
                // Every partition in hand at once (their batches share serving refresh rounds).
                partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
              },
              log,
            ),
          inject: [KafkaConnection, Logger],
        },
        {
          provide: ServingRefresh,
          useFactory: (ch: ClickHouse, pg: Postgres) =>
            new ServingRefresh(ch, {
              cluster: config.CLICKHOUSE_CLUSTER,
              deferDrops: true,
              // Versions from PostgreSQL's sequence, shared with every other projector and the CLI
              // (docs/serving.md). The projector's role cannot migrate: until the schema is
              // there, rounds are retried with the check's message naming the command to run.
              versions: new PostgresVersions(pg, ch, () => assertPostgresMigrated(pg, 'the projector')),
            }),
          inject: [ClickHouse, Postgres],
        },
        {
          provide: BatchSink,
          useFactory: (ch: ClickHouse, serving: ServingRefresh, log: Logger, m: ProjectorMetrics) =>
            projectorSink(ch, serving, log, m, config),
          inject: [ClickHouse, ServingRefresh, Logger, ProjectorMetrics],
        },
        {
          provide: ProjectorFence,
          useFactory: (ch: ClickHouse, c: BatchConsumer, log: Logger) => new ProjectorFence(new RebuildFence(ch), c, log),
          inject: [ClickHouse, BatchConsumer, Logger],
        },
        ProjectorConsumer,
        ProjectorShutdown,
      ],
    };
  }
}
