import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BatchPublisher,
  KafkaConnection,
  maxRecordBytes,
  PublishTimeoutError,
  QueueFullError,
  RecordTooLargeError,
  topicConfig,
} from '@wise/kafka';
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
  const publisher = new BatchPublisher(
    connection,
    {
      maxMessages: 100,
      lingerMs: 5,
      sendTimeoutMs: 4000,
      maxBatchBytes: 1024 * 1024,
      maxQueueBytes: 64 * 1024 * 1024,
      onBatch: (size) => batches.push(size),
    },
    logger,
  );

  beforeAll(async () => {
    await connection.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.disconnect();
  });

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
    expect(read.sort((a, b) => Number(a.offset) - Number(b.offset)).map((m) => m.value.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => `o-${i}`),
    );
    expect((await readTopic(brokers, topic)).length).toBe(before + 20);
  });
});

// Limits: a batch never exceeds the topic's max.message.bytes, a message that can never fit fails
// alone, and a full queue refuses at once instead of growing.
describe('BatchPublisher limits', () => {
  const brokers = ['127.0.0.1:9092'];
  const logger = new Logger('test', 'error');
  const connection = new KafkaConnection({ brokers, clientId: 'test-publisher-limits', logger });
  const topic = `test.${uniqueName('lim')}`;
  const limit = 256 * 1024;
  const batches: number[] = [];
  const publisher = new BatchPublisher(
    connection,
    {
      maxMessages: 1000,
      lingerMs: 5,
      sendTimeoutMs: 4000,
      maxBatchBytes: limit,
      maxQueueBytes: 4 * limit,
      onBatch: (size) => batches.push(size),
    },
    logger,
  );

  beforeAll(async () => {
    await connection.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, config: { 'max.message.bytes': String(limit) } }]);
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.disconnect();
  });

  it('splits concurrent messages into batches under max.message.bytes, so a large one fails none of its neighbours', async () => {
    const big = randomBytes(limit - 1024);
    const small = Array.from({ length: 50 }, (_, i) => Buffer.from(`small-${i}-${'x'.repeat(2000)}`));
    await Promise.all([
      publisher.publish({ topic, key: 'big', value: big }),
      ...small.map((v, i) => publisher.publish({ topic, key: `s${i}`, value: v })),
    ]);
    const read = await readTopic(brokers, topic);
    expect(read).toHaveLength(51);
    expect(read.find((m) => m.key === 'big')!.value.equals(big)).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a message larger than max.message.bytes alone, at once', async () => {
    await expect(publisher.publish({ topic, key: 'huge', value: Buffer.alloc(limit + 1) })).rejects.toBeInstanceOf(RecordTooLargeError);
  });

  it('refuses with QueueFullError at once when the queue holds maxQueueBytes, and takes messages again after', async () => {
    const pending = Array.from({ length: 4 }, (_, i) => publisher.publish({ topic, key: `q${i}`, value: Buffer.alloc(limit - 1024) }));
    await expect(publisher.publish({ topic, key: 'over', value: Buffer.alloc(limit - 1024) })).rejects.toBeInstanceOf(QueueFullError);
    await Promise.all(pending);
    expect(publisher.queuedBytes).toBe(0);
    await expect(publisher.publish({ topic, key: 'after', value: Buffer.from('ok') })).resolves.toBeUndefined();
  });
});

describe('KafkaConnection.ensureTopics sets topic settings, also on an existing topic', () => {
  const connection = new KafkaConnection({ brokers: ['127.0.0.1:9092'], clientId: 'test-topics', logger: new Logger('test', 'error') });

  it("creates a topic with ingestion's settings: max.message.bytes from the body limit, retention, min.insync.replicas", async () => {
    const topic = `test.${uniqueName('cfg')}`;
    const config = topicConfig({ bodyLimitBytes: 1024 * 1024, replicationFactor: 1, retentionMs: -1 });
    await connection.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, config }]);
    expect(await connection.topicSettings(topic)).toEqual({
      'max.message.bytes': String(maxRecordBytes(1024 * 1024)),
      'retention.ms': '-1',
      'min.insync.replicas': '1',
    });
    expect(maxRecordBytes(1024 * 1024)).toBeGreaterThan(Math.ceil((1024 * 1024 * 4) / 3));
    expect(topicConfig({ bodyLimitBytes: 1024, replicationFactor: 3, retentionMs: -1 })['min.insync.replicas']).toBe('2');
  });

  it('applies them to a topic created with broker defaults, keeping its other settings', async () => {
    const topic = `test.${uniqueName('old')}`;
    await connection.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, config: { 'segment.ms': '86400000' } }]);
    const config = topicConfig({ bodyLimitBytes: 1024 * 1024, replicationFactor: 1, retentionMs: -1 });
    await connection.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, config }]);
    expect(await connection.topicSettings(topic)).toEqual({ ...config, 'segment.ms': '86400000' });
  });
});

describe("the native stack's broker admits what ingestion produces", () => {
  it.each([1024 * 1024, 5 * 1024 * 1024 + 7])('message.max.bytes for BODY_LIMIT_BYTES=%i is maxRecordBytes()', (limit) => {
    const script = join(__dirname, '..', 'scripts', 'stack', 'stack.sh');
    const out = execFileSync('bash', [script, 'kafka-max-message-bytes'], { env: { ...process.env, BODY_LIMIT_BYTES: String(limit) } })
      .toString()
      .trim();
    expect(Number(out)).toBe(maxRecordBytes(limit));
  });
});

describe('BatchPublisher drops what its callers gave up on', () => {
  const logger = new Logger('test', 'error');
  const connection = new KafkaConnection({ brokers: ['127.0.0.1:9092'], clientId: 'test-publisher-expiry', logger });
  const publisher = new BatchPublisher(
    connection,
    { maxMessages: 1, lingerMs: 0, sendTimeoutMs: 300, maxBatchBytes: 1024 * 1024, maxQueueBytes: 1024 * 1024 },
    logger,
  );
  beforeAll(async () => {
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.disconnect();
  });

  it('answers PublishTimeoutError in time and releases the bytes of queued entries, even while a batch is stuck', async () => {
    // A topic that does not exist: kafkajs keeps retrying the first batch long past the timeout.
    const topic = `test.${uniqueName('missing')}`;
    const sends = ['a', 'b', 'c'].map((v) => publisher.publish({ topic, key: v, value: Buffer.alloc(100_000) }));
    expect(publisher.queuedBytes).toBeGreaterThan(300_000);
    for (const s of sends) await expect(s).rejects.toBeInstanceOf(PublishTimeoutError);
    expect(publisher.queuedBytes).toBe(0);
  });
});
