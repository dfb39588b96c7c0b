/*
 * The hand-computed numbers of test/analytics/expected.ts, checked view by view against a snapshot,
 * with the same columns test/analytics/analytics-views.test.ts checks (its checks live inside that
 * test file, which cannot be imported without running it, so they are restated here).
 */
import type { AnalyticsSnapshot } from '../analytics/analytics-db';
import * as X from '../analytics/expected';

type Row = Record<string, unknown>;

/** JSONEachRow quotes 64-bit integers; compare numbers as numbers. */
const norm = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
const cols = (rows: Row[], names: string[]) => rows.map((r) => names.map((n) => norm(r[n])));

/** Every view of "a classroom week" as expected.ts works it out; a mismatch names the view. */
export function expectScenarioNumbers(snap: AnalyticsSnapshot): void {
  const checks: Array<[string, unknown[][], unknown[]]> = [
    ['sessions', cols(snap.sessions, ['session_id', 'title', 'meeting_status', 'is_cancelled', 'is_deleted', 'actual_start', 'actual_end', 'actual_minutes']), X.SESSIONS],
    ['roster', cols(snap.roster, ['classroom_id', 'member_role', 'member_id', 'is_member', 'left_at']), X.ROSTER],
    ['engagement', cols(snap.engagement, ['session_id', 'participant', 'joins', 'first_join', 'last_leave', 'minutes_present', 'minutes_late', 'minutes_sharing', 'shared']), X.ENGAGEMENT],
    ['attendance', cols(snap.attendance, ['session_id', 'student_id', 'minutes_present', 'present']), X.ATTENDANCE],
    ['attendance_by_session', cols(snap.attendance_by_session, ['session_id', 'enrolled', 'present', 'attendance_rate']), X.ATTENDANCE_BY_SESSION],
    ['attendance_by_classroom', cols(snap.attendance_by_classroom, ['classroom_id', 'sessions', 'enrolled_slots', 'present', 'attendance_rate']), X.ATTENDANCE_BY_CLASSROOM],
    ['attendance_by_student', cols(snap.attendance_by_student, ['classroom_id', 'student_id', 'sessions', 'present', 'attendance_rate']), X.ATTENDANCE_BY_STUDENT],
    ['attendance_by_week', cols(snap.attendance_by_week, ['classroom_id', 'week', 'sessions', 'enrolled_slots', 'present', 'attendance_rate']), X.ATTENDANCE_BY_WEEK],
    ['unmatched_participants', cols(snap.unmatched_participants, ['session_id', 'participant', 'minutes_present', 'role']), X.UNMATCHED],
    ['recordings_by_classroom_month', cols(snap.recordings_by_classroom_month, ['classroom_id', 'month', 'sessions_recorded', 'parts', 'duration_seconds', 'hours']), X.RECORDINGS_BY_MONTH],
    ['invoices', cols(snap.invoices, ['student_id', 'instalment_key', 'amount_minor', 'currency', 'charged_at']), X.INVOICES],
    ['payments', cols(snap.payments, ['transaction_id', 'amount_minor', 'currency', 'paid_at']), X.PAYMENTS],
    ['revenue_monthly', cols(snap.revenue_monthly, ['month', 'classroom_id', 'currency', 'invoiced_minor', 'invoices', 'collected_minor', 'payments']), X.REVENUE_MONTHLY],
    ['revenue_daily', cols(snap.revenue_daily, ['day', 'classroom_id', 'currency', 'invoiced_minor', 'collected_minor']), X.REVENUE_DAILY],
    ['dues', cols(snap.dues, ['student_id', 'overdue_minor', 'currency']), X.DUES],
    ['certificates', cols(snap.certificates, ['certificate_id', 'student_id', 'certificate_number', 'issued_at']), X.CERTIFICATES],
  ];
  // One object, so a failure prints every view that differs, each under its name.
  const got = Object.fromEntries(checks.map(([view, rows]) => [view, rows]));
  const want = Object.fromEntries(checks.map(([view, , expected]) => [view, expected]));
  expect({ ...got, recordings: snap.recordings.length }).toEqual({ ...want, recordings: 3 });
}
