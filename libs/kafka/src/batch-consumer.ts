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

/**
 * Where the consumer stands, from kafkajs's instrumentation events: `consuming` once it joined the
 * group; `restarting` after a crash kafkajs recovers from by itself; `crashed` after one it does not
 * (the process must be restarted); `stopped` after stop() or a crash's disconnect.
 */
export type ConsumerState = 'starting' | 'consuming' | 'restarting' | 'crashed' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  /** Epoch ms of the last change. */
  since: number;
  /** The crash's error, for restarting and crashed. */
  error: string | null;
}

/** Thrown by a handler that gave up on a batch without writing it; nothing is committed. */
export class BatchAbandoned extends Error {}

/**
 * A consumer-group member that hands whole partition batches to a handler and commits the batch's
 * offsets only after the handler resolved, i.e. after the rows built from it are durably written.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private current: ConsumerStatus = { state: 'starting', since: Date.now(), error: null };

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
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => this.become('consuming', null));
    // A crash disconnects first (STOP), then reports whether kafkajs restarts the consumer.
    this.consumer.on(STOP, () => this.become('stopped', null));
    this.consumer.on(CRASH, ({ payload }) => {
      const error = `${payload.error.name}: ${payload.error.message}`;
      this.become(payload.restart ? 'restarting' : 'crashed', error);
      if (!payload.restart)
        this.logger.error('kafka consumer crashed and will not restart: restart the projector (offsets are committed only after writes)', {
          groupId: options.groupId,
          error: payload.error,
        });
    });
  }

  /** The consumer's state, for readiness. */
  get status(): ConsumerStatus {
    return this.current;
  }

  private become(state: ConsumerState, error: string | null): void {
    if (this.current.state !== state || this.current.error !== error) this.current = { state, since: Date.now(), error };
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
  }

  async stop(): Promise<void> {
    // kafkajs waits for the batch in hand to finish before leaving the group.
    await this.consumer.disconnect();
    this.logger.info('kafka consumer stopped', { groupId: this.options.groupId });
  }
}
