import { Injectable } from '@nestjs/common';
import { ProjectorConfig } from '@wise/config';
import { BatchSink, WriteAbandoned } from '@wise/projection-writer';
import { BatchConsumer, ConsumerStatus, IncomingBatch, type HandledBatch } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { projectKafkaBatch } from '@wise/projections';
import { ProjectorFence } from '../fence/projector-fence';
import { ProjectorMetrics } from '../projector.metrics';

/**
 * Messages whose rows may wait for the writer: a few INSERTs' worth at catch-up speed (each batch
 * is up to PROJECTOR_BATCH_MAX_BYTES per partition), so that fetching never runs far ahead of
 * ClickHouse with every row held in memory.
 */
const MAX_UNWRITTEN = 10_000;

/**
 * Owns the consumer loop: a partition batch is projected (pure) and handed to the sink (one insert
 * per table for every batch in hand; the sink is `projectorSink`, projector-sink.ts), and its
 * offsets are committed once its rows are written and the sink's after-write step (the serving
 * refresh) is done too. Both run while the next batches are fetched, so INSERTs and refresh
 * rounds cover many batches. A crash in between replays from the last commit, which the model
 * absorbs (every table collapses duplicates; a refresh is idempotent).
 */
@Injectable()
export class ProjectorConsumer {
  private running = false;
  /** Messages taken on but not yet committed (their write or serving refresh is pending). */
  private uncommitted = 0;
  /** Messages taken on whose rows are not yet written. */
  private unwritten = 0;

  constructor(
    private readonly consumer: BatchConsumer,
    private readonly sink: BatchSink,
    private readonly config: ProjectorConfig,
    private readonly metrics: ProjectorMetrics,
    private readonly logger: Logger,
    private readonly fence: ProjectorFence,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    // A projector started while a rebuild runs starts paused.
    await this.fence.start();
    await this.consumer.start((batch) => this.handle(batch));
  }

  get status(): ConsumerStatus {
    return this.consumer.status;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.fence.stop();
    await this.consumer.stop();
  }

  private async handle(batch: IncomingBatch): Promise<HandledBatch> {
    const started = process.hrtime.bigint();
    const first = batch.messages[0].offset;
    const last = batch.messages[batch.messages.length - 1].offset;
    const source = `${batch.topic}/${batch.partition}/${first}-${last}`;
    const { tables, quarantined } = projectKafkaBatch(batch.messages, this.config.KAFKA_QUARANTINE_TOPIC);
    if (quarantined > 0) this.metrics.quarantined.inc({ reason: 'invalid_event' }, quarantined);
    // Closures here outlive the batch (until its refresh is committed): they must not capture
    // `batch`, which holds its messages.
    const { isActive: batchActive, heartbeat } = batch;
    const isActive = () => this.running && batchActive();
    // Nothing is written while a rebuild holds its fence: the batch is fetched again afterwards. The
    // admission lasts until the batch's serving refresh is done too, for it writes as well.
    const release = await this.fence.admit({ isActive, heartbeat });
    const n = batch.messages.length;
    // The batch is written while the next ones are fetched: waiting for its INSERT here would hold
    // every partition's next fetch for the writer's interval (PROJECTOR_WRITE_INTERVAL_MS), and the
    // webhooks that arrive meanwhile with it. The commit still waits for the write (`committable`);
    // a write given up rejects it, and the partition is consumed again from this batch (BatchConsumer).
    const written = this.sink.write(tables, { isActive, heartbeat: this.fence.heartbeat({ isActive, heartbeat }), source });
    const committable = written
      .then(({ derived }) => derived)
      .then(
        () => this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9),
        (e: Error) => {
          if (e instanceof WriteAbandoned) this.logger.warn('batch abandoned; it will be consumed again', { source, reason: e.message });
          else this.logger.error('batch not written or not refreshed; it will be consumed again', { source, error: e });
          throw e;
        },
      );
    this.metrics.messages.inc({ topic: batch.topic }, n);
    this.logger.debug('batch projected', { source, messages: n, quarantined });
    this.unwritten += n;
    this.uncommitted += n;
    void written.finally(() => (this.unwritten -= n)).catch(() => undefined);
    void committable
      .finally(() => {
        this.uncommitted -= n;
        release();
      })
      .catch(() => undefined);
    // Bounds what a crash replays (uncommitted) and the rows held for the writer (unwritten): past
    // either limit, fetching waits for the writes and refresh rounds to catch up.
    while ((this.uncommitted > this.config.PROJECTOR_MAX_UNCOMMITTED || this.unwritten > MAX_UNWRITTEN) && isActive()) {
      await new Promise((r) => setTimeout(r, 50));
      await heartbeat();
    }
    return { committable };
  }
}
