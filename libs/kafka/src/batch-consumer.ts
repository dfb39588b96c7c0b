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

/** The wait before a partition whose batch failed is sought back to it, doubling with each failure in a row up to the max. */
const FIRST_SEEK_BACK_MS = 100;
const MAX_SEEK_BACK_MS = 5_000;

/** Thrown by a handler that gave up on a batch without writing it; nothing is committed. */
export class BatchAbandoned extends Error {}

/**
 * What a handler returns for a batch it has taken on: `committable` settles once the work that
 * must precede the commit is done (the batch's rows written, and whatever follows them), work that
 * runs while later batches are fetched. It rejects when that work was abandoned; then the
 * partition is consumed again from that batch (BatchConsumer, commitWhen).
 */
export interface HandledBatch {
  committable: Promise<void>;
}

/**
 * A partition's commits, in offset order. A batch joins the chain that was current when kafkajs
 * handed it over; once a batch of the chain fails, the chain commits nothing more and the
 * partition is sought back to that batch, whose batches join a new chain.
 */
interface CommitChain {
  generation: number;
  tail: Promise<void>;
  broken: boolean;
}

/**
 * A consumer-group member that hands whole partition batches to a handler and commits a batch's
 * offsets only once the batch's `committable` settled (the rows built from it are durably
 * written, and what follows them is done), in offset order per partition. The handler returns as
 * soon as it has taken the batch on, so the next batches of its partition are fetched while it is
 * written: the commit point trails the fetch position, and a crash replays from the commit point
 * (handlers must be idempotent).
 *
 * A batch whose `committable` rejects (its write or refresh was given up) is consumed again: its
 * partition is sought back to its first offset (at once, later after failures in a row), and the
 * batches handed over after it until then, which joined the chain that broke, are never committed
 * (their own replays are). Batches kafkajs fetched before the seek and hands over while it is
 * pending (`isStale`) are skipped without being taken on: kafkajs drops a partition with a seek
 * pending from the fetches after it, so every batch of the new chain comes from the seek's offset
 * on.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private current: ConsumerStatus = { state: 'starting', since: Date.now(), error: null };
  /** Bumped at each group join: commits queued under an older assignment are dropped. */
  private generation = 0;
  private readonly chains = new Map<string, CommitChain>();
  /** Batches of a partition that failed in a row (consumeAgain's wait). */
  private readonly failures = new Map<string, number>();
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
        // Fetched before a seek still pending (consumeAgain): the seek's fetch brings these offsets
        // again, and a batch taken on now would join the partition's new chain out of order.
        if (isStale()) return;
        // No closure here may capture kafkajs's `batch` (see BatchLiveness).
        const { topic, partition } = batch;
        const messages = batch.messages.map((m) => ({ topic, partition, offset: m.offset, key: m.key, value: m.value }));
        this.inFlight++;
        const chain = this.chainOf(topic, partition);
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
          this.commitWhen(
            chain,
            topic,
            partition,
            messages[0].offset,
            (BigInt(last) + 1n).toString(),
            handled?.committable ?? Promise.resolve(),
          );
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

  /** The partition's current chain (a new one after a group join). */
  private chainOf(topic: string, partition: number): CommitChain {
    const key = `${topic}/${partition}`;
    let chain = this.chains.get(key);
    if (!chain || chain.generation !== this.generation) {
      chain = { generation: this.generation, tail: chain?.tail ?? Promise.resolve(), broken: false };
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** Commits `next` once `committable` and every earlier batch of `c` settled; on a failure, seeks the partition back to `first`. */
  private commitWhen(c: CommitChain, topic: string, partition: number, first: string, next: string, committable: Promise<void>): void {
    committable.catch(() => undefined); // awaited below, in order; never an unhandled rejection
    c.tail = c.tail.then(async () => {
      if (c.broken) return;
      try {
        await committable;
      } catch (e) {
        c.broken = true;
        await this.consumeAgain(c, topic, partition, first, e as Error);
        return;
      }
      if (c.generation !== this.generation) return; // reassigned meanwhile: the owner replays from the last commit
      try {
        await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
        this.failures.delete(`${topic}/${partition}`);
      } catch (e) {
        // A later commit of this partition covers this one; a crash before it replays harmlessly.
        this.logger.warn('offset commit failed; a later one covers it', { topic, partition, offset: next, error: e as Error });
      }
    });
  }

  /**
   * After the batch at `offset` failed: seeks its partition back to it, after a wait that doubles
   * with each failure in a row (a failure that repeats, such as a bug, must not spin), then starts
   * the partition's new chain. Until then the batches handed over join the broken chain and are
   * never committed; the seek brings them again. Never throws: a chain's tail must not reject.
   */
  private async consumeAgain(broken: CommitChain, topic: string, partition: number, offset: string, error: Error): Promise<void> {
    const key = `${topic}/${partition}`;
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const retryInMs = Math.min(FIRST_SEEK_BACK_MS * 2 ** (failures - 1), MAX_SEEK_BACK_MS);
    if (broken.generation === this.generation && !this.stopping) await new Promise((r) => setTimeout(r, retryInMs));
    // Reassigned or stopping: the partition's next owner (or this process, started again) replays from the last commit.
    if (broken.generation !== this.generation || this.stopping) {
      this.logger.warn('a batch was not finished; its partition is consumed again from its last commit by its next owner', {
        topic,
        partition,
        offset,
        error,
      });
      return;
    }
    try {
      this.consumer.seek({ topic, partition, offset });
    } catch (e) {
      // kafkajs restarting its consumer after a crash has no group to seek in; it joins again, and
      // the new generation's chain replays from the last commit. The broken chain commits nothing meanwhile.
      this.logger.warn(
        'a batch was not finished and its partition could not be sought back; it is consumed again from its last commit once the consumer rejoins',
        {
          topic,
          partition,
          offset,
          error,
          seekError: e as Error,
        },
      );
      return;
    }
    this.chains.set(key, { generation: broken.generation, tail: broken.tail, broken: false });
    this.logger.warn('a batch was not finished; its partition is consumed again from it', { topic, partition, offset, retryInMs, error });
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
