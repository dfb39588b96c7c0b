import { Metrics } from '@wise/observability';
import type { BodyBudget } from './webhooks/body-budget';

/** Every metric ingestion exports, in one place. */
export class IngestionMetrics {
  readonly requests;
  readonly quarantined;
  readonly resentAsNewEvent;
  readonly kafkaSendSeconds;
  readonly kafkaBatchMessages;
  readonly kafkaBatchBytes;

  constructor(readonly metrics: Metrics) {
    this.requests = metrics.counter(
      'webhook_requests_total',
      'Webhook requests by institute, event and outcome (accepted, quarantined, unauthorized, kafka_unavailable, queue_full, institute_queue_full, postgres_unavailable, record_too_large, ...)',
      ['institute', 'event', 'outcome'] as const,
    );
    this.quarantined = metrics.counter('quarantined_total', 'Authenticated bodies kept in the quarantine topic', ['institute'] as const);
    this.resentAsNewEvent = metrics.counter(
      'resent_as_new_event_total',
      'Bodies received again past their retry window after a later event of their entity, stored as a new event (a new event id)',
      ['event'] as const,
    );
    this.kafkaSendSeconds = metrics.histogram(
      'kafka_send_seconds',
      'Time from a batch send to its acks=all acknowledgement',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ['outcome'] as const,
    );
    this.kafkaBatchMessages = metrics.histogram(
      'kafka_batch_messages',
      'Messages per Kafka batch send',
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    );
    this.kafkaBatchBytes = metrics.histogram(
      'kafka_batch_bytes',
      'Bytes (keys + values) per Kafka batch send',
      [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216],
    );
  }

  /** Bytes each institute's bodies hold, read at scrape time: the budget moves with every chunk. */
  watchBodyBudget(budget: BodyBudget): void {
    this.metrics.gauge(
      'inflight_body_bytes',
      'Bytes of webhook bodies held (received, being checked or waiting for Kafka) per institute; INGEST_INSTITUTE_MAX_BYTES bounds each, INGEST_QUEUE_MAX_BYTES their sum',
      ['institute'] as const,
      function () {
        this.reset();
        for (const [institute, bytes] of budget.held()) this.set({ institute }, bytes);
      },
    );
  }
}
