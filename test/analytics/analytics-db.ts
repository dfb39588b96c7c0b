/*
 * Helpers for the analytics tests (and the integrator's through-Kafka variant): a fresh database
 * per test file, loading envelopes the way the projector does (the same batch loop, writer and
 * sink, one INSERT per table per batch), and reading every view into one comparable object.
 */
import { randomBytes } from 'node:crypto';
import { BatchSink, ClickHouseWriter } from '@wise/projection-writer';
import { ClickHouse, migrateClickHouse, sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { Logger } from '@wise/observability';
import { projectEvents, QUARANTINE_TABLE, type Row, type StoredEvent } from '@wise/projections';
import { ServingRefresh, Touched, type RoundStep } from '@wise/serving';
import { ChdbConnection, dropTestDatabases } from '@wise/testing';

export const CLICKHOUSE_URL = 'http://127.0.0.1:8123';
// A test gives up on a write that keeps failing rather than retrying for ever.
const WRITE_TIMEOUT_MS = 60_000;

/** A new, migrated database named wise_test_<random>; drop it with `dropTestDatabase`. */
export async function createTestDatabase(prefix = 'wise_test'): Promise<ClickHouse> {
  const ch = new ClickHouse({
    url: CLICKHOUSE_URL,
    user: 'default',
    password: '',
    database: `${prefix}_${randomBytes(6).toString('hex')}`,
    app: 'test',
  });
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
  await dropTestDatabases(ch, ch.database);
  await ch.close();
}

/** An envelope as the event store would hold it (the body re-serialised here). */
export function storedEventOf(e: Envelope): StoredEvent {
  const { body, ...head } = e;
  return { head, rawBody: JSON.stringify(body), source: 'test' };
}

/**
 * Projects and writes a batch like the projector: the same loop (`projectEvents`, with the
 * `events` rows), the same sink and the same serving refresh after it. A scenario event the
 * projection refuses is a broken test, so it fails the load instead of landing in quarantine.
 */
export async function loadBatch(ch: ClickHouseConnection, envelopes: readonly Envelope[]): Promise<void> {
  const { tables, quarantined } = projectEvents(envelopes.map(storedEventOf), { eventStore: true });
  if (quarantined > 0)
    throw new Error(`the projection refused scenario events: ${(tables.get(QUARANTINE_TABLE) ?? []).map((r: Row) => r.reason).join('; ')}`);
  const serving = new ServingRefresh(ch);
  const sink = new BatchSink(new ClickHouseWriter(ch, new Logger('test', 'error'), 1000), (t) => serving.refresh(Touched.byRows(t)));
  const giveUpAt = Date.now() + WRITE_TIMEOUT_MS;
  const written = await sink.write(tables, { isActive: () => Date.now() < giveUpAt, heartbeat: async () => undefined, source: 'test' });
  await written.derived;
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
  invoices: 'institute_id, student_id, classroom_id, instalment_index',
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

/** Runs one serving round for `touched`, returning the sessions its roster keys reached (held at the step that reads them). */
export async function rosterSessionsReached(ch: ClickHouseConnection, touched: Touched): Promise<string[]> {
  let seen: string[] = [];
  const between = async (step: RoundStep) => {
    if (step !== 'read:session_facts') return;
    const rows = await ch.query<{ k1: string }>('test', `SELECT DISTINCT k1 FROM serving_keys WHERE kind = 'roster_sessions' ORDER BY k1`);
    seen = rows.map((r) => r.k1);
  };
  await new ServingRefresh(ch, { between }).refresh(touched);
  return seen;
}
