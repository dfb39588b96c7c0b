import type { WiseEventName } from './event-names';
import { inMeetingEventTs } from './meeting.schemas';
import type { WiseEventBody } from './wise-event-schemas';
import { parseWiseTime } from './wise-time';

/** The ids and time that tie one event to the rest of the model; null where the event has none. */
export interface EventLinks {
  /** The event's own time in epoch ms (not the receive time). */
  occurredAtMs: number | null;
  sessionId: string | null;
  classroomId: string | null;
  userId: string | null;
}

type LinkRules = { [N in WiseEventName]: (body: WiseEventBody<N>) => EventLinks };

// Wise leaves some ids empty rather than absent; an empty id links nothing.
function id(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function links(occurredAtMs: number | null, sessionId: unknown, classroomId: unknown, userId: unknown): EventLinks {
  return { occurredAtMs, sessionId: id(sessionId), classroomId: id(classroomId), userId: id(userId) };
}

function latest(values: readonly unknown[]): number | null {
  let max: number | null = null;
  for (const v of values) {
    const t = parseWiseTime(v);
    if (t !== null && (max === null || t > max)) max = t;
  }
  return max;
}

type SessionsBody = WiseEventBody<'SessionsCreatedEvent' | 'SessionsUpdatedEvent' | 'SessionsDeletedEvent'>;

/*
 * One event may carry many sessions. It names a session only when it carries exactly one; the
 * first item's classroom stands for the event (the contract shows no batch spanning classrooms,
 * and the Kafka key needs one). Its time is the latest item time, never a guess: an update
 * without updatedAt has no time of its own.
 */
function sessionsLinks(b: SessionsBody, timeField: 'createdAt' | 'updatedAt'): EventLinks {
  const items = b.payload.sessions;
  const only = items.length === 1 ? items[0] : undefined;
  return links(latest(items.map((s) => s[timeField])), only?._id, items[0]?.classId, only?.userId);
}

const RULES: LinkRules = {
  MeetingStartedEvent: (b) =>
    links(inMeetingEventTs(b) ?? parseWiseTime(b.payload.payload.object.start_time), b.payload.sessionId, null, null),
  MeetingEndedEvent: (b) => links(inMeetingEventTs(b) ?? parseWiseTime(b.payload.payload.object.end_time), b.payload.sessionId, null, null),
  ParticipantJoinedMeetingEvent: (b) =>
    links(parseWiseTime(b.payload.payload.object.participant.join_time), b.payload.sessionId, null, null),
  ParticipantLeftMeetingEvent: (b) =>
    links(parseWiseTime(b.payload.payload.object.participant.leave_time), b.payload.sessionId, null, null),
  SharingStaredInMeetingEvent: (b) =>
    links(
      parseWiseTime(b.payload.payload.object.participant.sharing_details?.date_time) ?? inMeetingEventTs(b),
      b.payload.sessionId,
      null,
      null,
    ),
  SharingEndedInMeetingEvent: (b) =>
    links(
      parseWiseTime(b.payload.payload.object.participant.sharing_details?.date_time) ?? inMeetingEventTs(b),
      b.payload.sessionId,
      null,
      null,
    ),
  RecordingCompletedEvent: (b) => links(null, b.payload.sessionId, null, b.payload.userId),
  AttendanceComputedEvent: (b) => links(null, b.payload.session._id, b.payload.session.classId, b.payload.session.userId),
  StudentAddedToClassroomEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.student._id),
  TeacherAddedToClassroomEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.teacher._id),
  StudentRemovedFromClassroomEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.student._id),
  TeacherRemovedFromClassroomEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.teacher._id),
  StudentSuspensionUpdatedEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.student._id),
  FeePaymentCompletedEvent: (b) => links(null, null, b.payload.classroom._id, b.payload.student._id),
  FeeInvoiceChargedEvent: (b) =>
    links(parseWiseTime(b.payload.transaction.chargedAt), null, b.payload.classroom._id, b.payload.student._id),
  CertificateIssuedEvent: (b) => links(parseWiseTime(b.payload.certificate.issuedOn), null, b.payload.classroom._id, b.payload.student._id),
  SessionsCreatedEvent: (b) => sessionsLinks(b, 'createdAt'),
  SessionsUpdatedEvent: (b) => sessionsLinks(b, 'updatedAt'),
  SessionsDeletedEvent: (b) => sessionsLinks(b, 'updatedAt'),
};

/**
 * Whose order matters for each event, hence its Kafka key: a meeting's events must stay in order
 * per session, membership, money and schedule per classroom.
 */
const ORDERED_BY: { [N in WiseEventName]: 'session' | 'classroom' } = {
  MeetingStartedEvent: 'session',
  MeetingEndedEvent: 'session',
  ParticipantJoinedMeetingEvent: 'session',
  ParticipantLeftMeetingEvent: 'session',
  SharingStaredInMeetingEvent: 'session',
  SharingEndedInMeetingEvent: 'session',
  RecordingCompletedEvent: 'session',
  AttendanceComputedEvent: 'session',
  StudentAddedToClassroomEvent: 'classroom',
  TeacherAddedToClassroomEvent: 'classroom',
  StudentRemovedFromClassroomEvent: 'classroom',
  TeacherRemovedFromClassroomEvent: 'classroom',
  StudentSuspensionUpdatedEvent: 'classroom',
  FeePaymentCompletedEvent: 'classroom',
  FeeInvoiceChargedEvent: 'classroom',
  CertificateIssuedEvent: 'classroom',
  SessionsCreatedEvent: 'classroom',
  SessionsUpdatedEvent: 'classroom',
  SessionsDeletedEvent: 'classroom',
};

/** Links of a body that already passed its event's schema. */
export function extractLinks<N extends WiseEventName>(name: N, body: WiseEventBody<N>): EventLinks {
  return (RULES[name] as (b: WiseEventBody<N>) => EventLinks)(body);
}

/** The id to order this event by; falls back to any id the event has, else null. */
export function orderingEntityOf(name: WiseEventName, l: EventLinks): string | null {
  return ORDERED_BY[name] === 'session' ? (l.sessionId ?? l.classroomId ?? l.userId) : (l.classroomId ?? l.sessionId ?? l.userId);
}
