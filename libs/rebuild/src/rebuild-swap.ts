import { rebuildTables, type TablesConnection } from './rebuild-tables';

import { OLD_SUFFIX, REBUILD_SUFFIX } from './rebuild-names';

export { OLD_SUFFIX, REBUILD_SUFFIX };

/*
 * The swap of rebuilt tables, as a state machine a rerun can finish. Each table `t` goes
 * `t` → `t__old`, then `t__rebuild` → `t`; every rename of every table is in one RENAME statement,
 * atomic where the server makes it so, but ClickHouse 18.16 applies a multi-table RENAME one pair
 * after another, and a crash or error between two leaves some tables swapped and some not. Which
 * of `t`, `t__rebuild` and `t__old` exist says how far each table got, so running the swap again
 * (the rebuild does, when its fence says the swap began) finishes it forward.
 */

export class SwapStateError extends Error {}

type Rename = [from: string, to: string];

/** The renames still needed to swap `table` in, from which of its names exist. */
export function remainingRenames(table: string, exists: (name: string) => boolean): Rename[] {
  const fresh = table + REBUILD_SUFFIX;
  const old = table + OLD_SUFFIX;
  const [hasLive, hasFresh, hasOld] = [exists(table), exists(fresh), exists(old)];
  if (hasLive && !hasFresh) return []; // swapped (its old copy dropped or not yet)
  if (hasLive && hasFresh && !hasOld)
    return [
      [table, old],
      [fresh, table],
    ]; // not begun
  if (!hasLive && hasFresh) return [[fresh, table]]; // moved aside, the rebuilt copy not yet in
  const state = `${table} ${hasLive ? 'exists' : 'missing'}, ${fresh} ${hasFresh ? 'exists' : 'missing'}, ${old} ${hasOld ? 'exists' : 'missing'}`;
  throw new SwapStateError(
    `cannot tell how to finish swapping ${table} (${state}). ` +
      `Look at the three tables, rename by hand so that ${table} holds the data to keep, drop the others, then run rebuild again.`,
  );
}

/**
 * Swaps every `<t>__rebuild` in for `<t>`, finishing whatever an earlier attempt left half-done,
 * then drops the `__old` copies (and, on a cluster, the Distributed tables the copies were filled
 * through). Safe to run again after any failure. `cluster`: CLICKHOUSE_CLUSTER (rebuild-tables.ts).
 */
export async function swapIn(ch: TablesConnection, tables: readonly string[], cluster = ''): Promise<void> {
  const ddl = rebuildTables(ch, cluster);
  // Every table's state is checked before anything is renamed.
  const existing = await ddl.existing(tables.flatMap((t) => [t, t + REBUILD_SUFFIX, t + OLD_SUFFIX]));
  const renames = tables.flatMap((t) => remainingRenames(t, (name) => existing.has(name)));
  if (renames.length > 0) await ddl.rename(renames);
  await ddl.drop(tables.flatMap((t) => (cluster ? [t + OLD_SUFFIX, t + REBUILD_SUFFIX] : [t + OLD_SUFFIX])));
}
