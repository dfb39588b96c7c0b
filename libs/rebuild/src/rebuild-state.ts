import { LOCAL_SUFFIX, sqlString, type ClickHouse } from '@wise/clickhouse';
import { fenceReason, RebuildFence } from './rebuild-fence';
import { OLD_SUFFIX, REBUILD_SUFFIX } from './rebuild-swap';

export interface RebuildState {
  /** What a running or interrupted rebuild's fence says (projectors are paused meanwhile); null when none is set. */
  fence: string | null;
  /** Tables a rebuild creates while it runs (`<table>__rebuild`) or leaves half-way (`<table>__old`). */
  tables: string[];
}

/** Names a rebuild's tables end with; on a cluster their local tables too (rebuild-tables.ts). */
const LEFT_BY_REBUILD = [REBUILD_SUFFIX, OLD_SUFFIX, REBUILD_SUFFIX + LOCAL_SUFFIX, OLD_SUFFIX + LOCAL_SUFFIX];

/**
 * Whether a rebuild is running, or stopped half-way: its fence is up (rebuild-fence.ts), or its
 * `<table>__rebuild` copies or `<table>__old` swap leftovers (with their `_local` tables on a cluster) are in the database.
 */
export async function rebuildState(ch: Pick<ClickHouse, 'query' | 'insert'>): Promise<RebuildState> {
  const rows = await ch.query<{ name: string }>(
    'rebuild:state',
    `SELECT name FROM system.tables WHERE database = currentDatabase()
        AND (${LEFT_BY_REBUILD.map((suffix) => `endsWith(name, ${sqlString(suffix)})`).join(' OR ')}) ORDER BY name`,
  );
  const fence = await new RebuildFence(ch).current();
  return { fence: fence ? fenceReason(fence) : null, tables: rows.map((r) => r.name) };
}
