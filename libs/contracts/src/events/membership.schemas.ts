import { z } from 'zod';
import { classroomRef, money, optionalText, personRef, wiseEvent, wiseObject } from './common.schemas';

const withStudent = wiseObject({ classroom: classroomRef, student: personRef });
const withTeacher = wiseObject({ classroom: classroomRef, teacher: personRef });

// The event name already says "removed"; `remove: true` is redundant and so only type-checked.
const removal = { remove: z.boolean().optional() };

export const studentAddedSchema = wiseEvent('StudentAddedToClassroomEvent', withStudent);
export const teacherAddedSchema = wiseEvent('TeacherAddedToClassroomEvent', withTeacher);
export const studentRemovedSchema = wiseEvent('StudentRemovedFromClassroomEvent', withStudent.extend(removal));
export const teacherRemovedSchema = wiseEvent('TeacherRemovedFromClassroomEvent', withTeacher.extend(removal));

/**
 * One event for suspend and unsuspend, told apart by `suspended`. `reason` is FEE_DELAY or
 * SUSPEND in the samples; other values are kept rather than refused.
 */
export const studentSuspensionUpdatedSchema = wiseEvent(
  'StudentSuspensionUpdatedEvent',
  withStudent.extend({
    suspended: z.boolean(),
    reason: optionalText,
    overDue: money.nullish(),
    teacher: personRef.nullish(),
  }),
);
