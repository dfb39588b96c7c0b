import { querySystemTables, sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import { SERVING_STORES, tableNames, type ServingStore, type TableNames } from './serving-tables';
import type { ServingVersions } from './versions';

/*
 * Purging dead keys: every row of a key whose newest row is a tombstone or a scope marker
 * (`_deleted` = 1), which rounds leave behind (docs/serving.md, "Purging dead keys", has the
 * argument in full).
 *
 * - A watermark W first (ServingVersions.watermark): every round with a version below W has ended,
 *   so no round can still write a row at or below W. Only rows at or below W are deleted.
 * - The dead keys are fixed once per store, in a table of their own: keys whose newest row is
 *   `_deleted` and at or below W. Rows at or below W of those keys no longer change (a sweep
 *   writes only keys that are live), whatever the rounds at or above W do meanwhile.
 * - Then two mutations, the second begun once the first is done on every part: the live rows of
 *   those keys, then their tombstones. A mutation rewrites one part at a time, so a tombstone
 *   deleted first could uncover, for a moment, a live row still in an unrewritten part; with
 *   the live rows gone first, a key only ever shows a tombstone or nothing.
 * - A round at or above W that brings a key back writes above W, and keeps it.
 */

/**
 * Where a purge keeps the dead keys of the store it purges, between its two mutations: named after
 * its watermark, so two purges at once keep to their own; a Log table, so that a mutation reading
 * it outlives a ClickHouse restart. A purge that stopped half-way leaves it; it is small, and
 * dropping it once system.mutations shows nothing undone is safe.
 */
const DEAD_KEYS = 'serving_purge_keys';
/** How often the purge looks at system.mutations while it waits for one. */
const MUTATION_POLL_MS = 200;

export interface PurgeOptions {
  tables?: TableNames;
  /** CLICKHOUSE_CLUSTER: refused there (see docs/serving.md). */
  cluster?: string;
  progress?: (line: string) => void;
  /** How long one mutation may take before the purge gives up waiting (it goes on in ClickHouse). */
  mutationWaitMs?: number;
}

export interface StorePurge {
  store: ServingStore;
  deadKeys: number;
  rowsRemoved: number;
}

/** Deletes every row of every dead key of the serving stores; returns what each store lost. */
export async function purgeDeadKeys(
  ch: ClickHouseConnection,
  versions: ServingVersions,
  options: PurgeOptions = {},
): Promise<StorePurge[]> {
  if (options.cluster)
    throw new Error(
      `purging dead keys is not supported on a cluster (CLICKHOUSE_CLUSTER=${options.cluster}): each replica would fix its own set of dead keys, and replicas that lag would disagree; the dead rows only cost space and reads, so leave them, or run \`rebuild\`, which writes no dead keys`,
    );
  const t = options.tables ?? tableNames();
  const progress = options.progress ?? (() => undefined);
  const waitMs = options.mutationWaitMs ?? 600_000;
  progress('waiting for the serving rounds in flight to end (new rounds wait meanwhile)');
  const w = await versions.watermark();
  progress(`every round below version ${w} has ended; purging the dead keys at or below it`);
  const out: StorePurge[] = [];
  const deadKeysTable = `${DEAD_KEYS}_${w}`;
  for (const store of SERVING_STORES) {
    const table = t[store];
    const key = await keyOfTombstoned(ch, table);
    if (!key) continue;
    const k = key.join(', ');
    await ch.command('purge:keys', `DROP TABLE IF EXISTS ${deadKeysTable}`);
    await ch.command(
      'purge:keys',
      `CREATE TABLE ${deadKeysTable} ENGINE = Log AS
       SELECT ${k} FROM ${table} GROUP BY ${k}
       HAVING argMax(_deleted, _version) = 1 AND max(_version) <= ${w}`,
    );
    const [{ n }] = await ch.query<{ n: string }>('purge:keys', `SELECT count() AS n FROM ${deadKeysTable}`);
    const deadKeys = Number(n);
    if (deadKeys === 0) {
      out.push({ store, deadKeys, rowsRemoved: 0 });
      progress(`${store}: no dead keys`);
      continue;
    }
    const ofDeadKeys = `(${k}) IN (SELECT ${k} FROM ${deadKeysTable}) AND _version <= ${w}`;
    const rows = await countRows(ch, table, ofDeadKeys);
    progress(`${store}: ${deadKeys} dead keys, ${rows} rows; deleting their live rows, then their tombstones`);
    await mutate(ch, table, `${ofDeadKeys} AND _deleted = 0`, waitMs);
    await mutate(ch, table, ofDeadKeys, waitMs);
    out.push({ store, deadKeys, rowsRemoved: rows - (await countRows(ch, table, ofDeadKeys)) });
  }
  await ch.command('purge:keys', `DROP TABLE IF EXISTS ${deadKeysTable}`);
  return out;
}

/**
 * The columns a ReplacingMergeTree collapses rows by, what makes a key; null for a store without
 * `_deleted` (sessions, engagement, recordings, instalments and payments keep every key).
 */
async function keyOfTombstoned(ch: ClickHouseConnection, table: string): Promise<string[] | null> {
  const [{ n }] = await querySystemTables<{ n: string }>(
    ch,
    'purge:columns',
    ch.database,
    `SELECT count() AS n FROM system.columns WHERE database = ${sqlString(ch.database)} AND table = ${sqlString(table)} AND name = '_deleted'`,
  );
  if (Number(n) === 0) return null;
  const rows = await querySystemTables<{ sorting_key: string; engine: string }>(
    ch,
    'purge:sorting-key',
    ch.database,
    `SELECT sorting_key, engine FROM system.tables WHERE database = ${sqlString(ch.database)} AND name = ${sqlString(table)}`,
  );
  const columns = (rows[0]?.sorting_key ?? '').split(',').map((c) => c.trim());
  if (rows[0]?.engine !== 'ReplacingMergeTree' || columns.some((c) => !/^[a-z_][a-z0-9_]*$/i.test(c)))
    throw new Error(
      `${ch.database}.${table} is not a ReplacingMergeTree keyed by columns (engine ${rows[0]?.engine ?? 'none'}, key ${rows[0]?.sorting_key ?? 'none'}): run \`npm run cli -- migrate\``,
    );
  return columns;
}

async function countRows(ch: ClickHouseConnection, table: string, where: string): Promise<number> {
  const [{ n }] = await ch.query<{ n: string }>('purge:count', `SELECT count() AS n FROM ${table} WHERE ${where}`);
  return Number(n);
}

/** One ALTER … DELETE, awaited until every part of the table has been rewritten. */
async function mutate(ch: ClickHouseConnection, table: string, where: string, waitMs: number): Promise<void> {
  await ch.command('purge:delete', `ALTER TABLE ${table} DELETE WHERE ${where}`);
  const until = Date.now() + waitMs;
  for (;;) {
    const [{ n }] = await ch.query<{ n: string }>(
      'purge:mutations',
      `SELECT count() AS n FROM system.mutations WHERE database = ${sqlString(ch.database)} AND table = ${sqlString(table)} AND is_done = 0`,
    );
    if (Number(n) === 0) return;
    if (Date.now() > until)
      throw new Error(
        `a deletion from ${ch.database}.${table} is not done after ${waitMs / 1000} s (system.mutations shows it): it goes on in ClickHouse; run the purge again once it is done, the purge goes on from there`,
      );
    await new Promise((r) => setTimeout(r, MUTATION_POLL_MS));
  }
}
