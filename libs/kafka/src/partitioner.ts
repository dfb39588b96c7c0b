import { Partitioners, type ICustomPartitioner } from 'kafkajs';

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`) in 32-bit integer arithmetic. kafkajs
 * computes the same hash with a 64-bit `Long` object per step, which cost 2–3 % of ingestion's
 * CPU; only the low 32 bits ever reach the result, so `Math.imul` gives the same number.
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[length4 + 2] << 16;
  if (rest >= 2) h ^= data[length4 + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[length4], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * kafkajs's default (Java-compatible) partitioner for keyed messages, with the hash above: a key
 * lands on the partition the Java client and kafkajs choose, so ordering per key holds across
 * versions. Messages without a key or with a partition go to kafkajs's own partitioner.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key === null || message.key === undefined) return fallback(args);
    const key = Buffer.isBuffer(message.key) ? message.key : Buffer.from(String(message.key));
    return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
  };
};

/** What placingPartitioner notes for a message kafkajs placed on two partitions in one send. */
export const MOVED = -1;

/**
 * keyPartitioner, noting the partition it chose for each message object in `placed`: the
 * publisher checks that Kafka's answer acknowledged every partition its messages went to. kafkajs
 * places a send's messages again on each of its retries; a message placed on another partition
 * than before (partitions were added meanwhile) is noted MOVED, which no answer acknowledges: an
 * earlier broker's answer for its new partition need not have carried it.
 */
export const placingPartitioner =
  (placed: WeakMap<object, number>): ICustomPartitioner =>
  () => {
    const choose = keyPartitioner();
    return (args) => {
      const partition = choose(args);
      const before = placed.get(args.message);
      placed.set(args.message, before === undefined || before === partition ? partition : MOVED);
      return partition;
    };
  };
