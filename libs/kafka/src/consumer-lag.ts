import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The partition's log end offset (the next offset to be written). */
  end: number;
  /** The group's committed offset, or null when the group never committed on this partition. */
  committed: number | null;
  /** Messages written and not yet committed by the group: end − committed (− the log start if none). */
  lag: number;
}

/**
 * A consumer group's lag per topic and partition, from the broker's view: log end offsets
 * (fetchTopicOffsets) against the group's committed offsets (fetchOffsets). It is what the group
 * still has to process whatever state its members are in, so it also grows while they are stuck.
 */
export async function consumerLag(admin: Admin, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const committed = new Map<string, number>();
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of t.partitions) if (Number(p.offset) >= 0) committed.set(`${t.topic}/${p.partition}`, Number(p.offset));
  }
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const at = committed.get(`${topic}/${p.partition}`) ?? null;
      const end = Number(p.high);
      // A group that never committed starts from the log start (the projector reads from the beginning).
      out.push({ topic, partition: p.partition, end, committed: at, lag: Math.max(0, end - (at ?? Number(p.low))) });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
