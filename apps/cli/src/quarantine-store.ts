import { sqlNumber, sqlString, tableRef, type ClickHouse } from '@wise/clickhouse';
import { QUARANTINE_TABLE, type QuarantinedDelivery } from '@wise/projections';

// Every read of the quarantine table the CLI makes (`quarantine list`, `quarantine replay`, `status`).

/** Which quarantine rows a command looks at; every field narrows. */
export interface QuarantineFilter {
  instituteId?: string;
  /** Received at or after, epoch ms. */
  sinceMs?: number;
  /** A piece of the stored reason, case-insensitive. */
  reason?: string;
}

export interface StoredQuarantine extends QuarantinedDelivery {
  eventName: string;
  reason: string;
}

/** Where a page of quarantine rows ended, in key order. */
export type QuarantineCursor = Pick<StoredQuarantine, 'instituteId' | 'stage' | 'quarantineId'>;

type Reader = Pick<ClickHouse, 'query' | 'database'>;

const quarantineOf = (ch: Reader) => tableRef(ch.database, QUARANTINE_TABLE);

function where(f: QuarantineFilter, after: QuarantineCursor | null = null): string {
  const conditions = ['1'];
  if (f.instituteId !== undefined) conditions.push(`institute_id = ${sqlString(f.instituteId)}`);
  if (f.sinceMs !== undefined) conditions.push(`received_at_ms >= ${sqlNumber(f.sinceMs)}`);
  if (f.reason !== undefined) conditions.push(`positionCaseInsensitiveUTF8(reason, ${sqlString(f.reason)}) > 0`);
  if (after) {
    // 18.16 has no tuple comparison: the key order (institute_id, stage, quarantine_id) spelled out.
    const [i, s, q] = [sqlString(after.instituteId), sqlString(after.stage), sqlString(after.quarantineId)];
    conditions.push(`(institute_id > ${i} OR (institute_id = ${i} AND (stage > ${s} OR (stage = ${s} AND quarantine_id > ${q}))))`);
  }
  return conditions.join(' AND ');
}

/** Quarantine rows matching the filter (one per key, as FINAL collapses copies). */
export async function countQuarantine(ch: Reader, f: QuarantineFilter): Promise<number> {
  const [row] = await ch.query<{ n: string }>('quarantine:count', `SELECT count() AS n FROM ${quarantineOf(ch)} FINAL WHERE ${where(f)}`);
  return Number(row.n);
}

/** The next page of matching quarantine rows after `after`, in key order, with their raw bodies. */
export async function readQuarantinePage(
  ch: Reader,
  f: QuarantineFilter,
  after: QuarantineCursor | null,
  pageSize: number,
): Promise<StoredQuarantine[]> {
  const rows = await ch.query<{
    institute_id: string;
    quarantine_id: string;
    stage: string;
    event_name: string;
    received_at_ms: string;
    reason: string;
    raw: string;
    raw_encoding: string;
  }>(
    'quarantine:page',
    `SELECT institute_id, quarantine_id, stage, event_name, received_at_ms, reason, raw, raw_encoding
       FROM ${quarantineOf(ch)} FINAL WHERE ${where(f, after)}
      ORDER BY institute_id, stage, quarantine_id LIMIT ${sqlNumber(pageSize)}`,
  );
  return rows.map((r) => ({
    instituteId: r.institute_id,
    quarantineId: r.quarantine_id,
    stage: r.stage,
    eventName: r.event_name,
    receivedAtMs: Number(r.received_at_ms),
    reason: r.reason,
    raw: r.raw,
    rawEncoding: r.raw_encoding,
  }));
}

export interface QuarantineReasonCount {
  instituteId: string;
  stage: string;
  reason: string;
  count: number;
  newest: string;
}

/** Quarantine rows per institute, stage and reason (the reason's first `width` characters), most first. */
export async function quarantineByReason(ch: Reader, limit: number, width = 100): Promise<QuarantineReasonCount[]> {
  const rows = await ch.query<{ institute_id: string; stage: string; reason: string; n: string; newest: string }>(
    'quarantine:by-reason',
    `SELECT institute_id, stage, substring(reason, 1, ${sqlNumber(width)}) AS reason, count() AS n, toString(max(received_at)) AS newest
       FROM ${quarantineOf(ch)} FINAL GROUP BY institute_id, stage, reason ORDER BY n DESC, institute_id, stage, reason LIMIT ${sqlNumber(limit)}`,
  );
  return rows.map((r) => ({ instituteId: r.institute_id, stage: r.stage, reason: r.reason, count: Number(r.n), newest: r.newest }));
}

/** The newest `limit` quarantine rows (of one institute, if given), the reason cut to 120 characters: `quarantine list`. */
export function latestQuarantine(ch: Reader, instituteId: string | undefined, limit: number): Promise<Array<Record<string, unknown>>> {
  const where = instituteId !== undefined ? `WHERE institute_id = ${sqlString(instituteId)}` : '';
  return ch.query<Record<string, unknown>>(
    'cli:quarantine',
    `SELECT institute_id, stage, event_name, toString(received_at) AS received_at, quarantine_id, substring(reason, 1, 120) AS reason
       FROM ${quarantineOf(ch)} FINAL ${where} ORDER BY received_at DESC LIMIT ${sqlNumber(limit)}`,
  );
}

/** Distinct quarantined deliveries per institute: `status`. */
export async function quarantinedPerInstitute(ch: Reader): Promise<Map<string, string>> {
  const rows = await ch.query<{ institute_id: string; n: string }>(
    'cli:status',
    `SELECT institute_id, uniqExact(quarantine_id) AS n FROM ${quarantineOf(ch)} GROUP BY institute_id`,
  );
  return new Map(rows.map((r) => [r.institute_id, r.n]));
}
