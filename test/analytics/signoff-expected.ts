import type { ClickHouseConnection } from '@wise/clickhouse';
import { cols } from './scenario-numbers';
import { ASHA, BEN, CARA, DINA, ELI, K, SIGNOFF_INSTITUTE as I, T1, T2, T3, T4, T5, T6, TINA } from './signoff-scenario';

// The hand-computed figures of "a week an institute would sign off" (signoff-scenario.ts), shared
// by the engine tests (signoff.test.ts) and the cluster's pipeline test.
const at = (d: string, hm: string) => `2024-09-${d} ${hm}:00`;

/*
 * Worked out by hand from signoff-scenario.ts. Default rule: present when time present in the
 * class >= 50 % of class_minutes (the shorter of scheduled and actual) and >= 1 minute.
 */
export const SIGNOFF_EXPECTED = {
  /** [session, status, classroom, teacher, scheduled_start, scheduled_end, actual_start, actual_end, actual_minutes] */
  sessions: [
    // Held although MeetingStarted never came: Zoom's start rides on the MeetingEnded.
    [T1, 'held', K, TINA._id, at('02', '10:00'), at('02', '11:00'), at('02', '10:02'), at('02', '11:00'), 58],
    [T2, 'held', K, TINA._id, at('03', '10:00'), at('03', '11:00'), at('03', '10:00'), at('03', '10:25'), 25],
    // Asha's 09:40 join (before the host) does not move the start.
    [T3, 'held', K, TINA._id, at('04', '10:00'), at('04', '11:00'), at('04', '10:15'), at('04', '11:00'), 45],
    [T4, 'held', K, TINA._id, at('05', '10:00'), at('05', '11:00'), at('05', '10:00'), at('05', '11:00'), 60],
    // No SessionsCreated: the schedule is Zoom's (10:05 + 60 min); classroom and teacher from AttendanceComputed.
    [T5, 'held', K, TINA._id, at('06', '10:05'), at('06', '11:05'), at('06', '10:05'), at('06', '11:00'), 55],
    // Joins only: held from the earliest join; its end unknown.
    [T6, 'held', K, TINA._id, at('06', '14:00'), at('06', '15:00'), at('06', '14:05'), null, null],
  ],
  /** [session, participant, minutes_present, minutes_late (from the actual start), minutes_late_scheduled] */
  engagement: [
    [T1, ASHA.email, 48, 0, 2],
    [T1, BEN.email, 30, 8, 10],
    [T1, CARA.email, 15, 28, 30],
    [T2, ASHA.email, 25, 0, 0],
    [T2, BEN.email, 10, 15, 15],
    [T3, ASHA.email, 25, 0, 0], // 09:40-10:40, in class 10:15-10:40
    [T3, BEN.email, 40, 5, 20], // a late teacher does not make Ben 20 minutes late
    [T3, CARA.email, 15, 15, 30],
    [T4, ASHA.email, 60, 0, 0],
    [T4, BEN.email, 20, 0, 0],
    [T4, CARA.email, 45, 0, 0],
    [T5, ASHA.email, 55, 0, 0],
    [T5, BEN.email, 34, 1, 1],
    [T5, DINA.email, 20, 25, 25],
    [T6, ASHA.email, 45, 0, 5],
    [T6, BEN.email, 10, 5, 10],
  ],
  /** [session, student, minutes_present, present, status, class_minutes, required_minutes] */
  attendance: [
    // T1 ran 10:02-11:00 = 58 min: 29 required.
    [T1, ASHA._id, 48, 1, 'present', 58, 29],
    [T1, BEN._id, 30, 1, 'present', 58, 29],
    [T1, CARA._id, 15, 0, 'absent', 58, 29],
    [T1, DINA._id, 0, 0, 'absent', 58, 29],
    [T1, ELI._id, 0, 0, 'absent', 58, 29], // enrolled until Monday noon
    // T2 ran 25 min: Asha, there to the end, is present (she was absent against the 60 scheduled).
    [T2, ASHA._id, 25, 1, 'present', 25, 12.5],
    [T2, BEN._id, 10, 0, 'absent', 25, 12.5],
    [T2, CARA._id, 0, 0, 'absent', 25, 12.5],
    [T2, DINA._id, 0, 0, 'absent', 25, 12.5],
    // T3 ran 45 min: 22.5 required.
    [T3, ASHA._id, 25, 1, 'present', 45, 22.5],
    [T3, BEN._id, 40, 1, 'present', 45, 22.5],
    [T3, CARA._id, 15, 0, 'absent', 45, 22.5],
    [T3, DINA._id, 0, 0, 'absent', 45, 22.5],
    [T4, ASHA._id, 60, 1, 'present', 60, 30],
    [T4, BEN._id, 20, 0, 'absent', 60, 30],
    [T4, CARA._id, 45, 1, 'present', 60, 30],
    [T4, DINA._id, 0, 0, 'suspended', 60, 30], // suspended Wednesday noon to Thursday noon
    [T4, ELI._id, 0, 0, 'absent', 60, 30], // enrolled again since Wednesday noon (a new event, same bytes)
    // T5: scheduled 60 (Zoom's duration), ran 55: 27.5 required. Dina no longer suspended.
    [T5, ASHA._id, 55, 1, 'present', 55, 27.5],
    [T5, BEN._id, 34, 1, 'present', 55, 27.5],
    [T5, CARA._id, 0, 0, 'absent', 55, 27.5],
    [T5, DINA._id, 20, 0, 'absent', 55, 27.5],
    [T5, ELI._id, 0, 0, 'absent', 55, 27.5],
    // T6: end unknown, judged on the 60 scheduled; in class from 14:05 to the scheduled 15:00.
    [T6, ASHA._id, 45, 1, 'present', 60, 30],
    [T6, BEN._id, 10, 0, 'absent', 60, 30],
    [T6, CARA._id, 0, 0, 'absent', 60, 30],
    [T6, DINA._id, 0, 0, 'absent', 60, 30],
    [T6, ELI._id, 0, 0, 'absent', 60, 30],
  ],
  /** [session, enrolled (not suspended), present, suspended, attendance_rate] */
  bySession: [
    [T1, 5, 2, 0, 0.4],
    [T2, 4, 1, 0, 0.25], // Eli out (removed Monday noon)
    [T3, 4, 2, 0, 0.5], // Eli out (back at Wednesday noon, after T3's start)
    [T4, 4, 2, 1, 0.5],
    [T5, 5, 2, 0, 0.4],
    [T6, 5, 1, 0, 0.2],
  ],
  /** [student, sessions (counted), present, suspended, attendance_rate] */
  byStudent: [
    [ASHA._id, 6, 6, 0, 1],
    [BEN._id, 6, 3, 0, 0.5],
    [CARA._id, 6, 1, 0, 0.1667],
    [DINA._id, 5, 0, 1, 0], // 0 of the 5 sessions she was not suspended at
    [ELI._id, 4, 0, 0, 0],
  ],
  /** [week, sessions, enrolled_slots, present, suspended, attendance_rate]: 10 of 5+4+4+4+5+5 = 27. */
  byWeek: [['2024-09-02', 6, 27, 10, 1, 0.3704]],
  /** [student, is_member]: Eli is in the classroom again. */
  roster: [
    [ASHA._id, 1],
    [BEN._id, 1],
    [CARA._id, 1],
    [DINA._id, 1],
    [ELI._id, 1],
  ],
  /** [student, instalment_key, installment_id, amount_minor, charged_at]: one invoice per instalment. */
  invoices: [
    [ASHA._id, 'inst-asha-0', 'inst-asha-0', 500000, '2024-08-31 08:00:00'], // sent without its id first
    [ASHA._id, 'inst-asha-1', 'inst-asha-1', 500000, '2024-09-02 08:00:00'],
  ],
  /** [day, invoiced_minor, invoices]: the first instalment counted once. */
  revenueDaily: [
    ['2024-08-31', 500000, 1],
    ['2024-09-02', 500000, 1],
  ],
  /** [teacher, week, sessions_taught, hours_taught]: 58 + 25 + 45 + 60 + 55 + 60 (T6: scheduled) = 303 min. */
  teacherWeeks: [[TINA._id, '2024-09-02', 6, 5.05]],
};

/** What every view the figures cover gives for the scenario's institute, in the figures' shape. */
export async function signoffAnswers(ch: ClickHouseConnection) {
  const read = async (sql: string, columns: string[]) => cols(await ch.query<Record<string, unknown>>('test', sql), columns);
  const where = `WHERE institute_id = '${I}'`;
  return {
    sessions: await read(`SELECT * FROM sessions ${where} ORDER BY session_id`, [
      'session_id',
      'status',
      'classroom_id',
      'teacher_id',
      'scheduled_start',
      'scheduled_end',
      'actual_start',
      'actual_end',
      'actual_minutes',
    ]),
    engagement: await read(`SELECT * FROM engagement ${where} ORDER BY session_id, participant`, [
      'session_id',
      'participant',
      'minutes_present',
      'minutes_late',
      'minutes_late_scheduled',
    ]),
    attendance: await read(`SELECT * FROM attendance ${where} ORDER BY session_id, student_id`, [
      'session_id',
      'student_id',
      'minutes_present',
      'present',
      'status',
      'class_minutes',
      'required_minutes',
    ]),
    bySession: await read(`SELECT * FROM attendance_by_session ${where} ORDER BY session_id`, [
      'session_id',
      'enrolled',
      'present',
      'suspended',
      'attendance_rate',
    ]),
    byStudent: await read(`SELECT * FROM attendance_by_student ${where} ORDER BY student_id`, [
      'student_id',
      'sessions',
      'present',
      'suspended',
      'attendance_rate',
    ]),
    byWeek: await read(`SELECT * FROM attendance_by_week ${where} ORDER BY week`, [
      'week',
      'sessions',
      'enrolled_slots',
      'present',
      'suspended',
      'attendance_rate',
    ]),
    roster: await read(`SELECT * FROM roster ${where} AND member_role = 'student' ORDER BY member_id`, ['member_id', 'is_member']),
    invoices: await read(`SELECT * FROM invoices ${where} ORDER BY student_id, instalment_index`, [
      'student_id',
      'instalment_key',
      'installment_id',
      'amount_minor',
      'charged_at',
    ]),
    revenueDaily: await read(`SELECT * FROM revenue_daily ${where} ORDER BY day`, ['day', 'invoiced_minor', 'invoices']),
    teacherWeeks: await read(`SELECT * FROM teacher_hours_by_week ${where} ORDER BY teacher_id, week`, [
      'teacher_id',
      'week',
      'sessions_taught',
      'hours_taught',
    ]),
  };
}
