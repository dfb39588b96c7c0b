import type { ClickHouse } from './clickhouse.service';
import { OLD_SUFFIX, REBUILD_SUFFIX } from './rebuild';
import { sqlString } from './quote';

export interface RebuildState {
  /** Tables a rebuild creates while it runs (`<table>__rebuild`) or leaves half-way (`<table>__old`). */
  tables: string[];
}

/**
 * Whether a rebuild is running, or stopped half-way: it works in `<table>__rebuild` copies and
 * swaps through `<table>__old`, so any of those in the database means one has not finished.
 */
export async function rebuildState(ch: Pick<ClickHouse, 'query'>): Promise<RebuildState> {
  const rows = await ch.query<{ name: string }>(
    'rebuild:state',
    `SELECT name FROM system.tables WHERE database = currentDatabase()
        AND (endsWith(name, ${sqlString(REBUILD_SUFFIX)}) OR endsWith(name, ${sqlString(OLD_SUFFIX)})) ORDER BY name`,
  );
  return { tables: rows.map((r) => r.name) };
}
