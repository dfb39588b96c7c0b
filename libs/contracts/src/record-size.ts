/*
 * The largest Kafka record ingestion can make from a body, derived here, beside the two
 * serialisers (envelope.ts) whose output it bounds: libs/kafka sizes topics and batches from it,
 * scripts/stack/stack.sh computes the same formula for the broker, and libs/config refuses a queue
 * that could never hold one such record.
 *
 * A quarantine record carries the raw body once, as base64 when it is not clean UTF-8 (4/3 of its
 * size), and serializeQuarantine never lets JSON escaping make it larger than that; everything
 * else in a record (ids capped at 128 characters, the event name and reason capped by
 * serializeQuarantine, times) stays far below the fixed overhead even when every character of it
 * is JSON-escaped to six bytes.
 */
export const ENVELOPE_OVERHEAD_BYTES = 64 * 1024;

/** The largest record value (plus key) ingestion can produce for a body of at most `bodyLimitBytes`. */
export function maxRecordBytes(bodyLimitBytes: number): number {
  return Math.ceil((bodyLimitBytes * 4) / 3) + ENVELOPE_OVERHEAD_BYTES;
}
