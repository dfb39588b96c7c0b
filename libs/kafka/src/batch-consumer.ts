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
 * What a handler returns for a batch it has written: `committable` settles once the work that must
 * precede the commit is done (work that may run while later batches are fetched and written). It
 * rejects when that work was abandoned; then nothing more of that partition is committed until the
 * group rebalances or the consumer restarts, both of which replay from the last commit.
 */
export interface HandledBatch {
  committable: Promise<void>;
}

interface CommitChain {
  generation: number;
  tail: Promise<void>;
  broken: boolean;
}

/**
 * A consumer-group member that hands whole partition batches to a handler and commits a batch's
 * offsets only after the handler resolved (the rows built from it are durably written) and the
 * batch's `committable` settled, in offset order per partition. While a batch waits for its
 * commit, the next batches of its partition are fetched and handled: the commit point trails the
 * fetch position, and a crash replays from the commit point (handlers must be idempotent).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private current: ConsumerStatus = { state: 'starting', since: Date.now(), error: null };
  /** Bumped at each group join: commits queued under an older assignment are dropped. */
  private generation = 0;
  private readonly chains = new Map<string, CommitChain>();
  private inFlight = 0;
  private member: string | null = null;
  private paused = false;
  private running = false;
  private stopping = false;

  constructor(
    private readonly connection: KafkaConnection,
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
    this.consumer.on(GROUP_JOIN, (e) => {
      this.generation++;
      this.member = e.payload.memberId;
      this.become('consuming', null);
      // kafkajs forgets pauses when it restarts its consumer after a crash.
      this.applyPause();
    });
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
    if (this.running && !this.stopping) this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  private applyPause(): void {
    if ((this.paused || this.stopping) && this.running) this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  /** The consumer's state, for readiness. */
  get status(): ConsumerStatus {
    return this.current;
  }

  private become(state: ConsumerState, error: string | null): void {
    if (this.current.state !== state || this.current.error !== error) this.current = { state, since: Date.now(), error };
  }

  async start(handler: (batch: IncomingBatch) => Promise<HandledBatch | void>): Promise<void> {
    await this.consumer.connect().catch((e: unknown) => {
      throw this.connection.explained(e);
    });
    for (const topic of this.options.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        // No closure here may capture kafkajs's `batch` (see BatchLiveness).
        const { topic, partition } = batch;
        const messages = batch.messages.map((m) => ({ topic, partition, offset: m.offset, key: m.key, value: m.value }));
        this.inFlight++;
        const live = new BatchLiveness({ isRunning, isStale, heartbeat }, this.stillInGeneration(this.generation));
        try {
          let handled: HandledBatch | void;
          try {
            handled = await handler({
              topic,
              partition,
              messages,
              heartbeat: live.heartbeat,
              isActive: live.isActive,
            });
          } catch (e) {
            if (e instanceof BatchAbandoned) return;
            throw e;
          }
          const last = messages[messages.length - 1].offset;
          // The fetch position moves on now; the commit waits for `committable`.
          resolveOffset(last);
          this.commitWhen(topic, partition, (BigInt(last) + 1n).toString(), handled?.committable ?? Promise.resolve());
        } finally {
          live.handedBack();
          this.inFlight--;
        }
      },
    });
    this.running = true;
    this.applyPause();
  }

  private stillInGeneration(generation: number): () => boolean {
    return () => !this.stopping && this.generation === generation;
  }

  private commitWhen(topic: string, partition: number, offset: string, committable: Promise<void>): void {
    committable.catch(() => undefined); // awaited below, in order; never an unhandled rejection
    const key = `${topic}/${partition}`;
    let chain = this.chains.get(key);
    if (!chain || chain.generation !== this.generation) {
      chain = { generation: this.generation, tail: chain?.tail ?? Promise.resolve(), broken: false };
      this.chains.set(key, chain);
    }
    const c = chain;
    c.tail = c.tail.then(async () => {
      if (c.broken) return;
      try {
        await committable;
      } catch (e) {
        c.broken = true;
        this.logger.warn('a batch was not finished; nothing more of its partition is committed until it is consumed again', {
          topic,
          partition,
          offset,
          error: e as Error,
        });
        return;
      }
      if (c.generation !== this.generation) return; // reassigned meanwhile: the owner replays from the last commit
      try {
        await this.consumer.commitOffsets([{ topic, partition, offset }]);
      } catch (e) {
        // A later commit of this partition covers this one; a crash before it replays harmlessly.
        this.logger.warn('offset commit failed; a later one covers it', { topic, partition, offset, error: e as Error });
      }
    });
  }

  /**
   * Stops fetching, lets the batch in hand and every queued commit finish (handlers see
   * isActive() turn false only through their own stop flag), then leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.applyPause();
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.chains.values()].map((c) => c.tail));
    await this.consumer.disconnect();
    this.logger.info('kafka consumer stopped', { groupId: this.options.groupId });
  }
}

type InHand = { isRunning: () => boolean; isStale: () => boolean; heartbeat: () => Promise<void> };

/**
 * A batch's isActive and heartbeat for work that outlasts eachBatch (a serving refresh that
 * settles after the next batches were fetched). While the batch is in hand they are kafkajs's;
 * after, the batch stays ours while the consumer runs in the same group generation, and kafkajs
 * heartbeats by itself between fetches. kafkajs's closures are dropped then, because they share
 * a scope with its batch: holding them would hold every message of every uncommitted batch.
 */
class BatchLiveness {
  private inHand: InHand | null;

  constructor(
    inHand: InHand,
    private readonly afterwards: () => boolean,
  ) {
    this.inHand = inHand;
  }

  readonly isActive = (): boolean => (this.inHand ? this.inHand.isRunning() && !this.inHand.isStale() : this.afterwards());

  readonly heartbeat = async (): Promise<void> => {
    if (this.inHand) await this.inHand.heartbeat();
  };

  handedBack(): void {
    this.inHand = null;
  }
}
