import { attendanceOf, type AttendanceRule } from './attendance-rows';
import { engagementOf, toDeviceRow, type DeviceRow, type SessionWindow } from './engagement-rows';
import type { RosterRow } from './roster-rows';
import { dateTimeText } from './row-values';

// A class scheduled 10:00–11:00 UTC on Wednesday 9 December 2026; the teacher opened it at 10:05
// and the meeting has not ended, so the class runs to the scheduled end. Times are seconds after 10:00.
const TEN = Date.UTC(2026, 11, 9, 10) / 1000;
const at = (s: number): number => TEN + s;
const clock = (s: number): string => dateTimeText(at(s));

const device = (participant: string, device_key: string, over: Partial<DeviceRow>): DeviceRow => ({
  institute_id: 'i',
  session_id: 's1',
  participant,
  device_key,
  email: '',
  user_name: '',
  joins: [],
  leaves: [],
  share_start_times: [],
  share_start_contents: [],
  share_ends: [],
  ...over,
});

const window: SessionWindow = {
  institute_id: 'i',
  session_id: 's1',
  classroom_id: 'physics',
  scheduled_start: at(0),
  scheduled_end: at(3600),
  actual_start: at(300),
  actual_end: null,
};

const student = (student_id: string, student_name: string, student_email: string, suspended = 0): RosterRow => ({
  institute_id: 'i',
  session_id: 's1',
  classroom_id: 'physics',
  title: 'Optics',
  scheduled_start: clock(0),
  scheduled_seconds: 3600,
  local_day: '2026-12-09',
  student_id,
  student_name,
  student_email,
  suspended,
  class_seconds: 3600,
});

const roster = [
  student('st1', 'Ana', 'ana@x.com'),
  // The same email as st1's: the smaller id is taken.
  student('st3', 'Other', 'ana@x.com', 1),
  student('st2', 'carl', ''),
  student('st4', 'Dee', 'dee@x.com'),
];

const devices = [
  // Ana on two devices: [0, 600] and [1000, open → 3600]; [500, 900]; sharing [100, open → 3600] and [2000, 2060].
  device('ana@x.com', 'd1', {
    email: 'ana@x.com',
    user_name: 'Ana',
    joins: [at(0), at(1000)],
    leaves: [at(600)],
    share_start_times: [at(100)],
    share_start_contents: ['slides'],
  }),
  device('ana@x.com', 'd2', {
    email: 'ana@x.com',
    user_name: 'Ana B',
    joins: [at(500)],
    leaves: [at(900)],
    share_start_times: [at(2000)],
    share_start_contents: ['video'],
    share_ends: [at(2060)],
  }),
  // Ana again, on a phone without her email: matched by name, case aside.
  device('ana', 'd5', { user_name: 'ANA', joins: [at(200)], leaves: [at(950)] }),
  // Carl matched by name; his second leave closes nothing.
  device('carl', 'd3', { user_name: 'Carl', joins: [at(3000)], leaves: [at(3500), at(4000)] }),
  // Only shared, with nothing named, and never joined.
  device('zed@x.com', 'd4', { email: 'zed@x.com', share_start_times: [at(400)], share_start_contents: [''], share_ends: [at(460)] }),
  // Neither joined nor shared: no engagement row.
  device('bob', 'd6', { user_name: 'Bob' }),
];

describe('engagementOf', () => {
  const rows = engagementOf(devices, [window], roster);
  const of = (participant: string) => rows.find((r) => r.participant === participant);

  it('clips each participant’s intervals to the class and unites them', () => {
    // Present, clipped to [300, 3600]: [300, 600] ∪ [500, 900] ∪ [1000, 3600] = 600 + 2600 s.
    expect(of('ana@x.com')).toEqual({
      institute_id: 'i',
      session_id: 's1',
      classroom_id: 'physics',
      participant: 'ana@x.com',
      email: 'ana@x.com',
      user_name: 'Ana',
      joins: 3,
      first_join: clock(0),
      last_leave: clock(3600),
      seconds_present: 3200,
      minutes_present: 53.33,
      minutes_late: 0,
      // [300, 3600] ∪ [2000, 2060]
      seconds_sharing: 3300,
      minutes_sharing: 55,
      shared: 'slides, video',
      student_id: 'st1',
      matched_by: 'email',
      role: 'student',
      teacher_id: '',
      present_starts: [at(300), at(500), at(1000)],
      present_ends: [at(600), at(900), at(3600)],
      minutes_late_scheduled: 0,
    });
  });

  it('measures lateness from the actual start and from the scheduled one, and matches by name', () => {
    expect(of('carl')).toMatchObject({
      joins: 1,
      seconds_present: 500,
      minutes_present: 8.33,
      minutes_late: 45,
      minutes_late_scheduled: 50,
      student_id: 'st2',
      matched_by: 'name',
    });
    expect(of('ana')).toMatchObject({ student_id: 'st1', matched_by: 'name', present_starts: [at(300)], present_ends: [at(950)] });
  });

  it('keeps a participant who only shared, unmatched, and none who did neither', () => {
    expect(of('zed@x.com')).toMatchObject({
      joins: 0,
      first_join: null,
      last_leave: null,
      minutes_late: null,
      minutes_late_scheduled: null,
      seconds_present: 0,
      seconds_sharing: 60,
      shared: '',
      student_id: '',
      matched_by: '',
      role: 'other',
    });
    expect(of('bob')).toBeUndefined();
    expect(rows).toHaveLength(4);
  });

  it('closes an open interval at the meeting’s end when it has one, and gives none to a session it does not know', () => {
    const ended = { ...window, actual_end: at(3300) };
    expect(engagementOf([devices[0]], [ended], [])[0]).toMatchObject({ last_leave: clock(3300), seconds_present: 300 + 2300 });
    expect(engagementOf([devices[0]], [], [])[0]).toMatchObject({ classroom_id: '', last_leave: clock(1000), minutes_late: null });
  });

  it('reads rows as ClickHouse sends them', () => {
    expect(toDeviceRow({ institute_id: 'i', session_id: 's', participant: 'p', joins: [1, 2], share_start_contents: ['a'] })).toMatchObject(
      {
        joins: [1, 2],
        leaves: [],
        share_start_contents: ['a'],
        email: '',
      },
    );
    expect(window.actual_start).toBe(at(300));
    expect(window.actual_end).toBeNull();
  });
});

describe('attendanceOf', () => {
  const engagement = engagementOf(devices, [window], roster);
  const rows = (rules: ReadonlyMap<string, AttendanceRule> = new Map()) =>
    new Map(attendanceOf(roster, engagement, rules).map((r) => [r.student_id, r]));

  it('unites a student’s identities once, judges on half the class by default, and keeps suspended and unmatched students', () => {
    const byStudent = rows();
    // Ana's two identities: [300, 950] ∪ [500, 900] ∪ [1000, 3600] = 650 + 2600 s.
    expect(byStudent.get('st1')).toEqual({
      institute_id: 'i',
      session_id: 's1',
      classroom_id: 'physics',
      session_title: 'Optics',
      scheduled_start: clock(0),
      week: '2026-12-07',
      student_id: 'st1',
      student_name: 'Ana',
      student_email: 'ana@x.com',
      seconds_present: 3250,
      minutes_present: 54.17,
      first_join: clock(0),
      minutes_late: 0,
      scheduled_minutes: 60,
      min_percent: 50,
      min_minutes: 1,
      required_minutes: 30,
      present: 1,
      status: 'present',
      minutes_late_scheduled: 0,
      class_minutes: 60,
    });
    expect(byStudent.get('st2')).toMatchObject({ seconds_present: 500, present: 0, status: 'absent', minutes_late: 45 });
    expect(byStudent.get('st3')).toMatchObject({ seconds_present: 0, present: 0, status: 'suspended', first_join: null });
    expect(byStudent.get('st4')).toMatchObject({ seconds_present: 0, present: 0, status: 'absent', minutes_late: null });
  });

  it('applies the institute’s rule, on the scheduled duration when it says so', () => {
    const rule = { institute_id: 'i', min_percent: 10, min_minutes: 5, judge_on: 'scheduled' };
    // 10 % of 3,600 s is 360 s, above 5 minutes: Carl's 500 s is enough.
    expect(rows(new Map([['i', rule]])).get('st2')).toMatchObject({ required_minutes: 6, present: 1, status: 'present', min_percent: 10 });
  });

  it('judges on the class when it ran shorter than scheduled', () => {
    const short = { ...roster[2], class_seconds: 900 };
    // Half of 900 s is 450 s: Carl's 500 s is enough.
    expect(attendanceOf([short], engagement, new Map())[0]).toMatchObject({ class_minutes: 15, required_minutes: 7.5, present: 1 });
  });
});
