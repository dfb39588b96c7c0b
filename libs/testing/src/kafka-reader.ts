import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
}

/**
 * Every message currently in `topic`, read with offsets fetched up front (no consumer group), so a
 * test can assert both what is there and that nothing else is.
 */
export async function readTopic(brokers: string[], topic: string): Promise<ReadMessage[]> {
  const connection = new KafkaConnection({ brokers, clientId: 'test-reader', logger: new Logger('test', 'error') });
  const ends = await connection.withAdmin((a) => a.fetchTopicOffsets(topic));
  const wanted = ends.filter((p) => Number(p.high) > Number(p.low));
  if (wanted.length === 0) return [];
  const total = wanted.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const consumer = connection.kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100 });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} messages from ${topic} in 20 s`)), 20000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            out.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value ?? Buffer.alloc(0) });
            if (out.length >= total) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
