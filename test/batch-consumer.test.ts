import { BatchConsumer, KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { uniqueName, waitFor } from '@wise/testing';

// BatchConsumer against the real broker: the handler takes a batch on and returns, its write goes on
// while the next batches are fetched, and the commit waits for it. A write given up is consumed
// again at once, and nothing after it is committed before its replay is written.
describe('BatchConsumer (real Kafka)', () => {
  const quiet = new Logger('test', 'error');
  const kafka = new KafkaConnection({ brokers: ['127.0.0.1:9092'], clientId: 'test-batch-consumer', logger: quiet });
  const topic = `test.${uniqueName('batches')}`;
  const groupId = `test-${uniqueName('batches')}`;

  beforeAll(async () => {
    await kafka.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // Three sends, three record batches: with a small fetch size each comes as a batch of its own.
      for (let b = 0; b < 3; b++)
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${b * 10 + i}` })) });
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await kafka.withAdmin((a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
  });

  const committed = async (): Promise<number> => {
    const [t] = await kafka.withAdmin((a) => a.fetchOffsets({ groupId, topics: [topic] }));
    return Number(t.partitions[0].offset);
  };

  it('consumes a batch whose write was given up again from its first offset, and commits nothing past it before the replay is written', async () => {
    const consumer = new BatchConsumer(
      kafka,
      { groupId, topics: [topic], maxBytesPerPartition: 64, minBytes: 1, maxWaitMs: 100, partitionsConsumedConcurrently: 1 },
      quiet,
    );
    const handed: string[] = [];
    let failFirst: (e: Error) => void = () => undefined;
    let committedAtReplay = -2;
    await consumer.start(async (batch) => {
      const first = batch.messages[0].offset;
      const seenBefore = handed.includes(first);
      handed.push(first);
      if (first === '0' && !seenBefore)
        // The first write is still running while the next batches are handed over and written.
        return { committable: new Promise<void>((_, reject) => (failFirst = reject)) };
      if (first === '0') committedAtReplay = await committed();
      return { committable: Promise.resolve() };
    });
    try {
      await waitFor('the batches after the first, handed over while its write runs', async () => handed.includes('20'));
      expect(await committed()).toBe(-1);
      failFirst(new Error('write given up'));
      await waitFor('the group committed every message', async () => (await committed()) === 30, 30000, 200);
    } finally {
      await consumer.stop();
    }
    expect(handed).toEqual(['0', '10', '20', '0', '10', '20']);
    // Batches 10 and 20 were written before the replay, but nothing past the given-up batch was committed.
    expect(committedAtReplay).toBe(-1);
  });
});
