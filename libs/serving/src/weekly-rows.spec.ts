import type { MeetingFact, ScheduleFact } from './session-rows';
import { toWeekAttendanceRow, weeklyRollup, weekScopes, type WeekAttendanceRow } from './weekly-rows';

const row = (session_id: string, status: string, present: number, over: Partial<WeekAttendanceRow> = {}): WeekAttendanceRow => ({
  institute_id: 'i',
  session_id,
  classroom_id: 'physics',
  week: '2024-06-03',
  present,
  status,
  ...over,
});

describe('weeklyRollup', () => {
  it('counts the sessions and student-sessions of each asked classroom-week, suspended ones apart, and retires an empty week', () => {
    const scopes = [
      ['i', 'physics', '2024-06-03'],
      ['i', 'physics', '2024-06-10'],
    ];
    const rows = [
      row('s1', 'present', 1),
      row('s1', 'absent', 0),
      row('s1', 'suspended', 0),
      row('s2', 'late', 1),
      // Only suspended students: the session is not counted.
      row('s3', 'suspended', 0),
      // Its row says another classroom, and another week: neither scope counts it.
      row('s4', 'present', 1, { classroom_id: 'chemistry' }),
      row('s5', 'present', 1, { week: '2024-06-17' }),
    ];
    expect(weeklyRollup(scopes, rows)).toEqual([
      {
        institute_id: 'i',
        classroom_id: 'physics',
        week: '2024-06-03',
        sessions: 2,
        enrolled_slots: 3,
        present: 2,
        suspended: 2,
        _deleted: 0,
      },
      {
        institute_id: 'i',
        classroom_id: 'physics',
        week: '2024-06-10',
        sessions: 0,
        enrolled_slots: 0,
        present: 0,
        suspended: 0,
        _deleted: 1,
      },
    ]);
  });

  it('reads present as text or number', () => {
    expect(toWeekAttendanceRow({ ...row('s1', 'present', 1), present: '1' })).toEqual(row('s1', 'present', 1));
  });
});

describe('weekScopes', () => {
  const schedule = (session_id: string, classroom_id: string, start_day: string | null): ScheduleFact => ({
    institute_id: 'i',
    session_id,
    event_id: `${session_id}-${classroom_id}-${start_day}`,
    order_ms: 0,
    classroom_id,
    event_kind: 'updated',
    kind_rank: 2,
    title: null,
    meeting_status: null,
    session_type: null,
    teacher_id: null,
    scheduled_start: start_day === null ? null : 1,
    scheduled_end: null,
    created_at: null,
    start_day,
  });
  const meeting = (session_id: string, start_day: string | null): MeetingFact => ({
    institute_id: 'i',
    session_id,
    meeting_start: start_day === null ? null : 1,
    meeting_end: null,
    scheduled_minutes: null,
    start_day,
  });

  it('lists every classroom-week any fact placed a session in, Zoom’s start under every classroom its schedule named', () => {
    const facts = [
      // s1 moved from physics (Wednesday 5 June 2024) to chemistry the next week; a patch without a start.
      schedule('s1', 'physics', '2024-06-05'),
      schedule('s1', 'chemistry', '2024-06-12'),
      schedule('s1', 'chemistry', null),
      // s2: no start from Wise, only classroom facts.
      schedule('s2', 'biology', null),
    ];
    const meetings = [meeting('s2', '2024-06-16'), meeting('s2', null), meeting('s3', '2024-06-20')];
    expect(weekScopes(facts, meetings).list()).toEqual([
      ['i', 'biology', '2024-06-10'],
      ['i', 'chemistry', '2024-06-10'],
      ['i', 'physics', '2024-06-03'],
    ]);
  });
});
