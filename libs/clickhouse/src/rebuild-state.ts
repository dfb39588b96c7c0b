import type { ClickHouse } from './clickhouse.service';
import { sqlString } from './quote';
import { fenceReason, RebuildFence } from './rebuild-fence';
import { OLD_SUFFIX, REBUILD_SUFFIX } from './rebuild-swap';

export interface RebuildState {
  /** What a running or interrupted rebuild's fence says (projectors are paused meanwhile); null when none is set. */
  fence: string | null;
  /** Tables a rebuild creates while it runs (`<table>__rebuild`) or leaves half-way (`<table>__old`). */
  tables: string[];
}

/**
 * Whether a rebuild is running, or stopped half-way: its fence is up (rebuild-fence.ts), or its
 * `<table>__rebuild` copies or `<table>__old` swap leftovers are in the database.
 */
export async function rebuildState(ch: Pick<ClickHouse, 'query' | 'insert'>): Promise<RebuildState> {
  const rows = await ch.query<{ name: string }>(
    'rebuild:state',
    `SELECT name FROM system.tables WHERE database = currentDatabase()
        AND (endsWith(name, ${sqlString(REBUILD_SUFFIX)}) OR endsWith(name, ${sqlString(OLD_SUFFIX)})) ORDER BY name`,
  );
  const fence = await new RebuildFence(ch).current();
  return { fence: fence ? fenceReason(fence) : null, tables: rows.map((r) => r.name) };
}
