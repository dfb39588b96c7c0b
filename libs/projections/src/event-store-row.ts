import type { EnvelopeHead } from '@wise/contracts';
import { deliveryRank, wellFormed } from './columns';
import type { Row } from './projected-tables';

/** An event as the event store holds it: its head and its body's raw text. */
export interface StoredEvent {
  head: EnvelopeHead & { v: number };
  rawBody: string;
  /** Where it was read (topic/partition/offset, or `rebuild`), for quarantine rows. */
  source: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The `events` row of one event: its head's columns and the raw body, whatever the body holds. The
 * head's texts come from the body (a session id, an event name), decoded: made well-formed like
 * every projected column, or one lone surrogate would keep the event out of the store. The body is
 * its raw text, where a surrogate is still its JSON escape.
 */
export function eventStoreRow(head: EnvelopeHead & { v: number }, rawBody: string): Row {
  return {
    institute_id: wellFormed(head.instituteId),
    event_id: head.eventId,
    event_name: wellFormed(head.eventName),
    schema_version: head.v,
    received_at: seconds(head.receivedAt),
    received_at_ms: head.receivedAt,
    occurred_at: head.occurredAt === null ? null : seconds(head.occurredAt),
    occurred_at_ms: head.occurredAt,
    session_id: wellFormed(head.sessionId ?? ''),
    classroom_id: wellFormed(head.classroomId ?? ''),
    user_id: wellFormed(head.userId ?? ''),
    payload: rawBody,
    delivery_rank: deliveryRank(head),
  };
}
