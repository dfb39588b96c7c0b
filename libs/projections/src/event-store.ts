import type { EnvelopeHead } from '@wise/contracts';
import { deliveryRank } from './columns';
import type { Row } from './tables';

/** An event as the event store holds it: its head and its body's raw text. */
export interface StoredEvent {
  head: EnvelopeHead & { v: number };
  rawBody: string;
  /** Where it was read (topic/partition/offset, or `rebuild`), for quarantine rows. */
  source: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The `events` row of one event: its head's columns and the raw body, whatever the body holds. */
export function eventStoreRow(head: EnvelopeHead & { v: number }, rawBody: string): Row {
  return {
    institute_id: head.instituteId,
    event_id: head.eventId,
    event_name: head.eventName,
    schema_version: head.v,
    received_at: seconds(head.receivedAt),
    received_at_ms: head.receivedAt,
    occurred_at: head.occurredAt === null ? null : seconds(head.occurredAt),
    occurred_at_ms: head.occurredAt,
    session_id: head.sessionId ?? '',
    classroom_id: head.classroomId ?? '',
    user_id: head.userId ?? '',
    payload: rawBody,
    delivery_rank: deliveryRank(head),
  };
}
