import { maxRecordBytes } from '@wise/contracts';

// The formula lives with the serialisers whose output it bounds (libs/contracts/src/record-size.ts).
export { ENVELOPE_OVERHEAD_BYTES, maxRecordBytes } from '@wise/contracts';

export interface TopicPolicy {
  bodyLimitBytes: number;
  replicationFactor: number;
  /** -1: forever (Kafka is the second copy of the event store). */
  retentionMs: number;
}

/** The topic settings ingestion sets explicitly instead of inheriting broker defaults. */
export function topicConfig(p: TopicPolicy): Record<string, string> {
  return {
    // Record batches are limited by the broker per partition; the publisher never builds a larger one.
    'max.message.bytes': String(maxRecordBytes(p.bodyLimitBytes)),
    'retention.ms': String(p.retentionMs),
    // With acks=all, 2 in-sync copies out of 3 survive one broker loss without refusing writes.
    'min.insync.replicas': String(p.replicationFactor >= 3 ? 2 : 1),
  };
}
