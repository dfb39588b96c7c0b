/**
 * The 19 webhook event names Wise sends, exactly as it spells them. Names are compared
 * case-sensitively: a different spelling is a different (unknown) event, kept in quarantine.
 */
export const WISE_EVENT_NAMES = [
  'MeetingStartedEvent',
  'MeetingEndedEvent',
  'ParticipantJoinedMeetingEvent',
  'ParticipantLeftMeetingEvent',
  // Wise's own typo ("Stared"); correcting it would reject every real delivery.
  'SharingStaredInMeetingEvent',
  'SharingEndedInMeetingEvent',
  'RecordingCompletedEvent',
  'AttendanceComputedEvent',
  'StudentAddedToClassroomEvent',
  'TeacherAddedToClassroomEvent',
  'StudentRemovedFromClassroomEvent',
  'TeacherRemovedFromClassroomEvent',
  'StudentSuspensionUpdatedEvent',
  'FeePaymentCompletedEvent',
  'FeeInvoiceChargedEvent',
  'CertificateIssuedEvent',
  'SessionsCreatedEvent',
  'SessionsUpdatedEvent',
  'SessionsDeletedEvent',
] as const;

export type WiseEventName = (typeof WISE_EVENT_NAMES)[number];

const NAME_SET: ReadonlySet<string> = new Set(WISE_EVENT_NAMES);

export function isWiseEventName(s: unknown): s is WiseEventName {
  return typeof s === 'string' && NAME_SET.has(s);
}
