import type { Envelope } from '@wise/contracts';
import {
  baseColumns,
  envelopeTimeMs,
  money,
  objectAt,
  optionalObject,
  payloadOf,
  ProjectionError,
  requiredText,
  text,
  type ProjectedRows,
} from './projection.helpers';
import { ROSTER_EVENTS, SUSPENSION_EVENTS } from './tables';

export type MemberRole = 'student' | 'teacher';
export type RosterAction = 'added' | 'removed';

/**
 * Student/Teacher Added/RemovedToClassroomEvent. No membership webhook carries a time, so the row
 * is placed at the envelope's occurredAt, else its receipt (the earliest delivery's, in the views).
 */
export function projectRoster(env: Envelope, role: MemberRole, action: RosterAction): ProjectedRows {
  const payload = payloadOf(env);
  const classroom = objectAt(payload, 'classroom');
  const member = objectAt(payload, role);
  return {
    [ROSTER_EVENTS]: [
      {
        ...baseColumns(env),
        classroom_id: requiredText(classroom, '_id', 'payload.classroom'),
        member_role: role,
        member_id: requiredText(member, '_id', `payload.${role}`),
        action,
        at_ms: envelopeTimeMs(env),
        member_name: text(member.name).trim(),
        member_email: text(member.email).trim().toLowerCase(),
        classroom_name: text(classroom.name),
      },
    ],
  };
}

/** StudentSuspensionUpdatedEvent: one event both suspends and lifts a suspension. */
export function projectSuspension(env: Envelope): ProjectedRows {
  const payload = payloadOf(env);
  const classroom = objectAt(payload, 'classroom');
  const student = objectAt(payload, 'student');
  if (typeof payload.suspended !== 'boolean') throw new ProjectionError('payload.suspended is missing or not a boolean');
  const overDue = payload.overDue === undefined || payload.overDue === null ? null : money(payload.overDue, 'payload.overDue');
  return {
    [SUSPENSION_EVENTS]: [
      {
        ...baseColumns(env),
        classroom_id: requiredText(classroom, '_id', 'payload.classroom'),
        student_id: requiredText(student, '_id', 'payload.student'),
        at_ms: envelopeTimeMs(env),
        suspended: payload.suspended ? 1 : 0,
        reason: text(payload.reason),
        overdue_minor: overDue?.amount_minor ?? null,
        overdue_currency: overDue?.currency ?? null,
        student_name: text(student.name).trim(),
        classroom_name: text(classroom.name),
        teacher_id: text(optionalObject(payload, 'teacher')?._id),
      },
    ],
  };
}
