import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  type ProducerBatch,
  type ProducerConfig,
  type RecordMetadata,
} from 'kafkajs';
import { Logger } from '@wise/observability';
import { BatchPublisher, UnacknowledgedError } from './batch-publisher';
import { keyPartitioner } from './partitioner';
import type { KafkaConnection } from './kafka-connection';

/** kafkajs's error for a broker error code, wrapped as its retrier wraps a non-retriable one. */
const brokerError = (type: string, message: string) => {
  const protocol = new KafkaJSProtocolError({ type, message, code: 0 } as unknown as Error);
  return Object.assign(new KafkaJSNonRetriableError(protocol), { cause: protocol });
};
const outOfOrder = () => brokerError('OUT_OF_ORDER_SEQUENCE_NUMBER', 'The broker received an out of order sequence number');

const PARTITIONS = 3;
const metadata = Array.from({ length: PARTITIONS }, (_, i) => ({
  partitionId: i,
  leader: 0,
  replicas: [0],
  isr: [0],
  offlineReplicas: [],
  partitionErrorCode: 0,
}));

/** An answer to skip partitions in (kafkajs's answer after a leader moved, see leader-move.spec.ts). */
type Skip = { skip: number[] };

/**
 * A connection whose producers answer sendBatch from a script shared by all of them (one entry per
 * call: an error to throw, partitions to leave out of the answer, or undefined for a full ack); it
 * records which producer took each call. Messages are placed by the producer's own partitioner.
 */
function scripted(script: Array<Error | Skip | undefined>, timing: { connectMs?: number; sendTimeoutMs?: number } = {}) {
  const calls: number[] = [];
  let made = 0;
  const connection = {
    kafka: {
      producer: (options: ProducerConfig) => {
        const id = ++made;
        const partition = options.createPartitioner!();
        return {
          connect: () => new Promise((r) => setTimeout(r, timing.connectMs ?? 0)),
          disconnect: async () => undefined,
          sendBatch: async ({ topicMessages }: ProducerBatch) => {
            calls.push(id);
            const next = script.shift();
            if (next instanceof Error) throw next;
            const answer = new Map<string, RecordMetadata>();
            for (const { topic, messages } of topicMessages!)
              for (const message of messages) {
                const p = partition({ topic, partitionMetadata: metadata, message });
                if (!next?.skip.includes(p)) answer.set(`${topic}/${p}`, { topicName: topic, partition: p, errorCode: 0 });
              }
            return [...answer.values()];
          },
        };
      },
    },
  } as unknown as KafkaConnection;
  const publisher = new BatchPublisher(
    connection,
    { maxMessages: 10, lingerMs: 1, sendTimeoutMs: timing.sendTimeoutMs ?? 2000, maxBatchBytes: 1 << 20, maxQueueBytes: 1 << 24 },
    new Logger('test', 'error'),
  );
  return { publisher, calls, producers: () => made };
}

const message = (i: number) => ({ topic: 't', key: `k${i}`, value: Buffer.from(`v${i}`) });

// The failure that left ingestion answering 503 after a Kafka restart until it was restarted itself.
describe('BatchPublisher after the broker refuses its sequence', () => {
  it('answers that batch "not stored", then sends the next one with a new producer', async () => {
    const { publisher, calls, producers } = scripted([outOfOrder(), undefined, undefined]);
    await publisher.connect();
    await expect(publisher.publish(message(1))).rejects.toThrow('out of order sequence number');
    await expect(publisher.publish(message(2))).resolves.toBeUndefined();
    await expect(publisher.publish(message(3))).resolves.toBeUndefined();
    expect(calls).toEqual([1, 2, 2]);
    expect(producers()).toBe(2);
  });

  // The broker may hold the failed batch under sequence numbers kafkajs rolled back; the same
  // producer would send the next batch under them, and the broker would take it for a duplicate
  // (test/ingestion/lost-answer.test.ts drives that against Kafka).
  it('sends the next batch with a new producer after any failure, the outcome being unknown', async () => {
    const { publisher, calls, producers } = scripted([
      new KafkaJSConnectionError('Connection error: read ECONNRESET'),
      undefined,
      undefined,
    ]);
    await publisher.connect();
    await expect(publisher.publish(message(1))).rejects.toThrow('ECONNRESET');
    await expect(publisher.publish(message(2))).resolves.toBeUndefined();
    await expect(publisher.publish(message(3))).resolves.toBeUndefined();
    expect(calls).toEqual([1, 2, 2]);
    expect(producers()).toBe(2);
  });
});

/** Keys of `count` messages that keyPartitioner puts on `partition` of PARTITIONS. */
const keysOn = (partition: number, count: number): string[] => {
  const choose = keyPartitioner();
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++)
    if (choose({ topic: 't', partitionMetadata: metadata, message: { key: `k${i}`, value: null } }) === partition) keys.push(`k${i}`);
  return keys;
};

describe('BatchPublisher when Kafka answers without some partitions', () => {
  const on = (partition: number) => keysOn(partition, 2).map((key) => ({ topic: 't', key, value: Buffer.from(key) }));

  it('sends the messages of the unacknowledged partition again, and answers "stored" only then', async () => {
    const { publisher, calls } = scripted([{ skip: [2] }, undefined]);
    await publisher.connect();
    const settled: string[] = [];
    const all = [...on(0), ...on(2)].map((m) => publisher.publish(m).then(() => settled.push(m.key)));
    await Promise.all(all);
    // Sent again by a new producer: the skipped partition's first request may be on the broker.
    expect(calls).toEqual([1, 2]);
    expect(settled.sort()).toEqual([...on(0), ...on(2)].map((m) => m.key).sort());
  });

  it('answers "not stored" for what a resend left unacknowledged, and "stored" for the rest', async () => {
    const { publisher } = scripted([{ skip: [1] }, { skip: [1] }]);
    await publisher.connect();
    const outcomes = await Promise.allSettled([...on(0), ...on(1)].map((m) => publisher.publish(m)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    const reason = (outcomes[2] as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(UnacknowledgedError);
    expect(reason.message).toBe("Kafka's answer did not acknowledge partition t/1 after a resend");
  });

  it('answers "stored" for what the first answer acknowledged, even when the resend fails', async () => {
    const { publisher } = scripted([{ skip: [1] }, new KafkaJSConnectionError('Connection error: read ECONNRESET')]);
    await publisher.connect();
    const outcomes = await Promise.allSettled([...on(0), ...on(1)].map((m) => publisher.publish(m)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(((outcomes[2] as PromiseRejectedResult).reason as Error).message).toMatch('ECONNRESET');
  });
});

describe('BatchPublisher while a new producer connects', () => {
  // A caller told "not stored" (its time ran out) while the producer was being replaced is not
  // sent for; the others of its batch are.
  it('sends the batch without the callers that gave up meanwhile', async () => {
    const { publisher, calls } = scripted([new KafkaJSConnectionError('Connection error: read ECONNRESET'), undefined], {
      connectMs: 300,
      sendTimeoutMs: 150,
    });
    await publisher.connect();
    await expect(publisher.publish(message(1))).rejects.toThrow('ECONNRESET');
    const early = publisher.publish(message(2));
    await new Promise((r) => setTimeout(r, 100));
    const late = publisher.publish(message(3));
    await expect(early).rejects.toThrow('Kafka did not acknowledge within 150 ms');
    await expect(late).rejects.toThrow('Kafka did not acknowledge within 150 ms');
    // Both gave up during the 300 ms connect: no send was made for them (no TypeError either).
    const next = publisher.publish(message(4));
    await expect(next).resolves.toBeUndefined();
    expect(calls).toEqual([1, 2]);
  });
});
