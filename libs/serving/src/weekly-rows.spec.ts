import { toWeekAttendanceRow, weeklyRollup, type WeekAttendanceRow } from './weekly-rows';

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
