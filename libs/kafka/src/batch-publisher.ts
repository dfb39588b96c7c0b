import { CompressionTypes, Message, Producer, RecordMetadata } from 'kafkajs';
import { Logger } from '@wise/observability';
import { KafkaConnection } from './kafka-connection';
import { placingPartitioner } from './partitioner';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
}

export interface BatchPublisherOptions {
  maxMessages: number;
  lingerMs: number;
  /** How long a caller waits for its batch's ack before it is told "not stored". */
  sendTimeoutMs: number;
  /** Bytes of one produce batch (the topic's max.message.bytes, see record-limits.ts). */
  maxBatchBytes: number;
  /** Bytes of messages waiting or in flight; past it publish() refuses at once (QueueFullError). */
  maxQueueBytes: number;
  /** After each batch send: messages, seconds to the ack (or failure), whether acknowledged, key + value bytes. */
  onBatch?: (size: number, seconds: number, ok: boolean, bytes: number) => void;
}

/** Kafka did not acknowledge in time; the message may or may not be stored, so the caller must not say it is. */
export class PublishTimeoutError extends Error {
  constructor(ms: number) {
    super(`Kafka did not acknowledge within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/** The queue already holds maxQueueBytes: Kafka is slow or down, and the caller should retry later. */
export class QueueFullError extends Error {
  constructor(bytes: number) {
    super(`the queue for Kafka is full (${bytes} bytes waiting)`);
    this.name = 'QueueFullError';
  }
}

/** A message that can never fit in a batch; refused alone, before it can fail any neighbour. */
export class RecordTooLargeError extends Error {
  constructor(bytes: number, max: number) {
    super(`message of ${bytes} bytes exceeds the ${max}-byte Kafka record limit`);
    this.name = 'RecordTooLargeError';
  }
}

/**
 * Kafka's answer to a batch did not acknowledge the partitions some of its messages went to.
 * kafkajs 2.2.4 resolves sendBatch so when, between two of its own retries, a partition's leader
 * moved to a broker that had already answered (its `responsePerBroker` skips that broker: the
 * messages are never sent; kafkajs issue #1303). Seen here as two webhooks answered 200 and never
 * stored, when a Kafka broker was killed under load.
 */
export class UnacknowledgedError extends Error {
  constructor(partitions: string[]) {
    super(`Kafka's answer did not acknowledge partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')} after a resend`);
    this.name = 'UnacknowledgedError';
  }
}

interface Pending {
  /** Null once its caller gave up: the bytes are released and the entry is skipped. */
  message: OutgoingMessage | null;
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const sizeOf = (m: OutgoingMessage): number => m.value.length + Buffer.byteLength(m.key);

// The broker refuses a record batch over the topic's max.message.bytes as a whole.
const isSizeError = (e: unknown): boolean =>
  ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'].includes((e as { type?: string }).type ?? '') ||
  /larger than the max message size/i.test((e as Error).message ?? '');

/**
 * Collects messages from concurrent callers into one `sendBatch` (acks=all, idempotent producer).
 * Each caller's promise settles when Kafka's answer acknowledges the partition holding its message,
 * so nobody is told "stored" before Kafka says so. While one batch is in flight the next one fills up.
 */
export class BatchPublisher {
  private producer: Producer;
  /**
   * Set after a send whose outcome is unknown: the next send starts a new producer (new producer
   * id). A request the broker wrote but whose answer was lost (a broker killed after replicating)
   * keeps its sequence numbers there, while kafkajs rolls its own back on the error. The next batch
   * of the same size on that partition then reuses them, and the broker acknowledges it as a
   * duplicate without writing it: messages answered "stored" and never stored. A broker refusing
   * the session outright (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID; kafkajs issue #598)
   * is one more such failure.
   */
  private renewProducer = false;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private connected = false;
  /** Bytes of messages queued or in flight whose callers still wait. */
  private pendingBytes = 0;
  /** The partition kafkajs last chose for each message object it was given (placingPartitioner). */
  private readonly placed = new WeakMap<object, number>();
  /** What each entry was last sent as: kafkajs's partitioner sees these objects, not the entries. */
  private readonly sent = new WeakMap<Pending, { topic: string; message: Message }>();

  constructor(
    private readonly connection: KafkaConnection,
    private readonly options: BatchPublisherOptions,
    private readonly logger: Logger,
  ) {
    this.producer = this.createProducer();
  }

  private createProducer(): Producer {
    return this.connection.kafka.producer({
      idempotent: true,
      // Partitions added to a topic are seen within 10 s (kafkajs re-reads metadata only every 5 min by default).
      metadataMaxAge: 10000,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: placingPartitioner(this.placed),
      // Bounded retries (kafkajs warns this weakens exactly-once): a request that cannot be
      // acknowledged within sendTimeoutMs is answered 503 anyway, and a resend by Wise carries the
      // same event id, which every table downstream collapses.
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect().catch((e: unknown) => {
      throw this.connection.explained(e);
    });
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    await this.flushAll();
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }

  /** Bytes waiting for Kafka (a gauge for metrics and tests). */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  publish(message: OutgoingMessage): Promise<void> {
    const bytes = sizeOf(message);
    if (bytes > this.options.maxBatchBytes) return Promise.reject(new RecordTooLargeError(bytes, this.options.maxBatchBytes));
    // Refused at once rather than queued without bound: during an outage memory stays flat and
    // the sender hears "retry later" immediately.
    if (this.pendingBytes + bytes > this.options.maxQueueBytes) return Promise.reject(new QueueFullError(this.pendingBytes));
    this.pendingBytes += bytes;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        settled = true;
        clearTimeout(timeout);
        this.pendingBytes -= entry.bytes;
        entry.bytes = 0;
      };
      const entry: Pending = {
        message,
        bytes,
        resolve: () => {
          if (!settled) {
            settle();
            resolve();
          }
        },
        reject: (e) => {
          if (!settled) {
            settle();
            reject(e);
          }
        },
      };
      const timeout = setTimeout(() => {
        // A caller that was told "not stored" is not sent later: a queued entry is dropped here
        // (one already in flight may still land; Wise's retry carries the same event id).
        entry.reject(new PublishTimeoutError(this.options.sendTimeoutMs));
        entry.message = null;
      }, this.options.sendTimeoutMs);
      this.queue.push(entry);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxMessages && this.inFlight === 0) {
      void this.flush();
      return;
    }
    if (this.timer || this.inFlight > 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.options.lingerMs);
  }

  /** Takes live entries from the head: at most maxMessages and maxBatchBytes (at least one). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < this.queue.length && batch.length < this.options.maxMessages; i++) {
      const p = this.queue[i];
      if (!p.message) continue;
      const size = sizeOf(p.message);
      if (batch.length > 0 && bytes + size > this.options.maxBatchBytes) break;
      batch.push(p);
      bytes += size;
    }
    this.queue.splice(0, i);
    return batch;
  }

  private async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.take();
    if (batch.length === 0) return;
    this.inFlight++;
    const started = process.hrtime.bigint();
    let ok = false;
    let bytes = 0;
    try {
      for (const p of batch) if (p.message) bytes += sizeOf(p.message);
      ok = await this.sendConfirmed(batch);
    } catch (e) {
      if (batch.length > 1 && isSizeError(e)) {
        // Should not happen with the limits derived in record-limits.ts, but if the broker's
        // limit is lower than ours, each message is sent alone so only the one too large fails.
        this.logger.error('kafka refused a batch as too large; sending its messages one by one (check max.message.bytes)', {
          size: batch.length,
          error: e as Error,
        });
        ok = await this.sendEachAlone(batch);
      } else {
        this.renewProducer = true;
        this.logger.warn('kafka batch send failed; its requests are answered "retry later"', {
          size: batch.length,
          error: e as Error,
          next: 'the next batch is sent by a new idempotent producer (new producer id)',
        });
        for (const p of batch) p.reject(e as Error);
      }
    } finally {
      this.inFlight--;
      this.options.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9, ok, bytes);
      if (this.queue.length > 0) this.schedule();
    }
  }

  /**
   * Sends the batch and settles each entry by whether Kafka acknowledged its message's partition:
   * the acknowledged at once, the others once they are sent again. Nobody hears "stored" on a
   * resolved send alone. Throws only when the first send fails (nothing is known stored then).
   */
  private async sendConfirmed(batch: Pending[]): Promise<boolean> {
    let missing = await this.send(batch);
    for (const p of batch) if (!missing.includes(p)) p.resolve();
    if (missing.length === 0) return true;
    this.logger.warn("kafka's answer skipped partitions of a batch (kafkajs issue #1303, a leader moved); sending their messages again", {
      size: batch.length,
      unacknowledged: missing.length,
    });
    // Under a new producer id: the skipped partition's first request may be on the broker.
    this.renewProducer = true;
    let error: Error;
    try {
      const again = missing;
      missing = await this.send(again);
      for (const p of again) if (!missing.includes(p)) p.resolve();
      if (missing.length === 0) return true;
      error = new UnacknowledgedError([...new Set(missing.map((p) => this.partitionOf(p)))]);
    } catch (e) {
      this.renewProducer = true;
      error = e as Error;
    }
    this.logger.warn('kafka did not acknowledge messages sent twice; their requests are answered "retry later"', {
      size: missing.length,
      error,
    });
    for (const p of missing) p.reject(error);
    return false;
  }

  private async sendEachAlone(batch: Pending[]): Promise<boolean> {
    let all = true;
    for (const p of batch) {
      try {
        all = (await this.sendConfirmed([p])) && all;
      } catch (e) {
        all = false;
        if (!isSizeError(e)) this.renewProducer = true;
        p.reject(e as Error);
      }
    }
    return all;
  }

  /**
   * Replaces the producer after a send of unknown outcome (renewProducer). What the failed batch
   * held was answered 503, so a resend under the new id may duplicate it in Kafka; the event id
   * makes every table downstream collapse it, as for any Wise retry.
   */
  private async renew(): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    await old.disconnect().catch((e: Error) => this.logger.warn('kafka: the refused producer did not disconnect cleanly', { error: e }));
    await this.producer.connect();
    this.renewProducer = false;
    this.logger.info('kafka: a new idempotent producer took over after a send of unknown outcome');
  }

  /** "topic/partition" where kafkajs last placed the entry's message ("?" where it did not). */
  private partitionOf(p: Pending): string {
    const sent = this.sent.get(p);
    return sent ? `${sent.topic}/${this.placed.get(sent.message) ?? '?'}` : '?';
  }

  /**
   * One sendBatch of the entries whose callers still wait (a caller that gave up, perhaps while the
   * producer was being replaced, is not sent for); returns those whose partition Kafka's answer did
   * not acknowledge.
   */
  private async send(batch: Pending[]): Promise<Pending[]> {
    if (this.renewProducer) await this.renew();
    const live = batch.filter((p) => p.message);
    if (live.length === 0) return [];
    const byTopic = new Map<string, Message[]>();
    for (const p of live) {
      const m = p.message!;
      const message: Message = { key: m.key, value: m.value };
      this.sent.set(p, { topic: m.topic, message });
      const list = byTopic.get(m.topic) ?? [];
      list.push(message);
      byTopic.set(m.topic, list);
    }
    const answer: RecordMetadata[] = await this.producer.sendBatch({
      acks: -1,
      timeout: this.options.sendTimeoutMs,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    const acknowledged = new Set(answer.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}/${r.partition}`));
    return live.filter((p) => !acknowledged.has(this.partitionOf(p)));
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      if (this.inFlight === 0) await this.flush();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }
}
