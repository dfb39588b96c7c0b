import cluster from 'node:cluster';
import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { IngestionConfig } from '@wise/config';
import { BatchPublisher, KafkaConnection, KafkaHealth, kafkaOptionsFrom, maxRecordBytes } from '@wise/kafka';
import { Logger, Metrics } from '@wise/observability';
import { assertPostgresMigrated, EventGenerationsRepository, InstitutesRepository, Postgres } from '@wise/postgres';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { IngestionMetrics } from './ingestion.metrics';
import { OperationsServer } from './operations';
import { EventIdentityService } from './webhooks/event-identity.service';
import { InstituteKeysService } from './webhooks/institute-keys.service';
import { WebhooksService } from './webhooks/webhooks.service';

/** Sends what is queued and closes connections after the HTTP server stopped taking requests. */
@Injectable()
class IngestionShutdown implements OnApplicationShutdown {
  constructor(
    private readonly publisher: BatchPublisher,
    private readonly pg: Postgres,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    await this.pg.close();
  }
}

@Module({
  // /metrics and /docs are served on OPS_PORT (see main.ts); /health and /ready on both ports. The
  // webhook route is a plain Fastify route (webhooks/webhook-route.ts).
  controllers: [HealthController],
  providers: [
    { provide: Metrics, useFactory: () => new Metrics('ingestion') },
    { provide: IngestionMetrics, useFactory: (m: Metrics) => new IngestionMetrics(m), inject: [Metrics] },
    // Institutes' keys, and the generations of timeless events (one short statement per such webhook).
    { provide: Postgres, useFactory: (c: IngestionConfig) => new Postgres(c.DATABASE_URL, 4), inject: [IngestionConfig] },
    { provide: InstitutesRepository, useFactory: (pg: Postgres) => new InstitutesRepository(pg), inject: [Postgres] },
    { provide: EventGenerationsRepository, useFactory: (pg: Postgres) => new EventGenerationsRepository(pg), inject: [Postgres] },
    {
      provide: EventIdentityService,
      useFactory: (r: EventGenerationsRepository, m: IngestionMetrics, log: Logger) => new EventIdentityService(r, m, log),
      inject: [EventGenerationsRepository, IngestionMetrics, Logger],
    },
    {
      provide: KafkaConnection,
      useFactory: (c: IngestionConfig, log: Logger) => new KafkaConnection(kafkaOptionsFrom(c, 'ingestion', log)),
      inject: [IngestionConfig, Logger],
    },
    {
      provide: KafkaHealth,
      useFactory: (k: KafkaConnection, c: IngestionConfig, log: Logger) =>
        new KafkaHealth(
          k,
          {
            topics: [c.KAFKA_EVENTS_TOPIC, c.KAFKA_QUARANTINE_TOPIC],
            replicationFactor: c.KAFKA_REPLICATION_FACTOR,
            partitions: c.KAFKA_TOPIC_PARTITIONS,
          },
          log,
        ),
      inject: [KafkaConnection, IngestionConfig, Logger],
    },
    {
      provide: BatchPublisher,
      useFactory: (k: KafkaConnection, c: IngestionConfig, m: IngestionMetrics, log: Logger) =>
        new BatchPublisher(
          k,
          {
            maxMessages: c.INGEST_BATCH_MAX_MESSAGES,
            lingerMs: c.INGEST_LINGER_MS,
            sendTimeoutMs: c.INGEST_SEND_TIMEOUT_MS,
            maxBatchBytes: maxRecordBytes(c.BODY_LIMIT_BYTES),
            maxQueueBytes: c.INGEST_QUEUE_MAX_BYTES,
            onBatch: (size, seconds, ok, bytes) => {
              m.kafkaBatchMessages.observe(size);
              m.kafkaBatchBytes.observe(bytes);
              m.kafkaSendSeconds.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
            },
          },
          log,
        ),
      inject: [KafkaConnection, IngestionConfig, IngestionMetrics, Logger],
    },
    {
      provide: InstituteKeysService,
      // Ingestion never migrates (its role cannot): before the first load it checks that the
      // schema is the one its code needs, and stays not ready, naming the command, until it is.
      useFactory: (r: InstitutesRepository, c: IngestionConfig, log: Logger, pg: Postgres) =>
        new InstituteKeysService(r, c, log, Date.now, () => assertPostgresMigrated(pg, 'ingestion')),
      inject: [InstitutesRepository, IngestionConfig, Logger, Postgres],
    },
    ReadinessService,
    WebhooksService,
    IngestionShutdown,
    OperationsServer,
  ],
})
export class IngestionModule {
  static forConfig(config: IngestionConfig): DynamicModule {
    // Under INGEST_WORKERS each line names its worker (1…N, a replacement gets the next number).
    const logger = new Logger('ingestion', config.LOG_LEVEL, cluster.isWorker ? { worker: cluster.worker!.id } : {});
    return {
      module: IngestionModule,
      providers: [
        { provide: IngestionConfig, useValue: config },
        { provide: Logger, useValue: logger },
      ],
      exports: [],
      global: false,
    };
  }
}
