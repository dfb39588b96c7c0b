import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { Logger } from '@wise/observability';
import { BatchPublisher, losesProducerSession } from './batch-publisher';
import type { KafkaConnection } from './kafka-connection';

/** kafkajs's error for a broker error code, wrapped as its retrier wraps a non-retriable one. */
const brokerError = (type: string, message: string) => {
  const protocol = new KafkaJSProtocolError({ type, message, code: 0 } as unknown as Error);
  return Object.assign(new KafkaJSNonRetriableError(protocol), { cause: protocol });
};
const outOfOrder = () => brokerError('OUT_OF_ORDER_SEQUENCE_NUMBER', 'The broker received an out of order sequence number');

/**
 * A connection whose producers answer sendBatch from a script shared by all of them (one entry per
 * call: an error to throw, or undefined for an ack); it records which producer took each call.
 */
function scripted(script: Array<Error | undefined>) {
  const calls: number[] = [];
  let made = 0;
  const connection = {
    kafka: {
      producer: () => {
        const id = ++made;
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          sendBatch: async () => {
            calls.push(id);
            const next = script.shift();
            if (next) throw next;
            return [];
          },
        };
      },
    },
  } as unknown as KafkaConnection;
  const publisher = new BatchPublisher(
    connection,
    { maxMessages: 10, lingerMs: 1, sendTimeoutMs: 2000, maxBatchBytes: 1 << 20, maxQueueBytes: 1 << 24 },
    new Logger('test', 'error'),
  );
  return { publisher, calls, producers: () => made };
}

const message = (i: number) => ({ topic: 't', key: `k${i}`, value: Buffer.from(`v${i}`) });

describe('losesProducerSession', () => {
  it('recognises the broker refusing the idempotent session, wrapped or not', () => {
    expect(losesProducerSession(outOfOrder())).toBe(true);
    expect(losesProducerSession(brokerError('UNKNOWN_PRODUCER_ID', 'unknown producer'))).toBe(true);
    expect(losesProducerSession(brokerError('INVALID_PRODUCER_EPOCH', 'old epoch'))).toBe(true);
  });

  it('leaves other failures to the same producer', () => {
    expect(losesProducerSession(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(losesProducerSession(brokerError('NOT_LEADER_FOR_PARTITION', 'not leader'))).toBe(false);
    expect(losesProducerSession(new Error('Kafka did not acknowledge within 2000 ms'))).toBe(false);
    expect(losesProducerSession(undefined)).toBe(false);
  });
});

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

  it('keeps its producer through a failure that is not about the session', async () => {
    const { publisher, calls, producers } = scripted([new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'), undefined]);
    await publisher.connect();
    await expect(publisher.publish(message(1))).rejects.toThrow('ECONNREFUSED');
    await expect(publisher.publish(message(2))).resolves.toBeUndefined();
    expect(calls).toEqual([1, 1]);
    expect(producers()).toBe(1);
  });
});
