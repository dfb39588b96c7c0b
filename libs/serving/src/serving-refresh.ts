import { sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import { inFilter } from './keys';
import { REFRESH_SETTINGS, Round } from './round';
import { INTERVAL_COLUMNS, participantIntervals } from './sql/intervals.sql';
import { ROSTER_COLUMNS, sessionRoster } from './sql/roster.sql';
import { ATTENDANCE_STORE_COLUMNS, computeAttendance } from './sql/attendance.sql';
import { computeEngagement, ENGAGEMENT_STORE_COLUMNS } from './sql/engagement.sql';
import { DEFAULT_TIME_ZONE, type TimeZones } from './sql/local-time';
import { computeRecordings, RECORDING_STORE_COLUMNS } from './sql/recordings.sql';
import {
  computeInvoices,
  computePayments,
  computeRevenueDaily,
  INVOICE_STORE_COLUMNS,
  PAYMENT_STORE_COLUMNS,
  paymentClassrooms,
  REVENUE_STORE_COLUMNS,
} from './sql/revenue.sql';
import { computeSessions, latestSessions, SESSION_STORE_COLUMNS } from './sql/sessions.sql';
import { PROJECTED_FACTS, SERVING_STORES, tableNames, type TableNames } from './tables';
import { Touched } from './touched';
import { VersionClock } from './version-clock';

type Pair = { institute_id: string; k: string };

const SESSION_KEY = ['institute_id', 'session_id'];
/** Institutes per time-zone lookup: ClickHouse caps a query's text (max_query_size, 256 KiB by default). */
const INSTITUTES_PER_QUERY = 1000;
const CLASSROOM_KEY = ['institute_id', 'classroom_id'];

/**
 * Keeps the serving stores current: for the keys a batch touched, recomputes their rows from the
 * fact tables (INSERT … SELECT at a newer _version) in dependency order: sessions, then the
 * engagement and attendance of those sessions and of every session of a classroom whose roster
 * changed, recordings, instalments, payments, and the daily money of the classrooms concerned.
 * Run it after the batch's fact rows are written and before its offsets are committed: a crash in
 * between replays the batch, and a recompute is idempotent.
 *
 * A round's keys go to `serving_keys` first (RoundKeys); each statement selects them with a
 * subquery, and the keys a round derives (sessions of a classroom, classrooms of a session) are
 * found by the server without a round trip.
 */
export class ServingRefresh {
  private readonly t: TableNames;
  private readonly clock: VersionClock;
  private readonly cluster: string;

  constructor(
    private readonly ch: ClickHouseConnection,
    options: {
      /** The tables to read and write (a rebuild's `__rebuild` copies); the live ones by default. */
      tables?: TableNames;
      clock?: VersionClock;
      /** CLICKHOUSE_CLUSTER: a round's partitions are then dropped from the `_local` tables on every server. */
      cluster?: string;
    } = {},
  ) {
    this.t = options.tables ?? tableNames();
    this.clock = options.clock ?? new VersionClock();
    this.cluster = options.cluster ?? '';
  }

  async refresh(touched: Touched, progress?: (line: string) => void): Promise<void> {
    if (touched.isEmpty) return;
    const zones = await this.timeZones(allInstitutes(touched));
    const v = this.clock.next();
    const r = new Round(this.ch, v, this.cluster);
    const step = (line: string) => progress?.(`  ${line}`);
    await r.add([
      ['schedules', touched.schedules],
      ['participants', touched.participants],
      ['recordings', touched.recordings],
      ['roster_classrooms', touched.rosterClassrooms],
      ['invoice_owners', touched.invoiceOwners],
      ['payments', touched.payments],
      ['revenue_classrooms', touched.revenueClassrooms],
    ]);
    try {
      const payments = r.in('payments', ['institute_id', 'transaction_id']);
      // Before payments are recomputed: a later version may move a payment to another classroom.
      if (touched.payments.size > 0)
        await r.derive(
          'revenue_classrooms',
          `SELECT institute_id, classroom_id AS k1, '' AS k2 FROM (${paymentClassrooms(this.t, payments)})`,
        );

      // Only schedule and meeting events make a session's row (as the sessions view always did).
      if (touched.schedules.size > 0) {
        await this.insert('sessions_store', SESSION_STORE_COLUMNS, computeSessions(this.t, r.in('schedules', SESSION_KEY), zones), v + 1);
        step(`sessions: ${touched.schedules.size}`);
      }
      if (touched.schedules.size + touched.participants.size + touched.rosterClassrooms.size > 0) {
        await r.derive(
          'people',
          `SELECT institute_id, k1, k2 FROM ${this.t.serving_keys} WHERE round = ${sqlString(r.round)} AND kind IN ('schedules', 'participants')
           UNION ALL
           ${this.sessionsOfClassrooms(r)}`,
        );
        const people = r.in('people', SESSION_KEY);
        await r.derive(
          'people_classrooms',
          `SELECT DISTINCT institute_id, classroom_id AS k1, '' AS k2 FROM (${latestSessions(this.t, people)})`,
        );
        const classrooms = r.in('people_classrooms', CLASSROOM_KEY);
        await r.stage('serving_round_intervals', INTERVAL_COLUMNS, participantIntervals(this.t, people));
        await r.stage('serving_round_roster', ROSTER_COLUMNS, sessionRoster(this.t, people, classrooms));
        const stages = {
          intervals: r.staged('serving_round_intervals', INTERVAL_COLUMNS),
          roster: r.staged('serving_round_roster', ROSTER_COLUMNS),
        };
        await this.insert('engagement_store', ENGAGEMENT_STORE_COLUMNS, computeEngagement(this.t, people, classrooms, stages), v + 1);
        await this.tombstone('attendance_store', ['institute_id', 'session_id', 'student_id'], people, v);
        await this.insert(
          'attendance_store',
          ATTENDANCE_STORE_COLUMNS,
          computeAttendance(this.t, people, stages.roster, r.institutes('people_classrooms')),
          v + 1,
        );
        if (progress) step(`engagement and attendance: ${await r.count('people')} sessions`);
      }
      if (touched.recordings.size + touched.schedules.size > 0)
        await this.insert(
          'recordings_store',
          RECORDING_STORE_COLUMNS,
          computeRecordings(this.t, `(${r.in('recordings', SESSION_KEY)} OR ${r.in('schedules', SESSION_KEY)})`, zones),
          v + 1,
        );
      if (touched.invoiceOwners.size > 0)
        await this.insert(
          'invoices_store',
          INVOICE_STORE_COLUMNS,
          computeInvoices(this.t, r.in('invoice_owners', ['institute_id', 'student_id', 'classroom_id'])),
          v + 1,
        );
      if (touched.payments.size > 0) await this.insert('payments_store', PAYMENT_STORE_COLUMNS, computePayments(this.t, payments), v + 1);
      if (touched.payments.size + touched.revenueClassrooms.size > 0) {
        const days = r.in('revenue_classrooms', CLASSROOM_KEY);
        await this.tombstone('revenue_daily_store', ['institute_id', 'classroom_id', 'day', 'currency'], days, v);
        await this.insert(
          'revenue_daily_store',
          REVENUE_STORE_COLUMNS,
          computeRevenueDaily(this.t, days, r.institutes('revenue_classrooms'), zones),
          v + 1,
        );
      }
    } finally {
      await r.drop();
    }
  }

  /**
   * Recomputes every serving row of the given institutes from their facts: after a change of
   * time zone or attendance rule, and for a rebuild. `progress` hears one line per institute.
   */
  async refreshInstitutes(institutes: readonly string[], progress: (line: string) => void = () => undefined): Promise<void> {
    for (const [i, institute] of institutes.entries()) {
      const touched = await this.everythingOf(institute);
      progress(
        `serving rows of ${institute} (${i + 1}/${institutes.length}): ${touched.sessions.size} sessions, ${touched.invoiceOwners.size} fee payers, ${touched.payments.size} payments`,
      );
      await this.refresh(touched, progress);
    }
  }

  /** Every institute with a fact row (what a rebuild recomputes). */
  async institutes(): Promise<string[]> {
    const rows = await this.ch.query<{ institute_id: string }>(
      'serving:institutes',
      `SELECT DISTINCT institute_id FROM (${PROJECTED_FACTS.map((table) => `SELECT DISTINCT institute_id FROM ${this.t[table]}`).join(' UNION ALL ')}) ORDER BY institute_id`,
    );
    return rows.map((r) => r.institute_id);
  }

  private async insert(store: keyof TableNames, columns: readonly string[], select: string, version: number): Promise<void> {
    await this.ch.command(
      `serving:${store}`,
      `INSERT INTO ${this.t[store]} (${columns.join(', ')}, _version) SELECT ${columns.join(', ')}, toUInt64(${version}) FROM (${select}) ${REFRESH_SETTINGS}`,
    );
  }

  /** Marks every live key of `store` that `filter` selects as gone, at `version`; what the recompute then writes at a newer version revives it. */
  private async tombstone(store: keyof TableNames, key: readonly string[], filter: string, version: number): Promise<void> {
    const k = key.join(', ');
    await this.ch.command(
      `serving:${store}:tombstones`,
      `INSERT INTO ${this.t[store]} (${k}, _deleted, _version) SELECT ${k}, toUInt8(1), toUInt64(${version}) FROM ${this.t[store]} WHERE ${filter} GROUP BY ${k} ${REFRESH_SETTINGS}`,
    );
  }

  /** Every session whose latest row names a classroom whose roster the round changed (institute_id, k1, k2). */
  private sessionsOfClassrooms(r: Round): string {
    return `SELECT institute_id, session_id AS k1, '' AS k2 FROM (
      SELECT institute_id, session_id, argMax(classroom_id, _version) AS c FROM ${this.t.sessions_store}
      WHERE ${r.institutes('roster_classrooms')} GROUP BY institute_id, session_id
    ) WHERE ${r.in('roster_classrooms', ['institute_id', 'c'])}`;
  }

  private async everythingOf(institute: string): Promise<Touched> {
    const t = this.t;
    const where = `institute_id = ${sqlString(institute)}`;
    const touched = new Touched();
    const sessionSources = [t.session_events, t.meeting_events, t.participant_events, t.recording_events];
    const sessions = await this.ch.query<Pair>(
      'serving:institute-sessions',
      `SELECT DISTINCT institute_id, k FROM (${sessionSources.map((s) => `SELECT institute_id, session_id AS k FROM ${s} WHERE ${where}`).join(' UNION ALL ')})`,
    );
    for (const r of sessions) touched.schedules.add(r.institute_id, r.k);
    const owners = await this.ch.query<{ institute_id: string; student_id: string; classroom_id: string }>(
      'serving:institute-fee-payers',
      `SELECT DISTINCT institute_id, student_id, classroom_id FROM ${t.invoice_events} WHERE ${where}`,
    );
    for (const r of owners) {
      touched.invoiceOwners.add(r.institute_id, r.student_id, r.classroom_id);
      touched.revenueClassrooms.add(r.institute_id, r.classroom_id);
    }
    const payments = await this.ch.query<{ institute_id: string; transaction_id: string; classroom_id: string }>(
      'serving:institute-payments',
      `SELECT DISTINCT institute_id, transaction_id, classroom_id FROM ${t.payment_events} WHERE ${where}`,
    );
    for (const r of payments) {
      touched.payments.add(r.institute_id, r.transaction_id);
      touched.revenueClassrooms.add(r.institute_id, r.classroom_id);
    }
    // Days left over from money that no fact carries any more (a rebuild after a projection fix).
    const days = await this.ch.query<Pair>(
      'serving:institute-revenue',
      `SELECT DISTINCT institute_id, classroom_id AS k FROM ${t.revenue_daily_store} WHERE ${where}`,
    );
    for (const r of days) touched.revenueClassrooms.add(r.institute_id, r.k);
    return touched;
  }

  private async timeZones(institutes: string[]): Promise<TimeZones> {
    const zones = new Map<string, string>();
    for (const chunk of chunks(
      institutes.map((i) => [i]),
      INSTITUTES_PER_QUERY,
    )) {
      const rows = await this.ch.query<{ institute_id: string; timezone: string }>(
        'serving:time-zones',
        `SELECT institute_id, argMax(timezone, updated_ms) AS timezone FROM ${this.t.institute_settings} WHERE ${inFilter(['institute_id'], chunk)} GROUP BY institute_id`,
      );
      for (const r of rows) if (r.timezone !== '' && r.timezone !== DEFAULT_TIME_ZONE) zones.set(r.institute_id, r.timezone);
    }
    return zones;
  }
}

function allInstitutes(t: Touched): string[] {
  return [...new Set([t.sessions, t.rosterClassrooms, t.invoiceOwners, t.payments, t.revenueClassrooms].flatMap((k) => k.institutes()))];
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * What `rebuild` needs to rebuild the stores with the facts: the stores to copy and swap, and the
 * step that fills the copies from the rebuilt facts, institute by institute, before the swap.
 */
export function servingRebuild(
  ch: ClickHouseConnection,
  progress: (line: string) => void,
): { derivedTables: readonly string[]; beforeSwap: (_: unknown, suffix: string) => Promise<void> } {
  return {
    derivedTables: SERVING_STORES,
    beforeSwap: async (_, suffix) => {
      const serving = new ServingRefresh(ch, { tables: tableNames(suffix) });
      const institutes = await serving.institutes();
      progress(`recomputing the serving tables of ${institutes.length} institutes`);
      await serving.refreshInstitutes(institutes, progress);
    },
  };
}
