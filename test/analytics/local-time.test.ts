import type { ClickHouseConnection } from '@wise/clickhouse';
import { InvalidSetting, ServingRefresh, setInstituteTimeZone } from '@wise/serving';
import { dropTestDatabase, ENGINES, loadEnvelopes } from './analytics-db';
import { EVENING_INSTITUTE as I, eveningsInIndia, KABIR, MATHS, PRIYA, RAVI, SA, SB, SC, SD } from './evening-scenario';
import { cols } from './scenario-numbers';
import { shuffled } from './scenario';

type Db = ClickHouseConnection & { close(): Promise<void> };
const where = `WHERE institute_id = '${I}'`;
const read = (ch: Db, sql: string) => ch.query<Record<string, unknown>>('test', sql);

/** Hand-computed from evening-scenario.ts; each bucket in UTC and in IST (UTC+05:30). */
const EXPECTED = {
  UTC: {
    // SA 19:00 UTC Sunday 9 June; SB 19:00 UTC Sunday 30 June; SC 12 June; SD 2099.
    sessions: [
      [SA, 'held', '2024-06-09'],
      [SB, 'held', '2024-06-30'],
      [SC, 'not_held', '2024-06-12'],
      [SD, 'scheduled', '2099-01-05'],
    ],
    // Weeks start on Monday: 9 June is in the week of 3 June, 30 June in the week of 24 June.
    attendanceByWeek: [
      ['2024-06-03', 1, 2, 1, 0.5],
      ['2024-06-24', 1, 2, 1, 0.5],
    ],
    studentTrend: [
      [PRIYA._id, '2024-06-03', 1, 1, 60],
      [PRIYA._id, '2024-06-24', 1, 1, 50],
      [KABIR._id, '2024-06-03', 1, 0, 15],
      [KABIR._id, '2024-06-24', 1, 0, 0],
    ],
    teacherWeeks: [
      [RAVI._id, '2024-06-03', 1, 1],
      [RAVI._id, '2024-06-24', 1, 0.83],
    ],
    // 60 + 50 minutes = 1.83 h, both in June.
    teacherMonths: [[RAVI._id, '2024-06-01', 2, 1.83]],
    revenueDaily: [['2024-06-30', 'INR', 250000, 250000]],
    recordingMonths: [['2024-06-01', 1, 3000]],
  },
  IST: {
    // SA is Monday 10 June 00:30 IST, SB Monday 1 July 00:30 IST; SC 15:30 IST on 12 June.
    sessions: [
      [SA, 'held', '2024-06-10'],
      [SB, 'held', '2024-07-01'],
      [SC, 'not_held', '2024-06-12'],
      [SD, 'scheduled', '2099-01-05'],
    ],
    attendanceByWeek: [
      ['2024-06-10', 1, 2, 1, 0.5],
      ['2024-07-01', 1, 2, 1, 0.5],
    ],
    studentTrend: [
      [PRIYA._id, '2024-06-10', 1, 1, 60],
      [PRIYA._id, '2024-07-01', 1, 1, 50],
      [KABIR._id, '2024-06-10', 1, 0, 15],
      [KABIR._id, '2024-07-01', 1, 0, 0],
    ],
    teacherWeeks: [
      [RAVI._id, '2024-06-10', 1, 1],
      [RAVI._id, '2024-07-01', 1, 0.83],
    ],
    teacherMonths: [
      [RAVI._id, '2024-06-01', 1, 1],
      [RAVI._id, '2024-07-01', 1, 0.83],
    ],
    // Charged 20:00 and paid 21:00 UTC on 30 June: 01:30 and 02:30 IST on 1 July.
    revenueDaily: [['2024-07-01', 'INR', 250000, 250000]],
    recordingMonths: [['2024-07-01', 1, 3000]],
  },
};

async function answers(ch: Db) {
  return {
    sessions: cols(await read(ch, `SELECT session_id, status, local_day FROM sessions ${where} ORDER BY session_id`), [
      'session_id',
      'status',
      'local_day',
    ]),
    attendanceByWeek: cols(await read(ch, `SELECT * FROM attendance_by_week ${where} ORDER BY week`), [
      'week',
      'sessions',
      'enrolled_slots',
      'present',
      'attendance_rate',
    ]),
    studentTrend: cols(await read(ch, `SELECT * FROM student_attendance_by_week ${where} ORDER BY student_id, week`), [
      'student_id',
      'week',
      'sessions',
      'present',
      'minutes_present',
    ]),
    teacherWeeks: cols(await read(ch, `SELECT * FROM teacher_hours_by_week ${where} ORDER BY teacher_id, week`), [
      'teacher_id',
      'week',
      'sessions_taught',
      'hours_taught',
    ]),
    teacherMonths: cols(await read(ch, `SELECT * FROM teacher_hours_by_month ${where} ORDER BY teacher_id, month`), [
      'teacher_id',
      'month',
      'sessions_taught',
      'hours_taught',
    ]),
    revenueDaily: cols(await read(ch, `SELECT * FROM revenue_daily ${where} ORDER BY day`), [
      'day',
      'currency',
      'invoiced_minor',
      'collected_minor',
    ]),
    recordingMonths: cols(await read(ch, `SELECT * FROM recordings_by_classroom_month ${where} ORDER BY month`), [
      'month',
      'parts',
      'duration_seconds',
    ]),
  };
}

describe.each(ENGINES)('local time, sessions never held, teachers and student trends, on %s', (_engine, createDatabase) => {
  let ch: Db;

  beforeAll(async () => {
    ch = await createDatabase();
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it('buckets in UTC while the institute has no time zone', async () => {
    await loadEnvelopes(ch, eveningsInIndia(), 4);
    expect(await answers(ch)).toEqual(EXPECTED.UTC);
  });

  it('a session never held has no attendance rows: its students are not absent', async () => {
    expect(await read(ch, `SELECT * FROM attendance ${where} AND session_id IN ('${SC}', '${SD}')`)).toEqual([]);
    expect(
      cols(await read(ch, `SELECT student_id, present FROM attendance ${where} ORDER BY session_id, student_id`), [
        'student_id',
        'present',
      ]),
    ).toEqual([
      [PRIYA._id, 1],
      [KABIR._id, 0],
      [PRIYA._id, 1],
      [KABIR._id, 0],
    ]);
  });

  it('set-timezone Asia/Kolkata recomputes every bucket in IST at once', async () => {
    await setInstituteTimeZone(ch, new ServingRefresh(ch), I, 'Asia/Kolkata');
    expect(await answers(ch)).toEqual(EXPECTED.IST);
  });

  it('events projected after the zone is set land in IST buckets, in any order', async () => {
    const other = await createDatabase();
    try {
      await setInstituteTimeZone(other, new ServingRefresh(other), I, 'Asia/Kolkata');
      await loadEnvelopes(other, shuffled(eveningsInIndia(), 11), 3);
      expect(await answers(other)).toEqual(EXPECTED.IST);
    } finally {
      await dropTestDatabase(other);
    }
  });

  it('refuses a zone that is not an IANA name, changing nothing', async () => {
    await expect(setInstituteTimeZone(ch, new ServingRefresh(ch), I, 'Mars/Olympus')).rejects.toThrow(InvalidSetting);
    await expect(setInstituteTimeZone(ch, new ServingRefresh(ch), I, "UTC'; DROP TABLE events; --")).rejects.toThrow(
      /not an IANA time zone/,
    );
    expect(await answers(ch)).toEqual(EXPECTED.IST);
  });

  it('classroom of every row is the session classroom', async () => {
    expect(await read(ch, `SELECT DISTINCT classroom_id FROM attendance ${where}`)).toEqual([{ classroom_id: MATHS._id }]);
  });
});
