import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { keyPartitioner, MOVED, murmur2, placingPartitioner } from './partitioner';

// kafkajs's own Long-based hash: the reference the 32-bit one must equal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

describe('murmur2 and keyPartitioner', () => {
  it("equals kafkajs's murmur2 on every length, random bytes and the keys ingestion sends", () => {
    const keys: Buffer[] = [Buffer.alloc(0)];
    for (let len = 1; len <= 80; len++) for (let i = 0; i < 25; i++) keys.push(randomBytes(len));
    for (const k of ['acme:665f1c2a9b1e4a00123456a1', 'b-inst-7:0123456789abcdef0123456789abcdef', 'école:séance-ü', '21', 'a'])
      keys.push(Buffer.from(k));
    for (const k of keys) expect([k.toString('hex'), murmur2(k)]).toEqual([k.toString('hex'), reference(k)]);
  });

  it("puts every keyed message on the partition kafkajs's default partitioner chooses", () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const n of [1, 2, 3, 6, 7, 12, 64]) {
      for (let i = 0; i < 300; i++) {
        const args = {
          topic: 't',
          partitionMetadata: metadata(n),
          message: { key: `inst-${i % 9}:${randomBytes(12).toString('hex')}`, value: 'v' },
        };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('keeps an explicit partition, and spreads keyless messages as kafkajs does', () => {
    const ours = keyPartitioner();
    expect(ours({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: 'v', partition: 4 } })).toBe(4);
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) seen.add(ours({ topic: 't', partitionMetadata: metadata(6), message: { value: 'v' } }));
    expect(seen.size).toBe(6);
  });

  it('notes where it placed each message, and MOVED for one placed on another partition by a retry', () => {
    const placed = new WeakMap<object, number>();
    const place = placingPartitioner(placed)();
    const message = { key: 'inst-1:classroom-7', value: 'v' };
    const first = place({ topic: 't', partitionMetadata: metadata(3), message });
    expect(placed.get(message)).toBe(first);
    place({ topic: 't', partitionMetadata: metadata(3), message });
    expect(placed.get(message)).toBe(first);
    // Partitions added between two retries of one send: the key's partition changes.
    const moved = [4, 5, 6, 7, 8].find((n) => keyPartitioner()({ topic: 't', partitionMetadata: metadata(n), message }) !== first)!;
    place({ topic: 't', partitionMetadata: metadata(moved), message });
    expect(placed.get(message)).toBe(MOVED);
  });
});
