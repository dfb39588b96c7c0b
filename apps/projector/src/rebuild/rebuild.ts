import { ClickHouse, sqlIdent, sqlStringList } from '@wise/clickhouse';
import { EVENTS_TABLE, projectEventMessage, QUARANTINE_TABLE, quarantineRow, Row, SourceMessage } from '../pipeline/project-batch';
import { ANALYTICS_TABLES } from '../projections';
import { countStoredEvents, Cursor, readPage } from './event-store-pages';

/*
 * Rebuild: every analytics table is projected again from the event store (`events`) into a fresh
 * `<table>__rebuild`, by the projector's own steps (envelope, contract, projectEvent), and the
 * fresh tables replace the live ones in one RENAME.
 *
 * Guarantee, and its condition: the rebuilt tables hold exactly the projection of every event in
 * `events` when the rebuild read it. That is all history only if nothing writes to the live tables
 * meanwhile, so the projector must be stopped (the CLI checks that its consumer group has no
 * members). Events that wait in Kafka are projected into the new tables when it starts again; a
 * batch written but not committed before the stop is in `events` (rebuilt) and is replayed
 * harmlessly. With --force the check is skipped: rows the projector writes to the live tables
 * during the rebuild are dropped with them at the swap (their events stay in `events`, so a later
 * rebuild restores them).
 */

export const REBUILD_SUFFIX = '__rebuild';
export const OLD_SUFFIX = '__old';

export class RebuildRefused extends Error {}

export interface RebuildOptions {
  pageSize: number;
  /** Drop leftovers of an earlier rebuild instead of refusing. */
  force: boolean;
  progress: (line: string) => void;
}

export interface RebuildResult {
  events: number;
  quarantined: number;
  rows: Record<string, number>;
}

const named = (suffix: string) => ANALYTICS_TABLES.map((t) => sqlIdent(`${t}${suffix}`));

async function leftovers(ch: ClickHouse): Promise<string[]> {
  const rows = await ch.query<{ name: string }>(
    'rebuild:leftovers',
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ${sqlStringList([...named(REBUILD_SUFFIX), ...named(OLD_SUFFIX)])} ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

async function prepare(ch: ClickHouse, force: boolean, progress: (line: string) => void): Promise<void> {
  const found = await leftovers(ch);
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
  for (const t of ANALYTICS_TABLES) await ch.command('rebuild:create', `CREATE TABLE ${sqlIdent(t + REBUILD_SUFFIX)} AS ${sqlIdent(t)}`);
}

/** One page through the projector's steps: rows per fresh table, quarantine rows for the refused. */
function projectPage(messages: SourceMessage[]): { tables: Map<string, Row[]>; quarantine: Row[] } {
  const tables = new Map<string, Row[]>(ANALYTICS_TABLES.map((t) => [t, []]));
  const quarantine: Row[] = [];
  for (const m of messages) {
    const result = projectEventMessage(m);
    if (result.kind === 'quarantine') {
      quarantine.push({ ...quarantineRow(result, m), source: 'rebuild' });
      continue;
    }
    for (const [table, rows] of Object.entries(result.rows)) {
      if (table === EVENTS_TABLE) continue; // the store is the input, not an output
      const list = tables.get(table);
      if (!list) throw new Error(`projectEvent returned rows for ${table}, which is not in ANALYTICS_TABLES`);
      list.push(...rows);
    }
  }
  return { tables, quarantine };
}

export async function rebuildProjections(ch: ClickHouse, options: RebuildOptions): Promise<RebuildResult> {
  const { pageSize, progress } = options;
  await prepare(ch, options.force, progress);
  const total = await countStoredEvents(ch);
  progress(`rebuilding ${ANALYTICS_TABLES.length} tables from ${total} stored events, ${pageSize} per page`);
  const result: RebuildResult = { events: 0, quarantined: 0, rows: Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, 0])) };
  let cursor: Cursor | null = null;
  for (let page = 1; ; page++) {
    const { messages, last } = await readPage(ch, cursor, pageSize);
    if (last === null) break;
    const { tables, quarantine } = projectPage(messages);
    for (const [table, rows] of tables) {
      await ch.insert(table + REBUILD_SUFFIX, rows);
      result.rows[table] += rows.length;
    }
    // Events the current code refuses are kept visible, like the projector does, not dropped.
    await ch.insert(QUARANTINE_TABLE, quarantine);
    result.events += messages.length;
    result.quarantined += quarantine.length;
    const pct = total === 0 ? 100 : Math.floor((result.events / total) * 100);
    progress(`page ${page}: ${result.events}/${total} events (${pct}%), ${result.quarantined} quarantined`);
    cursor = last;
  }
  // One statement, so readers see either all old tables or all new ones.
  const swaps = ANALYTICS_TABLES.map((t) => `${sqlIdent(t)} TO ${sqlIdent(t + OLD_SUFFIX)}, ${sqlIdent(t + REBUILD_SUFFIX)} TO ${sqlIdent(t)}`);
  await ch.command('rebuild:swap', `RENAME TABLE ${swaps.join(', ')}`);
  progress('swapped the rebuilt tables in');
  for (const t of named(OLD_SUFFIX)) await ch.command('rebuild:drop', `DROP TABLE IF EXISTS ${t}`);
  return result;
}
