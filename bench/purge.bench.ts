import { migrateClickHouse, type ClickHouse } from '@wise/clickhouse';
import { ClickHouseWriter } from '@wise/projection-writer';
import { Logger } from '@wise/observability';
import { projectEvents } from '@wise/projections';
import { purgeDeadKeys, ServingRefresh, SingleWriterVersions, Touched, type StorePurge } from '@wise/serving';
import { generateTraffic, type SimEvent } from '../tools/simulate/generate';
import type { WorldOptions } from '../tools/simulate/world';
import type { BenchRun } from './bench-env';
import { storedOf } from './queries.bench';
import { median } from './stats';

export interface PurgeFigures {
  weeks: number;
  events: number;
  stores: Array<StorePurge & { rowsBefore: number }>;
  purgeMs: number;
  /** Median ms of the institute's attendance-by-student query, before the purge (baseline) and after. */
  queryBeforeMs: number;
  queryAfterMs: number;
  /** Every user-facing view had the same rows before and after. */
  viewsUnchanged: boolean;
}

/** The stores that keep tombstones (the others never drop a key). */
const TOMBSTONED = ['attendance_store', 'revenue_daily_store', 'attendance_weekly_store', 'revenue_monthly_store'];
const VIEWS = [
  'sessions',
  'engagement',
  'attendance',
  'recordings',
  'invoices',
  'payments',
  'revenue_daily',
  'revenue_monthly',
  'attendance_by_week',
];
const BATCH = 500;
const QUERY_REPEATS = 15;

/**
 * What dead keys cost and what purging them takes: one institute's history fed through live
 * rounds in batches of BATCH deliveries, as the projector does (a one-shot recompute leaves no
 * dead key), then `purgeDeadKeys`. A dashboard query over the store with the most dead rows is
 * timed before the purge (the baseline) and after; every view must read the same rows.
 */
export async function benchPurge(run: BenchRun, plan: { weeks: number }, say: (line: string) => void): Promise<PurgeFigures> {
  run.ownPhase('purge');
  const ch = run.clickhouse('purge');
  try {
    await migrateClickHouse(ch);
    const world: WorldOptions = {
      seed: 'purge',
      institutes: 1,
      weeks: plan.weeks,
      classrooms: 4,
      students: 25,
      startMs: Date.UTC(2024, 0, 1),
      prefix: run.slugPrefix('purge'),
    };
    const versions = new SingleWriterVersions(ch);
    const serving = new ServingRefresh(ch, { versions });
    const writer = new ClickHouseWriter(ch, new Logger('bench', 'error'), 1000);
    let batch: SimEvent[] = [];
    let events = 0;
    const t0 = Date.now();
    const flush = async () => {
      const { tables } = projectEvents(storedOf(batch), { eventStore: true });
      await writer.write(tables, { isActive: () => true, heartbeat: async () => undefined, source: 'bench' });
      await serving.refresh(Touched.byRows(tables));
      events += batch.length;
      batch = [];
    };
    for (const e of generateTraffic(world)) {
      batch.push(e);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    say(
      `[bench] purge: ${events} events of ${plan.weeks} weeks through live rounds of ${BATCH} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    // As a store that has run a while: merged, so that the rows counted are keys, not copies.
    for (const t of TOMBSTONED) await ch.command('bench:purge', `OPTIMIZE TABLE ${t} FINAL`);

    const rowsBefore = new Map<string, number>();
    for (const t of TOMBSTONED) rowsBefore.set(t, await count(ch, t));
    const viewsBefore = await viewDigest(ch);
    const query = `SELECT student_id, count() AS sessions, sum(present) AS present FROM attendance GROUP BY student_id ORDER BY student_id`;
    const queryBeforeMs = await timed(ch, query);
    const t1 = Date.now();
    const report = await purgeDeadKeys(ch, versions, { progress: (l) => say(`[bench] purge: ${l}`) });
    const purgeMs = Date.now() - t1;
    const queryAfterMs = await timed(ch, query);
    const viewsUnchanged = JSON.stringify(await viewDigest(ch)) === JSON.stringify(viewsBefore);
    const stores = report.filter((r) => TOMBSTONED.includes(r.store)).map((r) => ({ ...r, rowsBefore: rowsBefore.get(r.store) ?? 0 }));
    for (const s of stores) say(`[bench] purge: ${s.store}: ${s.deadKeys} dead keys, ${s.rowsRemoved} of ${s.rowsBefore} rows removed`);
    say(
      `[bench] purge: took ${purgeMs} ms; views unchanged: ${viewsUnchanged}; attendance query ${queryBeforeMs} → ${queryAfterMs} ms (median)`,
    );
    return { weeks: plan.weeks, events, stores, purgeMs, queryBeforeMs, queryAfterMs, viewsUnchanged };
  } finally {
    await ch.close();
  }
}

async function count(ch: ClickHouse, table: string): Promise<number> {
  const [r] = await ch.query<{ n: string }>('bench:purge', `SELECT toString(count()) AS n FROM ${table}`);
  return Number(r.n);
}

/** Each view's row count and content hash. */
async function viewDigest(ch: ClickHouse): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of VIEWS) {
    const [r] = await ch.query<{ n: string; h: string }>(
      'bench:purge',
      `SELECT toString(count()) AS n, toString(sum(cityHash64(*))) AS h FROM ${v}`,
    );
    out[v] = `${r.n}/${r.h}`;
  }
  return out;
}

async function timed(ch: ClickHouse, sql: string): Promise<number> {
  const ms: number[] = [];
  await ch.query('bench:purge', sql); // warm: the first read of a part loads its marks
  for (let i = 0; i < QUERY_REPEATS; i++) {
    const t = process.hrtime.bigint();
    await ch.query('bench:purge', sql);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return Math.round(median(ms) * 10) / 10;
}
