/*
 * One derivation of every Kafka size limit from BODY_LIMIT_BYTES, so that any body ingestion
 * accepts also fits in a Kafka record: the topic's max.message.bytes, the broker's
 * message.max.bytes (scripts/stack/stack.sh computes the same formula) and the publisher's own
 * per-batch limit all come from here.
 *
 * A quarantine record carries the raw body as base64 when it is not clean UTF-8 (4/3 of its size),
 * and serializeQuarantine never lets JSON escaping make it larger than that; the envelope head
 * (ids capped at 128 characters, names, times) stays far below the fixed overhead.
 */
export const ENVELOPE_OVERHEAD_BYTES = 64 * 1024;

/** The largest record value (plus key) ingestion can produce for a body of at most `bodyLimitBytes`. */
export function maxRecordBytes(bodyLimitBytes: number): number {
  return Math.ceil((bodyLimitBytes * 4) / 3) + ENVELOPE_OVERHEAD_BYTES;
}

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
