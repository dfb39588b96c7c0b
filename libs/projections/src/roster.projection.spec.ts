import { envelope, RECEIVED_S, refusal } from './projection.fixtures';
import { projectEvent } from './projections';
import { ROSTER_EVENTS, SUSPENSION_EVENTS } from './projected-tables';

const classroom = { _id: 'c1', name: 'Physics' };
const person = { _id: 'u1', name: ' Bob ', email: 'Bob@X.test' };

describe('projectRoster', () => {
  it.each([
    ['StudentAddedToClassroomEvent', 'student', 'added'],
    ['StudentRemovedFromClassroomEvent', 'student', 'removed'],
    ['TeacherAddedToClassroomEvent', 'teacher', 'added'],
    ['TeacherRemovedFromClassroomEvent', 'teacher', 'removed'],
  ] as const)('%s', (event, role, action) => {
    const row = projectEvent(envelope({ event, payload: { classroom, [role]: person } }))[ROSTER_EVENTS]![0];
    // No time in the event: receivedAt (occurredAt is null).
    expect(row).toMatchObject({
      classroom_id: 'c1',
      member_role: role,
      member_id: 'u1',
      action,
      at_ms: RECEIVED_S * 1000,
      member_name: 'Bob',
      member_email: 'bob@x.test',
    });
  });

  it('uses occurredAt when the envelope has one', () => {
    const env = envelope({ event: 'StudentAddedToClassroomEvent', payload: { classroom, student: person } }, { occurredAt: 1000 });
    expect(projectEvent(env)[ROSTER_EVENTS]![0].at_ms).toBe(1000);
  });

  it('refuses a member without _id', () => {
    expect(refusal({ event: 'StudentAddedToClassroomEvent', payload: { classroom, student: {} } })).toMatch(/payload\.student\._id/);
  });
});

describe('projectSuspension', () => {
  const body = (extra: Record<string, unknown>) => ({
    event: 'StudentSuspensionUpdatedEvent' as const,
    payload: { classroom, student: person, reason: 'FEE_DELAY', ...extra },
  });
  it.each([
    [
      'suspended with overdue',
      { suspended: true, overDue: { value: 150000, currency: 'INR' } },
      { suspended: 1, overdue_minor: 150000, overdue_currency: 'INR' },
    ],
    ['unsuspended, no overdue', { suspended: false }, { suspended: 0, overdue_minor: null, overdue_currency: null }],
  ])('%s', (_case, extra, expected) =>
    expect(projectEvent(envelope(body(extra)))[SUSPENSION_EVENTS]![0]).toMatchObject({
      student_id: 'u1',
      reason: 'FEE_DELAY',
      ...expected,
    }),
  );

  it.each([
    ['no suspended flag', {}, /payload\.suspended/],
    ['overdue that is not integer money', { suspended: true, overDue: { value: 1.5, currency: 'INR' } }, /payload\.overDue\.value/],
  ])('refuses %s', (_case, extra, reason) => expect(refusal(body(extra))).toMatch(reason));
});
