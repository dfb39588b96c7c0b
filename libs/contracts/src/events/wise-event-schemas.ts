import { z } from 'zod';
import { certificateIssuedSchema } from './certificates.schemas';
import type { WiseEventName } from './event-names';
import { feeInvoiceChargedSchema, feePaymentCompletedSchema } from './fees.schemas';
import {
  meetingEndedSchema,
  meetingStartedSchema,
  participantJoinedSchema,
  participantLeftSchema,
  sharingEndedSchema,
  sharingStartedSchema,
} from './meeting.schemas';
import {
  studentAddedSchema,
  studentRemovedSchema,
  studentSuspensionUpdatedSchema,
  teacherAddedSchema,
  teacherRemovedSchema,
} from './membership.schemas';
import { recordingCompletedSchema } from './recordings.schemas';
import { attendanceComputedSchema, sessionsCreatedSchema, sessionsDeletedSchema, sessionsUpdatedSchema } from './sessions.schemas';

// Kept precisely typed here so each event's body type can be inferred below.
const SCHEMAS = {
  MeetingStartedEvent: meetingStartedSchema,
  MeetingEndedEvent: meetingEndedSchema,
  ParticipantJoinedMeetingEvent: participantJoinedSchema,
  ParticipantLeftMeetingEvent: participantLeftSchema,
  SharingStaredInMeetingEvent: sharingStartedSchema,
  SharingEndedInMeetingEvent: sharingEndedSchema,
  RecordingCompletedEvent: recordingCompletedSchema,
  AttendanceComputedEvent: attendanceComputedSchema,
  StudentAddedToClassroomEvent: studentAddedSchema,
  TeacherAddedToClassroomEvent: teacherAddedSchema,
  StudentRemovedFromClassroomEvent: studentRemovedSchema,
  TeacherRemovedFromClassroomEvent: teacherRemovedSchema,
  StudentSuspensionUpdatedEvent: studentSuspensionUpdatedSchema,
  FeePaymentCompletedEvent: feePaymentCompletedSchema,
  FeeInvoiceChargedEvent: feeInvoiceChargedSchema,
  CertificateIssuedEvent: certificateIssuedSchema,
  SessionsCreatedEvent: sessionsCreatedSchema,
  SessionsUpdatedEvent: sessionsUpdatedSchema,
  SessionsDeletedEvent: sessionsDeletedSchema,
} as const satisfies Record<WiseEventName, z.ZodType>;

/** Each event's schema, over the whole body (`{event, payload, ...}`), so issue paths start at the body. */
export const WISE_EVENT_SCHEMAS: Readonly<Record<WiseEventName, z.ZodType>> = SCHEMAS;

/** The validated body of one event, as its schema infers it (unknown extra fields included). */
export type WiseEventBody<N extends WiseEventName = WiseEventName> = z.infer<(typeof SCHEMAS)[N]>;
