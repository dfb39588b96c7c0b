import { kafkaKey, serializeEnvelope, type EnvelopeHead } from './envelope';
import type { ParsedWiseBody } from './events';

export interface EventRecord {
  key: string;
  value: Buffer;
  head: EnvelopeHead;
}

/**
 * The Kafka record of a body that passed the contract: its envelope (head from the parse, body
 * spliced byte for byte) under its ordering key. Ingestion publishes every accepted webhook through
 * it, and `quarantine replay` every delivery that passes today, so both are the same record.
 */
export function acceptedEventRecord(
  instituteId: string,
  eventId: string,
  receivedAt: number,
  parsed: ParsedWiseBody,
  raw: Buffer,
): EventRecord {
  const head: EnvelopeHead = {
    eventId,
    instituteId,
    eventName: parsed.eventName,
    receivedAt,
    occurredAt: parsed.links.occurredAtMs,
    sessionId: parsed.links.sessionId,
    classroomId: parsed.links.classroomId,
    userId: parsed.links.userId,
  };
  return { key: kafkaKey(instituteId, parsed.orderingEntity, eventId), value: serializeEnvelope(head, raw), head };
}
