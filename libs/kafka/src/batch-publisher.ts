import { CompressionTypes, Producer } from 'kafkajs';
import { Logger } from '@wise/observability';
import { KafkaConnection } from './kafka-connection';

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

interface Pending {
  message: OutgoingMessage;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Collects messages from concurrent callers into one `sendBatch` (acks=all, idempotent producer).
 * Each caller's promise settles when the batch holding its message is acknowledged, so nobody is
 * told "stored" before Kafka says so. While one batch is in flight the next one fills up.
 */
export class BatchPublisher {
  private readonly producer: Producer;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private connected = false;

  constructor(
    connection: KafkaConnection,
    private readonly options: BatchPublisherOptions,
    private readonly logger: Logger,
  ) {
    this.producer = connection.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded retries (kafkajs warns this weakens exactly-once): a request that cannot be
      // acknowledged within sendTimeoutMs is answered 503 anyway, and a resend by Wise carries the
      // same event id, which every table downstream collapses.
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    await this.flushAll();
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }

  publish(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timeout = setTimeout(() => {
        settled = true;
        reject(new PublishTimeoutError(this.options.sendTimeoutMs));
      }, this.options.sendTimeoutMs);
      this.queue.push({
        message,
        resolve: () => { clearTimeout(timeout); if (!settled) resolve(); },
        reject: (e) => { clearTimeout(timeout); if (!settled) reject(e); },
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxMessages && this.inFlight === 0) {
      void this.flush();
      return;
    }
    if (this.timer || this.inFlight > 0) return;
    this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, this.options.lingerMs);
  }

  private async flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxMessages);
    this.inFlight++;
    const started = process.hrtime.bigint();
    let ok = false;
    let bytes = 0;
    try {
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const p of batch) {
        bytes += p.message.key.length + p.message.value.length;
        const list = byTopic.get(p.message.topic) ?? [];
        list.push({ key: p.message.key, value: p.message.value });
        byTopic.set(p.message.topic, list);
      }
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.sendTimeoutMs,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      ok = true;
      for (const p of batch) p.resolve();
    } catch (e) {
      this.logger.warn('kafka batch send failed; its requests are answered "retry later"', { size: batch.length, error: e as Error });
      for (const p of batch) p.reject(e as Error);
    } finally {
      this.inFlight--;
      this.options.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9, ok, bytes);
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      if (this.inFlight === 0) await this.flush();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }
}
