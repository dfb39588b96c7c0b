import type { ClickHouse } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { ANALYTICS_TABLES } from '../../apps/projector/src/projections';
import { createTestDatabase, dropTestDatabase, loadEnvelopes, readAnalyticsSnapshot, type AnalyticsSnapshot } from './analytics-db';
import * as X from './expected';
import { classroomWeek, INSTITUTE, redelivered, S1, shuffled } from './scenario';

type Row = Record<string, unknown>;

/** JSONEachRow quotes 64-bit integers; compare numbers as numbers. */
function norm(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}
function cols(rows: Row[], names: string[]): unknown[][] {
  return rows.map((r) => names.map((n) => norm(r[n])));
}

const week = classroomWeek();
const VARIANTS: Array<[string, () => Envelope[]]> = [
  ['in order', () => week],
  ['shuffled (seed 42)', () => shuffled(week, 42)],
  ['each delivered 3 times, later copies received later, shuffled (seed 7)', () => redelivered(week, 3, 7)],
];

describe('analytics views over "a classroom week"', () => {
  const snapshots: AnalyticsSnapshot[] = [];
  const dbs: ClickHouse[] = [];

  afterAll(async () => {
    for (const ch of dbs) await dropTestDatabase(ch);
  });

  describe.each(VARIANTS)('%s', (_name, envelopes) => {
    let snap: AnalyticsSnapshot;
    let ch: ClickHouse;

    beforeAll(async () => {
      ch = await createTestDatabase();
      dbs.push(ch);
      await loadEnvelopes(ch, envelopes());
      snap = await readAnalyticsSnapshot(ch, INSTITUTE);
      snapshots.push(snap);
    });

    it('sessions: schedule patched, cancelled, deleted, with actual times', () => {
      const got = cols(snap.sessions, ['session_id', 'title', 'meeting_status', 'is_cancelled', 'is_deleted', 'actual_start', 'actual_end', 'actual_minutes']);
      expect(got).toEqual(X.SESSIONS);
    });

    it('roster', () => {
      expect(cols(snap.roster, ['classroom_id', 'member_role', 'member_id', 'is_member', 'left_at'])).toEqual(X.ROSTER);
    });

    it('engagement per session and participant', () => {
      const got = cols(snap.engagement, ['session_id', 'participant', 'joins', 'first_join', 'last_leave', 'minutes_present', 'minutes_late', 'minutes_sharing', 'shared']);
      expect(got).toEqual(X.ENGAGEMENT);
    });

    it('attendance and its rates', () => {
      expect(cols(snap.attendance, ['session_id', 'student_id', 'minutes_present', 'present'])).toEqual(X.ATTENDANCE);
      expect(cols(snap.attendance_by_session, ['session_id', 'enrolled', 'present', 'attendance_rate'])).toEqual(X.ATTENDANCE_BY_SESSION);
      expect(cols(snap.attendance_by_classroom, ['classroom_id', 'sessions', 'enrolled_slots', 'present', 'attendance_rate'])).toEqual(X.ATTENDANCE_BY_CLASSROOM);
      expect(cols(snap.attendance_by_student, ['classroom_id', 'student_id', 'sessions', 'present', 'attendance_rate'])).toEqual(X.ATTENDANCE_BY_STUDENT);
      expect(cols(snap.attendance_by_week, ['classroom_id', 'week', 'sessions', 'enrolled_slots', 'present', 'attendance_rate'])).toEqual(X.ATTENDANCE_BY_WEEK);
      expect(cols(snap.unmatched_participants, ['session_id', 'participant', 'minutes_present', 'role'])).toEqual(X.UNMATCHED);
    });

    it('recordings', () => {
      expect(snap.recordings).toHaveLength(3);
      expect(cols(snap.recordings_by_classroom_month, ['classroom_id', 'month', 'sessions_recorded', 'parts', 'duration_seconds', 'hours'])).toEqual(X.RECORDINGS_BY_MONTH);
    });

    it('revenue, dues and certificates', () => {
      expect(cols(snap.invoices, ['student_id', 'instalment_key', 'amount_minor', 'currency', 'charged_at'])).toEqual(X.INVOICES);
      expect(cols(snap.payments, ['transaction_id', 'amount_minor', 'currency', 'paid_at'])).toEqual(X.PAYMENTS);
      expect(cols(snap.revenue_monthly, ['month', 'classroom_id', 'currency', 'invoiced_minor', 'invoices', 'collected_minor', 'payments'])).toEqual(X.REVENUE_MONTHLY);
      expect(cols(snap.revenue_daily, ['day', 'classroom_id', 'currency', 'invoiced_minor', 'collected_minor'])).toEqual(X.REVENUE_DAILY);
      expect(cols(snap.dues, ['student_id', 'overdue_minor', 'currency'])).toEqual(X.DUES);
      expect(cols(snap.certificates, ['certificate_id', 'student_id', 'certificate_number', 'issued_at'])).toEqual(X.CERTIFICATES);
    });

    it('gives the same answers after every merge has run (OPTIMIZE ... FINAL)', async () => {
      for (const table of ANALYTICS_TABLES) await ch.command('test-merge', `OPTIMIZE TABLE ${table} FINAL`);
      expect(await readAnalyticsSnapshot(ch, INSTITUTE)).toEqual(snap);
    });
  });

  it('every variant gives identical results, view by view', () => {
    expect(snapshots).toHaveLength(VARIANTS.length);
    for (const s of snapshots.slice(1)) expect(s).toEqual(snapshots[0]);
  });

  it('honours a configured attendance rule (80 % and 1 minute)', async () => {
    const ch = dbs[0];
    await ch.insert('attendance_rules', [{ institute_id: INSTITUTE, min_percent: 80, min_minutes: 1, updated_at: 1717200000 }]);
    const rows = await ch.query(
      'test',
      `SELECT student_id, minutes_present, present FROM attendance WHERE institute_id = '${INSTITUTE}' AND session_id = '${S1}' ORDER BY student_id`,
    );
    // 80 % of 60 min = 48 min: alice 50 and chitra 50 present; bob 35 and dev 15 absent.
    expect(cols(rows, ['minutes_present', 'present'])).toEqual([[50, 1], [35, 0], [50, 1], [15, 0]]);
  });
});
