import type { Envelope, WiseEventName } from '@wise/contracts';
import { projectCertificate } from './certificates.projection';
import { projectInvoice, projectPayment } from './fees.projection';
import { projectMeeting, projectPresence, projectSharing } from './meetings.projection';
import { projectRecording } from './recordings.projection';
import { projectRoster, projectSuspension } from './roster.projection';
import { projectAttendancePointer, projectSessions } from './sessions.projection';
import type { ProjectedRows } from './projected-tables';

/** One event's projection, typed by that event's body. */
export type Projection<N extends WiseEventName> = (env: Envelope<N>) => ProjectedRows;

// A mapped type over WiseEventName: a new event name does not compile until it has a projection
// here (docs/development.md, "Adding a 20th Wise event").
const PROJECTIONS: { [N in WiseEventName]: Projection<N> } = {
  SessionsCreatedEvent: (e) => projectSessions(e, 'created'),
  SessionsUpdatedEvent: (e) => projectSessions(e, 'updated'),
  SessionsDeletedEvent: (e) => projectSessions(e, 'deleted'),
  MeetingStartedEvent: (e) => projectMeeting(e, 'started'),
  MeetingEndedEvent: (e) => projectMeeting(e, 'ended'),
  ParticipantJoinedMeetingEvent: (e) => projectPresence(e, 'joined'),
  ParticipantLeftMeetingEvent: (e) => projectPresence(e, 'left'),
  SharingStaredInMeetingEvent: (e) => projectSharing(e, 'sharing_started'),
  SharingEndedInMeetingEvent: (e) => projectSharing(e, 'sharing_ended'),
  StudentAddedToClassroomEvent: (e) => projectRoster(e, 'student', e.body.payload.student, 'added'),
  StudentRemovedFromClassroomEvent: (e) => projectRoster(e, 'student', e.body.payload.student, 'removed'),
  TeacherAddedToClassroomEvent: (e) => projectRoster(e, 'teacher', e.body.payload.teacher, 'added'),
  TeacherRemovedFromClassroomEvent: (e) => projectRoster(e, 'teacher', e.body.payload.teacher, 'removed'),
  StudentSuspensionUpdatedEvent: projectSuspension,
  RecordingCompletedEvent: projectRecording,
  FeeInvoiceChargedEvent: projectInvoice,
  FeePaymentCompletedEvent: projectPayment,
  CertificateIssuedEvent: projectCertificate,
  // Carries no attendance values; its session's classroom and teacher are kept (see the projection).
  AttendanceComputedEvent: projectAttendancePointer,
};

/**
 * The analytics rows of one event whose body passed its event's schema. Pure and deterministic:
 * the same envelope gives the same rows, except that columns derived from receivedAt differ between
 * deliveries (the views and merges keep the earliest delivery's). Throws ProjectionError only if
 * the body contradicts its schema (a bug: contract and projection drifted).
 */
export function projectEvent<N extends WiseEventName>(env: Envelope<N>): ProjectedRows {
  return (PROJECTIONS[env.eventName] as Projection<N>)(env);
}
