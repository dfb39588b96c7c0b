/*
 * The hand-computed numbers of expected.ts, view by view: which columns of which view must equal
 * which expected rows. Both the direct load (analytics-views.test.ts) and the run through Kafka
 * and the real projector (test/projector/correctness.test.ts) check snapshots against this table.
 */
import type { AnalyticsSnapshot } from './analytics-db';
import * as X from './expected';

type Row = Record<string, unknown>;

/** JSONEachRow quotes 64-bit integers; compare numbers as numbers. */
const norm = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
export const cols = (rows: Row[], names: string[]) => rows.map((r) => names.map((n) => norm(r[n])));

export const SCENARIO_CHECKS: Array<[view: string, columns: string[], expected: unknown[][]]> = [
  [
    'sessions',
    ['session_id', 'title', 'meeting_status', 'is_cancelled', 'is_deleted', 'actual_start', 'actual_end', 'actual_minutes'],
    X.SESSIONS,
  ],
  ['roster', ['classroom_id', 'member_role', 'member_id', 'is_member', 'left_at'], X.ROSTER],
  [
    'engagement',
    ['session_id', 'participant', 'joins', 'first_join', 'last_leave', 'minutes_present', 'minutes_late', 'minutes_sharing', 'shared'],
    X.ENGAGEMENT,
  ],
  ['attendance', ['session_id', 'student_id', 'minutes_present', 'present', 'status'], X.ATTENDANCE],
  ['attendance_by_session', ['session_id', 'enrolled', 'present', 'suspended', 'attendance_rate'], X.ATTENDANCE_BY_SESSION],
  [
    'attendance_by_classroom',
    ['classroom_id', 'sessions', 'enrolled_slots', 'present', 'suspended', 'attendance_rate'],
    X.ATTENDANCE_BY_CLASSROOM,
  ],
  ['attendance_by_student', ['classroom_id', 'student_id', 'sessions', 'present', 'suspended', 'attendance_rate'], X.ATTENDANCE_BY_STUDENT],
  [
    'attendance_by_week',
    ['classroom_id', 'week', 'sessions', 'enrolled_slots', 'present', 'suspended', 'attendance_rate'],
    X.ATTENDANCE_BY_WEEK,
  ],
  ['unmatched_participants', ['session_id', 'participant', 'minutes_present', 'role'], X.UNMATCHED],
  [
    'recordings_by_classroom_month',
    ['classroom_id', 'month', 'sessions_recorded', 'parts', 'duration_seconds', 'hours'],
    X.RECORDINGS_BY_MONTH,
  ],
  ['invoices', ['student_id', 'instalment_key', 'amount_minor', 'currency', 'charged_at'], X.INVOICES],
  ['payments', ['transaction_id', 'amount_minor', 'currency', 'paid_at'], X.PAYMENTS],
  [
    'revenue_monthly',
    ['month', 'classroom_id', 'currency', 'invoiced_minor', 'invoices', 'collected_minor', 'payments'],
    X.REVENUE_MONTHLY,
  ],
  ['revenue_daily', ['day', 'classroom_id', 'currency', 'invoiced_minor', 'collected_minor'], X.REVENUE_DAILY],
  ['dues', ['student_id', 'overdue_minor', 'currency'], X.DUES],
  ['certificates', ['certificate_id', 'student_id', 'certificate_number', 'issued_at'], X.CERTIFICATES],
];

/** Every view of "a classroom week" as expected.ts works it out; a mismatch names the view. */
export function expectScenarioNumbers(snap: AnalyticsSnapshot): void {
  // One object, so a failure prints every view that differs, each under its name.
  const got = Object.fromEntries(SCENARIO_CHECKS.map(([view, columns]) => [view, cols(snap[view], columns)]));
  const want = Object.fromEntries(SCENARIO_CHECKS.map(([view, , expected]) => [view, expected]));
  expect({ ...got, recordings: snap.recordings.length }).toEqual({ ...want, recordings: 3 });
}
