import { isWiseEventName, type Envelope, type WiseEventName } from '@wise/contracts';
import { projectCertificate } from './certificates.projection';
import { projectInvoice, projectPayment } from './fees.projection';
import { projectMeeting, projectParticipant } from './meetings.projection';
import { ProjectionError, type ProjectedRows } from './projection.helpers';
import { projectRecording } from './recordings.projection';
import { projectRoster, projectSuspension } from './roster.projection';
import { projectSessions } from './sessions.projection';

export { deliveryRank, ProjectionError, type ProjectedRows, type Row } from './projection.helpers';
export * from './tables';

const PROJECTIONS: { [N in WiseEventName]: (env: Envelope) => ProjectedRows } = {
  SessionsCreatedEvent: (e) => projectSessions(e, 'created'),
  SessionsUpdatedEvent: (e) => projectSessions(e, 'updated'),
  SessionsDeletedEvent: (e) => projectSessions(e, 'deleted'),
  MeetingStartedEvent: (e) => projectMeeting(e, 'started'),
  MeetingEndedEvent: (e) => projectMeeting(e, 'ended'),
  ParticipantJoinedMeetingEvent: (e) => projectParticipant(e, 'joined'),
  ParticipantLeftMeetingEvent: (e) => projectParticipant(e, 'left'),
  SharingStaredInMeetingEvent: (e) => projectParticipant(e, 'sharing_started'),
  SharingEndedInMeetingEvent: (e) => projectParticipant(e, 'sharing_ended'),
  StudentAddedToClassroomEvent: (e) => projectRoster(e, 'student', 'added'),
  StudentRemovedFromClassroomEvent: (e) => projectRoster(e, 'student', 'removed'),
  TeacherAddedToClassroomEvent: (e) => projectRoster(e, 'teacher', 'added'),
  TeacherRemovedFromClassroomEvent: (e) => projectRoster(e, 'teacher', 'removed'),
  StudentSuspensionUpdatedEvent: projectSuspension,
  RecordingCompletedEvent: projectRecording,
  FeeInvoiceChargedEvent: projectInvoice,
  FeePaymentCompletedEvent: projectPayment,
  CertificateIssuedEvent: projectCertificate,
  // Wise's note that it computed attendance carries no values: it stays in `events` only.
  AttendanceComputedEvent: () => ({}),
};

/**
 * The analytics rows of one envelope whose body already passed its event's schema. Pure and
 * deterministic: the same envelope gives the same rows, except that columns derived from
 * receivedAt differ between deliveries (the views and merges keep the earliest delivery's).
 * Throws ProjectionError, with a reason fit for the quarantine, when the body makes no sense.
 */
export function projectEvent(envelope: Envelope): ProjectedRows {
  const name = envelope.eventName;
  if (!isWiseEventName(name)) throw new ProjectionError(`no projection for event ${JSON.stringify(name)}`);
  const bodyEvent = (envelope.body as { event?: unknown } | null)?.event;
  if (bodyEvent !== name) throw new ProjectionError(`envelope eventName ${name} does not match body.event ${JSON.stringify(bodyEvent)}`);
  return PROJECTIONS[name](envelope);
}
