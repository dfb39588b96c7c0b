import type { WriterMetrics } from '@wise/projection-writer';
import type { PartitionLag } from '@wise/kafka';
import { Metrics } from '@wise/observability';

/** How long a scrape waits for Kafka's offsets before it answers without the lag series. */
const LAG_READ_TIMEOUT_MS = 3000;

/** Every metric the projector exports, in one place. */
export class ProjectorMetrics {
  readonly messages;
  readonly quarantined;
  readonly rowsWritten;
  readonly writeRetries;
  readonly batchSeconds;
  readonly servingSeconds;
  readonly servingFailures;
  /** The writer's reports, counted in the metrics above. */
  readonly writer: WriterMetrics;

  constructor(readonly metrics: Metrics) {
    this.messages = metrics.counter('messages_total', 'Kafka messages consumed, by topic', ['topic'] as const);
    this.quarantined = metrics.counter('quarantined_total', 'Messages or rows sent to the quarantine table, by reason', [
      'reason',
    ] as const);
    this.rowsWritten = metrics.counter('rows_written_total', 'Rows inserted into ClickHouse, by table', ['table'] as const);
    this.writeRetries = metrics.counter('write_retries_total', 'ClickHouse insert attempts that failed and were retried, by table', [
      'table',
    ] as const);
    this.batchSeconds = metrics.histogram(
      'batch_seconds',
      'Time from receiving a partition batch to committing its offsets',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.servingSeconds = metrics.histogram(
      'serving_refresh_seconds',
      'Time to recompute the serving rows a batch touched',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.servingFailures = metrics.counter(
      'serving_refresh_failures_total',
      'Batches committed without their serving refresh (ClickHouse refused it); run rebuild after fixing',
    );
    this.writer = {
      written: (table, rows) => this.rowsWritten.inc({ table }, rows),
      retried: (table) => this.writeRetries.inc({ table }),
      refused: () => this.quarantined.inc({ reason: 'clickhouse_refused' }),
    };
  }

  /**
   * `projector_kafka_consumer_lag_messages{topic,partition}`: read from Kafka at each scrape (log end
   * against the group's committed offset), so it keeps growing while the projector is stuck. When
   * Kafka does not answer in time the scrape has no lag series rather than stale ones.
   */
  exportConsumerLag(read: () => Promise<PartitionLag[]>, onError: (e: Error) => void): void {
    this.metrics.gauge(
      'kafka_consumer_lag_messages',
      'Messages in Kafka not yet committed by the projector group, by topic and partition',
      ['topic', 'partition'] as const,
      async function collect() {
        this.reset();
        let timer: NodeJS.Timeout | undefined;
        try {
          const lags = await Promise.race([
            read(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`Kafka offsets not read within ${LAG_READ_TIMEOUT_MS} ms`)), LAG_READ_TIMEOUT_MS);
            }),
          ]);
          for (const l of lags) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
        } catch (e) {
          onError(e as Error);
        } finally {
          clearTimeout(timer);
        }
      },
    );
  }
}
