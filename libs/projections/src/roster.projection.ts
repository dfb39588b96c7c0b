import type { Envelope, WiseEventBody } from '@wise/contracts';
import { baseColumns, envelopeTimeMs } from './columns';
import { ROSTER_EVENTS, SUSPENSION_EVENTS, type ProjectedRows } from './projected-tables';

export type MemberRole = 'student' | 'teacher';
export type RosterAction = 'added' | 'removed';

type RosterEvent =
  'StudentAddedToClassroomEvent' | 'StudentRemovedFromClassroomEvent' | 'TeacherAddedToClassroomEvent' | 'TeacherRemovedFromClassroomEvent';
type Member = WiseEventBody<'StudentAddedToClassroomEvent'>['payload']['student'];

/**
 * Student/Teacher Added/RemovedToClassroomEvent. No membership webhook carries a time, so the row
 * is placed at the envelope's occurredAt, else its receipt (the earliest delivery's, in the views).
 */
export function projectRoster(env: Envelope<RosterEvent>, role: MemberRole, member: Member, action: RosterAction): ProjectedRows {
  const { classroom } = env.body.payload;
  return {
    [ROSTER_EVENTS]: [
      {
        ...baseColumns(env),
        classroom_id: classroom._id,
        member_role: role,
        member_id: member._id,
        action,
        at_ms: envelopeTimeMs(env),
        member_name: (member.name ?? '').trim(),
        member_email: (member.email ?? '').trim().toLowerCase(),
        classroom_name: classroom.name ?? '',
      },
    ],
  };
}

/** StudentSuspensionUpdatedEvent: one event both suspends and lifts a suspension. */
export function projectSuspension(env: Envelope<'StudentSuspensionUpdatedEvent'>): ProjectedRows {
  const { payload } = env.body;
  const { classroom, student, overDue } = payload;
  return {
    [SUSPENSION_EVENTS]: [
      {
        ...baseColumns(env),
        classroom_id: classroom._id,
        student_id: student._id,
        at_ms: envelopeTimeMs(env),
        suspended: payload.suspended ? 1 : 0,
        reason: payload.reason ?? '',
        overdue_minor: overDue?.value ?? null,
        overdue_currency: overDue?.currency ?? null,
        student_name: (student.name ?? '').trim(),
        classroom_name: classroom.name ?? '',
        teacher_id: payload.teacher?._id ?? '',
      },
    ],
  };
}
