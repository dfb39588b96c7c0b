import type { ClickHouse } from '@wise/clickhouse';
import { PROJECTED_FACTS, SERVING_STORES } from '@wise/serving';

/*
 * What a cluster and a single server hold, compared without the user-facing views (reading them on
 * 18.16 crashes a server: docs/scaling.md, "The cluster stack"): every serving store's latest live row
 * per key, and every fact table's distinct keys. Rows are read as stored and reduced here, so no
 * aggregate state crosses servers. Versions differ between the two sides (each round takes its
 * own), so `_version` decides which row is latest and is then left out.
 */

type Row = Record<string, unknown>;

/** The ORDER BY columns of `table`, from the single server's definition (the cluster's `_local` tables have the same). */
async function sortKey(ch: ClickHouse, table: string): Promise<string[]> {
  const [row] = await ch.query<{ engine_full: string }>(
    'test',
    `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = '${table}'`,
  );
  const m = /\bORDER BY \(?([^)]*?)\)?(?: SETTINGS|$)/.exec(row?.engine_full ?? '');
  if (!m) throw new Error(`no ORDER BY in the definition of ${table}: ${row?.engine_full}`);
  return m[1].split(',').map((c) => c.trim());
}

/** Numbers to 9 significant digits: sums of floats may be added in another order on another server. */
function normal(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(9));
  return v;
}

const line = (row: Row, columns: readonly string[]) => JSON.stringify(columns.map((c) => normal(row[c])));

/** Each key's row of highest `_version`, unless it is a tombstone or a scope marker (`_deleted`, in the stores that have it); sorted, without `_version`. */
export async function latestLiveRows(ch: ClickHouse, store: string, key: readonly string[]): Promise<string[]> {
  const rows = await ch.query<Row>('test', `SELECT * FROM ${store}`);
  const latest = new Map<string, Row>();
  for (const r of rows) {
    const k = line(r, key);
    const seen = latest.get(k);
    if (!seen || BigInt(String(r._version)) > BigInt(String(seen._version))) latest.set(k, r);
  }
  const columns = rows.length > 0 ? Object.keys(rows[0]).filter((c) => c !== '_version' && c !== '_deleted') : [];
  return [...latest.values()]
    .filter((r) => r._deleted === undefined || Number(r._deleted) === 0)
    .map((r) => line(r, columns))
    .sort();
}

async function distinctKeys(ch: ClickHouse, source: string, key: readonly string[]): Promise<string[]> {
  const rows = await ch.query<Row>('test', `SELECT DISTINCT ${key.join(', ')} FROM ${source}`);
  return rows.map((r) => line(r, key)).sort();
}

/**
 * What a rebuild keeps of the fact tables whose key holds a copy's receipt time: an attendance note
 * and a payment carry no time of their own, so copies of one received at different times give one
 * classroom_sessions or money_by_time row each when projected live (sessions.projection.ts, "any will
 * do"; fees.projection.ts), and a rebuild, which reads each event's earliest copy from `events`,
 * gives that copy's row alone. Compared after a rebuild: each event's earliest row.
 */
const EARLIEST_COPY: Partial<Record<string, string>> = {
  classroom_sessions:
    '(SELECT institute_id, classroom_id, min(start_s) AS start_s, session_id, event_id FROM classroom_sessions GROUP BY institute_id, classroom_id, session_id, event_id)',
  money_by_time:
    '(SELECT institute_id, min(at_s) AS at_s, kind, money_key, event_id FROM money_by_time GROUP BY institute_id, kind, money_key, event_id)',
};

/** Per store and fact table, what `ch` holds: stores as latest live rows, facts as distinct keys (`afterRebuild`: of each event's earliest copy). */
export async function servingContents(ch: ClickHouse, reference: ClickHouse, afterRebuild = false): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const store of SERVING_STORES) out[store] = await latestLiveRows(ch, store, await sortKey(reference, store));
  for (const fact of PROJECTED_FACTS)
    out[fact] = await distinctKeys(ch, (afterRebuild && EARLIEST_COPY[fact]) || fact, await sortKey(reference, fact));
  return out;
}

/**
 * The cluster's stores and facts equal the single server's, table by table (a failure names the
 * table and its first differences). `afterRebuild`: either side was rebuilt since the same copies
 * reached both, so facts keyed by a copy's receipt are compared by each event's earliest copy.
 */
export async function expectSameContents(cluster: ClickHouse, single: ClickHouse, { afterRebuild = false } = {}): Promise<void> {
  const [onCluster, onOne] = [await servingContents(cluster, single, afterRebuild), await servingContents(single, single, afterRebuild)];
  expect(onOne.sessions_store.length).toBeGreaterThan(20);
  expect(onOne.attendance_store.length).toBeGreaterThan(100);
  for (const table of Object.keys(onOne)) {
    const a = new Set(onCluster[table]);
    const b = new Set(onOne[table]);
    const onlyCluster = onCluster[table].filter((r) => !b.has(r)).slice(0, 5);
    const onlySingle = onOne[table].filter((r) => !a.has(r)).slice(0, 5);
    expect({ table, rows: onCluster[table].length, onlyCluster, onlySingle }).toEqual({
      table,
      rows: onOne[table].length,
      onlyCluster: [],
      onlySingle: [],
    });
  }
}
