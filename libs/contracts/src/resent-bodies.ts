import { createHash } from 'node:crypto';
import { WISE_EVENT_NAMES, type WiseEventBody, type WiseEventName } from './events';
import type { ParsedWiseBody } from './events/parse-wise-body';

/*
 * Same bytes, new event. A delivery is named by a hash of (institute, raw body) (deriveEventId),
 * so that Wise's retries collapse. Events that carry no time of their own (membership, suspension,
 * payment) can be sent again with the very same bytes as a new event: add(S) → remove(S) → add(S)
 * makes the second add the bytes of the first. Such a body is a new event when it can no longer be
 * a retry: another event of the same entity was first received after it, and it arrives later
 * than Wise's retry schedule lets a copy arrive. Ingestion decides that (with its state in
 * PostgreSQL) and gives the new event a generation: the body's id, then generationEventId(id, 1),
 * (id, 2)… so that Kafka, `events` and every rebuild hold the id decided once.
 */

/** Wise's retries of one delivery, in seconds after the event (the contract: 8 retries, then dropped). */
export const WISE_RETRY_SCHEDULE_S = [60, 180, 420, 900, 1860, 3780, 7620, 15300] as const;

/** Wise waits this long for an answer: an attempt sent at time t reaches us by t + 5 s. */
export const WISE_ATTEMPT_TIMEOUT_S = 5;

/**
 * Ingestion hosts measure receipt on their own clocks; a copy first received on one host and again
 * on another is compared across them. NTP keeps hosts well within this; a wider skew only makes a
 * late copy count as a retry, the behaviour before generations existed.
 */
export const HOST_CLOCK_ALLOWANCE_S = 60;

/**
 * How long after the first copy of a delivery we store another copy of it can still arrive:
 * the first copy we receive left Wise at the event's time or later, the last retry leaves 15 300 s
 * after the event and reaches us within the attempt timeout, and hosts' clocks may differ by the
 * allowance: (15 300 + 5 + 60) s = 15 365 s, 4 h 16 min 5 s. A copy received later than this after
 * the first can only be Wise sending the same body again.
 */
export const COPY_WINDOW_MS = (Math.max(...WISE_RETRY_SCHEDULE_S) + WISE_ATTEMPT_TIMEOUT_S + HOST_CLOCK_ALLOWANCE_S) * 1000;

type EntityRules = { [N in WiseEventName]: ((body: WiseEventBody<N>) => readonly string[]) | null };

/**
 * Per event, the entity whose later events make a late copy of its body a new event, or null for
 * events with a time of their own (re-sending them as new would give the same time: nothing to
 * tell apart) or that nothing re-sends (recordings, certificates, fee invoices, which Wise re-sends
 * as copies when an instalment is added). A 20th event does not compile until it has a rule.
 */
const ENTITY_OF: EntityRules = {
  MeetingStartedEvent: null,
  MeetingEndedEvent: null,
  ParticipantJoinedMeetingEvent: null,
  ParticipantLeftMeetingEvent: null,
  SharingStaredInMeetingEvent: null,
  SharingEndedInMeetingEvent: null,
  RecordingCompletedEvent: null,
  AttendanceComputedEvent: null,
  // Added and removed are the same entity: a removal in between is what makes a re-add new.
  StudentAddedToClassroomEvent: (b) => ['member', b.payload.classroom._id, 'student', b.payload.student._id],
  StudentRemovedFromClassroomEvent: (b) => ['member', b.payload.classroom._id, 'student', b.payload.student._id],
  TeacherAddedToClassroomEvent: (b) => ['member', b.payload.classroom._id, 'teacher', b.payload.teacher._id],
  TeacherRemovedFromClassroomEvent: (b) => ['member', b.payload.classroom._id, 'teacher', b.payload.teacher._id],
  StudentSuspensionUpdatedEvent: (b) => ['suspension', b.payload.classroom._id, b.payload.student._id],
  FeePaymentCompletedEvent: (b) => ['payment', b.payload.transaction._id],
  FeeInvoiceChargedEvent: null,
  CertificateIssuedEvent: null,
  SessionsCreatedEvent: null,
  SessionsUpdatedEvent: null,
  SessionsDeletedEvent: null,
};

/** The events whose id ingestion decides with PostgreSQL (the others' id is their body's). */
export const TIMELESS_EVENT_NAMES: readonly WiseEventName[] = WISE_EVENT_NAMES.filter((n) => ENTITY_OF[n] !== null);

/** The entity of a timeless event (a text naming it unambiguously), or null if the event has a time or none. */
export function timelessEntityOf(parsed: ParsedWiseBody): string | null {
  const rule = ENTITY_OF[parsed.eventName] as ((b: WiseEventBody) => readonly string[]) | null;
  return rule ? JSON.stringify(rule(parsed.body)) : null;
}

/** The id of a body's `generation`-th new event: generation 0 is the body's own id (deriveEventId). */
export function generationEventId(baseId: string, generation: number): string {
  if (generation === 0) return baseId;
  return createHash('sha256').update(baseId).update('\n').update(String(generation)).digest('hex').slice(0, 32);
}
