import { BatchPublisher, KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { readTopic, uniqueName } from '@wise/testing';

// The batching publisher against the real broker: concurrent callers share batch sends, and each
// caller's promise resolves only when the batch holding its message was acknowledged.
describe('BatchPublisher', () => {
  const brokers = ['127.0.0.1:9092'];
  const topic = `test.${uniqueName('pub')}`;
  const logger = new Logger('test', 'error');
  const connection = new KafkaConnection({ brokers, clientId: 'test-publisher', logger });
  const batches: number[] = [];
  const publisher = new BatchPublisher(connection, { maxMessages: 100, lingerMs: 5, sendTimeoutMs: 4000, maxBatchBytes: 1024 * 1024, maxQueueBytes: 64 * 1024 * 1024, onBatch: (size) => batches.push(size) }, logger);

  beforeAll(async () => {
    await connection.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    await publisher.connect();
  });
  afterAll(async () => { await publisher.disconnect(); });

  it('sends 500 concurrent messages in a few batches, every one acknowledged and readable', async () => {
    const values = Array.from({ length: 500 }, (_, i) => `message-${i}`);
    await Promise.all(values.map((v, i) => publisher.publish({ topic, key: `k${i % 7}`, value: Buffer.from(v) })));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(500);
    expect(batches.length).toBeLessThan(50);
    expect(Math.max(...batches)).toBeLessThanOrEqual(100);
    const read = await readTopic(brokers, topic);
    expect(read.map((m) => m.value.toString()).sort()).toEqual([...values].sort());
  });

  it('keeps one key on one partition, in the order sent', async () => {
    const before = (await readTopic(brokers, topic)).length;
    for (let i = 0; i < 20; i++) await publisher.publish({ topic, key: 'ordered', value: Buffer.from(`o-${i}`) });
    const read = (await readTopic(brokers, topic)).filter((m) => m.key === 'ordered');
    expect(read).toHaveLength(20);
    expect(new Set(read.map((m) => m.partition)).size).toBe(1);
    expect(read.sort((a, b) => Number(a.offset) - Number(b.offset)).map((m) => m.value.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `o-${i}`));
    expect((await readTopic(brokers, topic)).length).toBe(before + 20);
  });
});
