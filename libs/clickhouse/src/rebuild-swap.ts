import type { ClickHouseConnection } from './connection';
import { sqlIdent, sqlStringList } from './quote';

export const REBUILD_SUFFIX = '__rebuild';
export const OLD_SUFFIX = '__old';

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
 * then drops the `__old` copies. Safe to run again after any failure.
 */
export async function swapIn(ch: Pick<ClickHouseConnection, 'query' | 'command'>, tables: readonly string[]): Promise<void> {
  const names = tables.flatMap((t) => [t, t + REBUILD_SUFFIX, t + OLD_SUFFIX]);
  const rows = await ch.query<{ name: string }>(
    'rebuild:swap-state',
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ${sqlStringList(names)}`,
  );
  const existing = new Set(rows.map((r) => r.name));
  // Every table's state is checked before anything is renamed.
  const renames = tables.flatMap((t) => remainingRenames(t, (name) => existing.has(name)));
  if (renames.length > 0) {
    await ch.command('rebuild:swap', `RENAME TABLE ${renames.map(([from, to]) => `${sqlIdent(from)} TO ${sqlIdent(to)}`).join(', ')}`);
  }
  for (const t of tables) await ch.command('rebuild:drop', `DROP TABLE IF EXISTS ${sqlIdent(t + OLD_SUFFIX)}`);
}
