import { consumerLag, KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { uniqueName } from '@wise/testing';

// consumerLag against the real broker: log end offsets against a group's committed offsets.
describe('consumerLag (real Kafka)', () => {
  const kafka = new KafkaConnection({ brokers: ['127.0.0.1:9092'], clientId: 'test-lag', logger: new Logger('test', 'error') });
  const topic = `test.${uniqueName('lag')}`;
  const other = `test.${uniqueName('lag-other')}`;
  const groupId = `test-${uniqueName('lag')}`;

  beforeAll(async () => {
    await kafka.ensureTopics([
      { topic, partitions: 2, replicationFactor: 1 },
      { topic: other, partitions: 1, replicationFactor: 1 },
    ]);
    const producer = kafka.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const msgs = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `m${i}` }));
      await producer.send({ topic, acks: -1, messages: msgs(5).map((m) => ({ ...m, partition: 0 })) });
      await producer.send({ topic, acks: -1, messages: msgs(3).map((m) => ({ ...m, partition: 1 })) });
      await producer.send({ topic: other, acks: -1, messages: msgs(4) });
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await kafka.withAdmin((a) => a.deleteTopics({ topics: [topic, other] })).catch(() => undefined);
  });

  it('is everything from the log start while the group never committed', async () => {
    const lags = await kafka.withAdmin((a) => consumerLag(a, groupId, [topic, other]));
    expect(lags).toEqual(
      [
        { topic, partition: 0, end: 5, committed: null, lag: 5 },
        { topic, partition: 1, end: 3, committed: null, lag: 3 },
        { topic: other, partition: 0, end: 4, committed: null, lag: 4 },
      ].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    );
  });

  it('is end minus committed once the group committed, and starts at the log start after records were deleted', async () => {
    await kafka.withAdmin(async (a) => {
      // setOffsets joins the group for a moment (about 5 s: the broker's initial rebalance delay).
      await a.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '2' },
          { partition: 1, offset: '3' },
        ],
      });
      await a.fetchTopicMetadata({ topics: [other] }); // deleteTopicRecords needs the leaders known
      await a.deleteTopicRecords({ topic: other, partitions: [{ partition: 0, offset: '1' }] });
    });
    const lags = await kafka.withAdmin((a) => consumerLag(a, groupId, [topic, other]));
    const of = (t: string, p: number) => lags.find((l) => l.topic === t && l.partition === p);
    expect(of(topic, 0)).toEqual({ topic, partition: 0, end: 5, committed: 2, lag: 3 });
    expect(of(topic, 1)).toEqual({ topic, partition: 1, end: 3, committed: 3, lag: 0 });
    expect(of(other, 0)).toEqual({ topic: other, partition: 0, end: 4, committed: null, lag: 3 });
  });
});
