import { Injectable } from '@nestjs/common';
import { ProjectorConfig } from '@wise/config';
import { BatchSink, WriteAbandoned } from '@wise/projection-writer';
import { BatchAbandoned, BatchConsumer, ConsumerStatus, IncomingBatch, type HandledBatch } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { projectKafkaBatch } from '@wise/projections';
import { ProjectorFence } from '../fence/projector-fence';
import { ProjectorMetrics } from '../projector.metrics';

/**
 * Owns the consumer loop: a partition batch is projected (pure), handed to the sink (one insert
 * per table; the sink is `projectorSink`, projector-sink.ts), and its offsets are committed once
 * the sink's after-write step (the serving refresh) is done too. That step runs while the next batches are fetched and written, so refresh
 * rounds cover many batches. A crash in between replays from the last commit, which the model
 * absorbs (every table collapses duplicates; a refresh is idempotent).
 */
@Injectable()
export class ProjectorConsumer {
  private running = false;
  /** Messages written but not yet committed (their serving refresh is pending). */
  private uncommitted = 0;

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
    let derived: Promise<void>;
    try {
      ({ derived } = await this.sink.write(tables, { isActive, heartbeat: this.fence.heartbeat({ isActive, heartbeat }), source }));
    } catch (e) {
      release();
      if (e instanceof WriteAbandoned) {
        this.logger.warn('batch abandoned before it was written; it will be consumed again', { source, reason: e.message });
        throw new BatchAbandoned(e.message);
      }
      throw e;
    }
    void derived.finally(release).catch(() => undefined);
    this.metrics.messages.inc({ topic: batch.topic }, batch.messages.length);
    this.logger.debug('batch projected', { source, messages: batch.messages.length, quarantined });
    const n = batch.messages.length;
    this.uncommitted += n;
    const committable = derived.then(
      () => this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9),
      (e: Error) => {
        if (e instanceof WriteAbandoned)
          this.logger.warn('serving refresh abandoned; the batch will be consumed again', { source, reason: e.message });
        throw e;
      },
    );
    void committable.finally(() => (this.uncommitted -= n)).catch(() => undefined);
    // Bounds what a crash replays: past the limit, fetching waits for refresh rounds to catch up.
    while (this.uncommitted > this.config.PROJECTOR_MAX_UNCOMMITTED && isActive()) {
      await new Promise((r) => setTimeout(r, 50));
      await heartbeat();
    }
    return { committable };
  }
}
