import { Injectable } from '@nestjs/common';
import { ProjectorConfig } from '@wise/config';
import { BatchSink, WriteAbandoned } from '@wise/clickhouse';
import { BatchAbandoned, BatchConsumer, IncomingBatch } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { projectKafkaBatch } from '@wise/projections';
import { ProjectorFence } from '../fence/projector-fence';
import { ProjectorMetrics } from '../projector.metrics';

/**
 * Owns the consumer loop: a partition batch is projected (pure), handed to the sink (one insert
 * per table, then the sink's after-write step), and only then are its offsets committed. A crash
 * in between replays the batch, which the model absorbs (every table collapses duplicates).
 */
@Injectable()
export class ProjectorConsumer {
  private running = false;

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

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.fence.stop();
    await this.consumer.stop();
  }

  private async handle(batch: IncomingBatch): Promise<void> {
    const started = process.hrtime.bigint();
    const first = batch.messages[0].offset;
    const last = batch.messages[batch.messages.length - 1].offset;
    const source = `${batch.topic}/${batch.partition}/${first}-${last}`;
    const { tables, quarantined } = projectKafkaBatch(batch.messages, this.config.KAFKA_QUARANTINE_TOPIC);
    if (quarantined > 0) this.metrics.quarantined.inc({ reason: 'invalid_event' }, quarantined);
    const isActive = () => this.running && batch.isActive();
    // Nothing is written while a rebuild holds its fence: the batch is fetched again afterwards.
    const release = await this.fence.admit({ isActive, heartbeat: batch.heartbeat });
    try {
      await this.sink.write(tables, { isActive, heartbeat: this.fence.heartbeat(batch), source });
    } catch (e) {
      if (e instanceof WriteAbandoned) {
        this.logger.warn('batch abandoned before it was written; it will be consumed again', { source, reason: e.message });
        throw new BatchAbandoned(e.message);
      }
      throw e;
    } finally {
      release();
    }
    this.metrics.messages.inc({ topic: batch.topic }, batch.messages.length);
    this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.logger.debug('batch projected', { source, messages: batch.messages.length, quarantined });
  }
}
