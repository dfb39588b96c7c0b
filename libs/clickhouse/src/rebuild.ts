import { Logger } from '@wise/observability';
import { ANALYTICS_TABLES, projectEvents, type TableRows } from '@wise/projections';
import type { ClickHouse } from './clickhouse.service';
import { countStoredEvents, readEventPage, type Cursor } from './event-store';
import { sqlIdent, sqlStringList } from './quote';
import { ClickHouseWriter, type WriterMetrics } from './writer';

/*
 * Rebuild: every analytics table is projected again from the event store (`events`) into a fresh
 * `<table>__rebuild`, through the projector's own step (`projectEvents`: contract, projection,
 * quarantine) and its writer (retries, refused rows isolated into quarantine), and the fresh tables
 * replace the live ones in one RENAME.
 *
 * Guarantee, and its condition: the rebuilt tables hold exactly the projection of every event in
 * `events` when the rebuild read it. That is all history only if nothing writes to the live tables
 * meanwhile, so the projector must be stopped (the CLI checks that its consumer group has no
 * members). Events that wait in Kafka are projected into the new tables when it starts again; a
 * batch written but not committed before the stop is in `events` (rebuilt) and is replayed
 * harmlessly. With --force the check is skipped: rows the projector writes to the live tables
 * during the rebuild are dropped with them at the swap (their events stay in `events`, so a later
 * rebuild restores them).
 *
 * A bad event or row never stops a rebuild: it is quarantined (source `rebuild`) and counted. If
 * the rebuild fails anyway (ClickHouse away for longer than `retryForMs`, say), its `__rebuild`
 * tables are dropped before the error is reported, so running it again is safe; only a rebuild
 * killed outright leaves them, and the next one refuses until --force.
 */

export const REBUILD_SUFFIX = '__rebuild';
export const OLD_SUFFIX = '__old';
const SOURCE = 'rebuild';

/** What the rebuild needs of a connection: statements, reads and inserts. */
type Connection = Pick<ClickHouse, 'query' | 'command' | 'insert'>;

export class RebuildRefused extends Error {}

export interface RebuildOptions {
  pageSize: number;
  /** Drop leftovers of an earlier rebuild instead of refusing. */
  force: boolean;
  progress: (line: string) => void;
  /** How long one page's writes are retried while ClickHouse fails before the rebuild gives up. */
  retryForMs?: number;
  logger: Logger;
  metrics?: WriterMetrics;
  /**
   * Runs once every fact table's `__rebuild` copy is filled, before the swap: tables derived from
   * the facts (the serving layer's stores) are recomputed here, from the `<fact>__rebuild` tables
   * into their own `<table>__rebuild` copies, which the rebuild creates (listed in
   * `derivedTables`) and swaps in the same RENAME. Nothing by default.
   */
  beforeSwap?: (ch: Connection, suffix: string) => Promise<void>;
  /** Derived tables rebuilt by beforeSwap; created empty as `<table>__rebuild` beside the facts'. */
  derivedTables?: readonly string[];
}

export interface RebuildResult {
  events: number;
  quarantined: number;
  rows: Record<string, number>;
}

async function leftovers(ch: Connection, named: (suffix: string) => string[]): Promise<string[]> {
  const rows = await ch.query<{ name: string }>(
    'rebuild:leftovers',
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ${sqlStringList([...named(REBUILD_SUFFIX), ...named(OLD_SUFFIX)])} ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

async function prepare(
  ch: Connection,
  named: (suffix: string) => string[],
  force: boolean,
  progress: (line: string) => void,
): Promise<void> {
  const found = await leftovers(ch, named);
  if (found.length > 0 && !force) {
    throw new RebuildRefused(
      `tables of an earlier rebuild exist (${found.join(', ')}): another rebuild may be running, or one stopped half-way.\n` +
        'Make sure none is running, then run again with --force to drop them and start over.',
    );
  }
  for (const t of found) {
    progress(`dropping ${t} (left by an earlier rebuild)`);
    await ch.command('rebuild:drop', `DROP TABLE IF EXISTS ${sqlIdent(t)}`);
  }
}

async function dropAll(ch: Connection, tables: string[]): Promise<void> {
  for (const t of tables) await ch.command('rebuild:drop', `DROP TABLE IF EXISTS ${t}`);
}

/** Fact rows go to the fresh tables; quarantine rows to the live quarantine table. */
function intoFreshTables(tables: TableRows): TableRows {
  const fresh = new Set<string>(ANALYTICS_TABLES);
  return new Map([...tables].map(([t, rows]) => [fresh.has(t) ? t + REBUILD_SUFFIX : t, rows]));
}

export async function rebuildProjections(ch: Connection, options: RebuildOptions): Promise<RebuildResult> {
  const { pageSize, progress } = options;
  const retryForMs = options.retryForMs ?? 120_000;
  // Facts and derived tables are rebuilt, and swapped, together.
  const rebuilt = [...ANALYTICS_TABLES, ...(options.derivedTables ?? [])];
  const named = (suffix: string) => rebuilt.map((t) => sqlIdent(`${t}${suffix}`));
  await prepare(ch, named, options.force, progress);
  let refusedRows = 0;
  const metrics: WriterMetrics = {
    written: (t, n) => options.metrics?.written(t, n),
    retried: (t) => options.metrics?.retried(t),
    refused: (t) => {
      refusedRows++;
      options.metrics?.refused(t);
    },
  };
  const writer = new ClickHouseWriter(ch, options.logger, Math.min(5_000, retryForMs), metrics);
  const result: RebuildResult = { events: 0, quarantined: 0, rows: Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, 0])) };
  try {
    for (const t of rebuilt) await ch.command('rebuild:create', `CREATE TABLE ${sqlIdent(t + REBUILD_SUFFIX)} AS ${sqlIdent(t)}`);
    const total = await countStoredEvents(ch);
    progress(`rebuilding ${ANALYTICS_TABLES.length} tables from ${total} stored events, ${pageSize} per page`);
    let cursor: Cursor | null = null;
    for (let page = 1; ; page++) {
      const { events, last } = await readEventPage(ch, cursor, pageSize, SOURCE);
      if (last === null) break;
      const { tables, quarantined } = projectEvents(events, { eventStore: false });
      const giveUpAt = Date.now() + retryForMs;
      await writer.write(intoFreshTables(tables), {
        isActive: () => Date.now() < giveUpAt,
        heartbeat: async () => undefined,
        source: SOURCE,
      });
      for (const t of ANALYTICS_TABLES) result.rows[t] += tables.get(t)?.length ?? 0;
      result.events += events.length;
      result.quarantined += quarantined + refusedRows;
      refusedRows = 0;
      const pct = total === 0 ? 100 : Math.floor((result.events / total) * 100);
      progress(`page ${page}: ${result.events}/${total} events (${pct}%), ${result.quarantined} quarantined`);
      cursor = last;
    }
    if (options.beforeSwap) await options.beforeSwap(ch, REBUILD_SUFFIX);
    // One statement, so readers see either all old tables or all new ones.
    const swaps = rebuilt.map((t) => `${sqlIdent(t)} TO ${sqlIdent(t + OLD_SUFFIX)}, ${sqlIdent(t + REBUILD_SUFFIX)} TO ${sqlIdent(t)}`);
    await ch.command('rebuild:swap', `RENAME TABLE ${swaps.join(', ')}`);
  } catch (e) {
    progress(`failed (${(e as Error).message}); dropping the ${REBUILD_SUFFIX} tables, the live tables are untouched`);
    await dropAll(ch, named(REBUILD_SUFFIX)).catch((dropError: Error) =>
      progress(`could not drop the ${REBUILD_SUFFIX} tables: ${dropError.message}; run again with --force`),
    );
    throw e;
  }
  progress('swapped the rebuilt tables in');
  await dropAll(ch, named(OLD_SUFFIX));
  return result;
}
