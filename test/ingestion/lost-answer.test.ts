import net from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { BatchPublisher, KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { readTopic, testEnv } from '@wise/testing';

// A broker that writes a produce request and whose answer is lost (killed after its followers
// copied the batch, as cluster fault scenario 1 does): kafkajs rolls its sequence numbers back on
// the error, so the same producer's next batch of that size on the partition goes out under the
// numbers the broker already holds, and the broker acknowledges it as a duplicate without writing
// it. That lost a webhook answered 200 on the cluster. Here against the real broker, its answers
// to produce requests cut by the client's own sockets.

/** Kafka's API key of a produce request, at byte 4 of every request (after its length). */
const PRODUCE = 0;

/** Sockets to the broker that, while `cutting`, close instead of delivering the answer to a produce request. */
class AnswerCut {
  cutting = false;

  readonly sockets: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    let producing = false;
    const write = socket.write.bind(socket) as (chunk: Buffer | string, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length >= 6) producing = chunk.readInt16BE(4) === PRODUCE;
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data' && producing && this.cutting) {
        // As a broker killed mid-answer looks to kafkajs, which hears 'error' and 'end', not 'close'.
        socket.destroy(new Error('read ECONNRESET (answer cut by the test)'));
        return false;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    return socket;
  };
}

describe('a produce request written by the broker whose answer is lost', () => {
  const env = testEnv();
  const topic = `${env.KAFKA_EVENTS_TOPIC!}.lost-answer`;
  const brokers = env.KAFKA_BROKERS!.split(',');
  const logger = new Logger('test', 'error');
  const admin = new KafkaConnection({ brokers, clientId: 'lost-answer-admin', logger });
  const cut = new AnswerCut();
  let publisher: BatchPublisher;

  beforeAll(async () => {
    await admin.withAdmin((a) => a.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }));
    const kafka = new Kafka({
      clientId: 'lost-answer',
      brokers,
      socketFactory: cut.sockets,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      logLevel: logLevel.NOTHING,
    });
    // The publisher uses the connection's client only; the cut is in that client's sockets.
    const connection = { kafka, explained: (e: unknown) => e } as unknown as KafkaConnection;
    publisher = new BatchPublisher(
      connection,
      { maxMessages: 10, lingerMs: 1, sendTimeoutMs: 30000, maxBatchBytes: 1 << 20, maxQueueBytes: 1 << 24 },
      logger,
    );
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await admin.withAdmin((a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
  });

  it('is answered "not stored", and the next message answered "stored" is stored', async () => {
    cut.cutting = true;
    await expect(publisher.publish({ topic, key: 'k', value: Buffer.from('first, its answers cut') })).rejects.toThrow();
    cut.cutting = false;
    await publisher.publish({ topic, key: 'k', value: Buffer.from('second, answered') });

    const stored = (await readTopic(brokers, topic)).map((m) => m.value.toString());
    // The broker did write the first (so the sequence numbers were really taken), once.
    expect(stored).toEqual(['first, its answers cut', 'second, answered']);
  }, 60000);
});
