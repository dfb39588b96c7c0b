/*
 * Helpers for the analytics tests (and the integrator's through-Kafka variant): a fresh database
 * per test file, loading envelopes the way the projector does (projectEvent per envelope, one
 * INSERT per table), and reading every view into one comparable object.
 */
import { randomBytes } from 'node:crypto';
import { ClickHouse, migrateClickHouse, sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { ServingRefresh, Touched } from '@wise/serving';
import { ChdbConnection } from '@wise/testing';
import { ANALYTICS_TABLES, projectEvent, type Row } from '../../apps/projector/src/projections';
import { eventStoreRow } from '../../apps/projector/src/pipeline/project-batch';

export const CLICKHOUSE_URL = 'http://127.0.0.1:8123';

/** A new, migrated database named wise_test_<random>; drop it with `dropTestDatabase`. */
export async function createTestDatabase(prefix = 'wise_test'): Promise<ClickHouse> {
  const ch = new ClickHouse({ url: CLICKHOUSE_URL, user: 'default', password: '', database: `${prefix}_${randomBytes(6).toString('hex')}`, app: 'test' });
  await migrateClickHouse(ch);
  return ch;
}

/** The same, on the current engine in this process (chDB, ClickHouse 26.x), in a private folder. */
export async function createChdbTestDatabase(): Promise<ChdbConnection> {
  const ch = await ChdbConnection.open(`wise_test_${randomBytes(6).toString('hex')}`);
  await migrateClickHouse(ch);
  return ch;
}

/** The two engines every analytics test runs on: what the native stack serves, and current ClickHouse. */
export const ENGINES: Array<[name: string, create: () => Promise<ClickHouseConnection & { close(): Promise<void> }>]> = [
  ['ClickHouse 18.16 server', createTestDatabase],
  ['ClickHouse 26.x in-process (chDB)', createChdbTestDatabase],
];

export async function dropTestDatabase(ch: ClickHouseConnection & { close(): Promise<void> }): Promise<void> {
  // Refuses anything whose name does not say test, whoever calls it.
  if (!/test/.test(ch.database)) throw new Error(`refusing to drop ${ch.database}: not a test database`);
  await ch.command('test-teardown', `DROP DATABASE IF EXISTS ${ch.database}`);
  await ch.close();
}

/** The raw event-store row of an envelope (what the integrator's writer puts in `events`). */
/** The raw `events` row, built by the projector's own function (the body re-serialised here). */
export function eventsRow(e: Envelope): Row {
  return eventStoreRow(e, JSON.stringify(e.body));
}

/** Projects a batch like the projector: every envelope through projectEvent, one INSERT per table. */
export async function loadBatch(ch: ClickHouseConnection, envelopes: readonly Envelope[]): Promise<void> {
  const byTable = new Map<string, Row[]>(ANALYTICS_TABLES.map((t) => [t, []]));
  for (const e of envelopes) {
    for (const [table, rows] of Object.entries(projectEvent(e))) {
      const acc = byTable.get(table);
      if (!acc) throw new Error(`projectEvent returned rows for ${table}, which is not in ANALYTICS_TABLES`);
      acc.push(...rows);
    }
  }
  await ch.insert('events', envelopes.map(eventsRow));
  for (const [table, rows] of byTable) await ch.insert(table, rows);
  await new ServingRefresh(ch).refresh(Touched.byRows(byTable));
}

/** Loads `envelopes` in batches of `batchSize` (several parts, as a consumer would write them). */
export async function loadEnvelopes(ch: ClickHouseConnection, envelopes: readonly Envelope[], batchSize = 25): Promise<void> {
  for (let i = 0; i < envelopes.length; i += batchSize) await loadBatch(ch, envelopes.slice(i, i + batchSize));
}

/** Views read by `readAnalyticsSnapshot`, each with the columns that order its rows. */
export const SNAPSHOT_VIEWS: Record<string, string> = {
  sessions: 'institute_id, session_id',
  roster: 'institute_id, classroom_id, member_role, member_id',
  suspensions: 'institute_id, classroom_id, student_id',
  engagement: 'institute_id, session_id, participant',
  attendance: 'institute_id, session_id, student_id',
  attendance_by_session: 'institute_id, session_id',
  attendance_by_classroom: 'institute_id, classroom_id',
  attendance_by_student: 'institute_id, classroom_id, student_id',
  attendance_by_week: 'institute_id, classroom_id, week',
  unmatched_participants: 'institute_id, session_id, participant',
  recordings: 'institute_id, session_id, recording_type, part_index',
  recordings_by_classroom_month: 'institute_id, classroom_id, month',
  invoices: 'institute_id, student_id, classroom_id, instalment_key',
  payments: 'institute_id, transaction_id',
  revenue_daily: 'institute_id, day, classroom_id, currency',
  revenue_monthly: 'institute_id, month, classroom_id, currency',
  dues: 'institute_id, classroom_id, student_id',
  certificates: 'institute_id, certificate_id',
  student_attendance_by_week: 'institute_id, student_id, week',
  teacher_hours_by_week: 'institute_id, teacher_id, week',
  teacher_hours_by_month: 'institute_id, teacher_id, month',
};

export type AnalyticsSnapshot = Record<string, Row[]>;

/**
 * Every analytics view of `instituteId` (all institutes if omitted), rows in a fixed order, so two
 * snapshots compare with toEqual. Columns that depend on the wall clock are not in any view.
 */
export async function readAnalyticsSnapshot(ch: ClickHouseConnection, instituteId?: string): Promise<AnalyticsSnapshot> {
  const where = instituteId === undefined ? '' : ` WHERE institute_id = ${sqlString(instituteId)}`;
  const out: AnalyticsSnapshot = {};
  for (const [view, order] of Object.entries(SNAPSHOT_VIEWS)) {
    out[view] = await ch.query('test-snapshot', `SELECT * FROM ${view}${where} ORDER BY ${order}`);
  }
  return out;
}
