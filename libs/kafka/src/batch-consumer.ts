import { Consumer } from 'kafkajs';
import { Logger } from '@wise/observability';
import { KafkaConnection } from './kafka-connection';

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface IncomingBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Keeps the group membership alive during long retries. */
  heartbeat: () => Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop retrying. */
  isActive: () => boolean;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  maxBytesPerPartition: number;
  /** A fetch waits (up to maxWaitMs) until this much is there, so that batches, and the INSERTs built from them, are few and large. */
  minBytes: number;
  maxWaitMs: number;
  partitionsConsumedConcurrently: number;
}

/** Thrown by a handler that gave up on a batch without writing it; nothing is committed. */
export class BatchAbandoned extends Error {}

/**
 * A consumer-group member that hands whole partition batches to a handler and commits the batch's
 * offsets only after the handler resolved, i.e. after the rows built from it are durably written.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private member: string | null = null;
  private paused = false;
  private running = false;

  constructor(
    connection: KafkaConnection,
    private readonly options: BatchConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = connection.kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition,
      minBytes: options.minBytes,
      maxWaitTimeInMs: options.maxWaitMs,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      // Partitions added to a topic are seen within 10 s (kafkajs re-reads metadata only every 5 min by default).
      metadataMaxAge: 10000,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.member = e.payload.memberId;
      // kafkajs forgets pauses when it restarts its consumer after a crash.
      this.applyPause();
    });
  }

  /** This consumer's member id in its group since it last joined; null before. */
  memberId(): string | null {
    return this.member;
  }

  /**
   * Stops fetching from every subscribed topic (partitions assigned later included) and keeps the
   * group membership; before start, takes effect once consuming begins. Batches already fetched
   * still reach the handler.
   */
  pause(): void {
    this.paused = true;
    this.applyPause();
  }

  /** Fetches again, from the last offset a batch was resolved at (an abandoned batch comes again). */
  resume(): void {
    this.paused = false;
    if (this.running) this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  private applyPause(): void {
    if (this.paused && this.running) this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  async start(handler: (batch: IncomingBatch) => Promise<void>): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
        }));
        try {
          await handler({ topic: batch.topic, partition: batch.partition, messages, heartbeat, isActive: () => isRunning() && !isStale() });
        } catch (e) {
          if (e instanceof BatchAbandoned) return;
          throw e;
        }
        const last = messages[messages.length - 1].offset;
        resolveOffset(last);
        // Through the batch's own commit, which (unlike consumer.commitOffsets) still commits while
        // the consumer is stopping, so a graceful stop does not replay the batch it just wrote.
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
        });
      },
    });
    this.running = true;
    this.applyPause();
  }

  async stop(): Promise<void> {
    // kafkajs waits for the batch in hand to finish before leaving the group.
    await this.consumer.disconnect();
    this.logger.info('kafka consumer stopped', { groupId: this.options.groupId });
  }
}
