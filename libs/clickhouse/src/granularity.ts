import type { ClickHouseConnection } from './connection';
import { sqlIdent, sqlString } from './quote';
import { querySystemTables } from './system-tables';

/**
 * `ALTER TABLE [db.]t [ON CLUSTER c] MODIFY SETTING index_granularity = N`, run by the migration
 * runner rather than sent: neither 18.16 nor current ClickHouse can change a table's granularity in
 * place (18.16 has no MODIFY SETTING; current versions refuse it for this setting), so the table is
 * copied into one created with it (migration 0018).
 */
const MODIFY_GRANULARITY =
  /^ALTER\s+TABLE\s+(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)(\s+ON\s+CLUSTER\s+\w+)?\s+MODIFY\s+SETTING\s+index_granularity\s*=\s*(\d+)$/i;

export interface GranularityChange {
  database?: string;
  table: string;
  onCluster: boolean;
  rows: number;
}

export function granularityChangeOf(statement: string): GranularityChange | null {
  const m = MODIFY_GRANULARITY.exec(statement.trim());
  return m ? { database: m[1], table: m[2], onCluster: Boolean(m[3]), rows: Number(m[4]) } : null;
}

/** The setting as a CREATE TABLE text writes it (18.16 and current ClickHouse alike). */
const GRANULARITY_SETTING = /\bindex_granularity\s*=\s*(\d+)/i;

/** The index_granularity a CREATE TABLE text sets (8192, the default, when it sets none). */
export function granularityOf(createTable: string): number {
  const m = GRANULARITY_SETTING.exec(createTable);
  return m ? Number(m[1]) : 8192;
}

/** The CREATE TABLE text of `from` rewritten for the table `to` (same database) with `rows` per granule. */
export function withGranularity(createTable: string, from: string, to: string, rows: number): string {
  const name = new RegExp(`^(CREATE\\s+TABLE\\s+(?:[\\w\`"]+\\.)?)([\`"]?)${from}\\2(?!\\w)`, 'i');
  if (!name.test(createTable)) throw new Error(`cannot find the name ${from} in its CREATE TABLE text: ${createTable.slice(0, 120)}`);
  const renamed = createTable.replace(name, (_all, head: string, quote: string) => `${head}${quote}${to}${quote}`);
  if (GRANULARITY_SETTING.test(renamed)) return renamed.replace(GRANULARITY_SETTING, `index_granularity = ${rows}`);
  if (/\bSETTINGS\b/i.test(renamed)) return renamed.replace(/\bSETTINGS\b/i, `SETTINGS index_granularity = ${rows},`);
  return `${renamed} SETTINGS index_granularity = ${rows}`;
}

/**
 * Gives `table` `rows` rows per granule, keeping every row. Safe to run again from any point it
 * stopped at (each step is recognised by which of `t`, `t__next`, `t__old` exist):
 *
 * 1. `t__next` is created with the new setting and filled from `t`, which serves reads meanwhile;
 * 2. one RENAME puts `t` aside as `t__old` and `t__next` in its place;
 * 3. `t__old` is copied into `t` again, then dropped: rows that reached `t` between the first copy
 *    and the RENAME (an app writing while another migrates) are kept. The second copy of the
 *    others collapses, as every copy does in these tables (ReplacingMergeTree on the whole key),
 *    so only such tables are accepted.
 *
 * Nothing is done to a table that has the setting already, which is every table of a deployment
 * created after migration 0018 (their CREATE statements carry it). A replicated table of an older
 * cluster is refused with what to do: its copy would need a new replica path on every server.
 */
export async function changeGranularity(ch: ClickHouseConnection, purpose: string, change: GranularityChange): Promise<void> {
  const database = change.database ?? ch.database;
  const [t, next, old] = [change.table, `${change.table}__next`, `${change.table}__old`];
  const q = (name: string) => `${sqlIdent(database)}.${sqlIdent(name)}`;
  const found = await querySystemTables<{ name: string; engine: string; create_table_query: string }>(
    ch,
    purpose,
    database,
    `SELECT name, engine, create_table_query FROM system.tables
      WHERE database = ${sqlString(database)} AND name IN (${[t, next, old].map(sqlString).join(', ')})`,
  );
  const table = (name: string) => found.find((f) => f.name === name);

  const current = table(t);
  let setAside = Boolean(table(old));
  if (!current) {
    if (!table(next))
      throw new Error(`${purpose}: ${database}.${t} does not exist, nor ${next} to take its place; migrate the tables before it first`);
    await ch.command(purpose, `RENAME TABLE ${q(next)} TO ${q(t)}`);
  } else if (granularityOf(current.create_table_query) !== change.rows) {
    if (change.onCluster || /^Replicated/i.test(current.engine))
      throw new Error(
        `${purpose}: ${database}.${t} is a replicated table with index_granularity ${granularityOf(current.create_table_query)}, and this ` +
          `runner changes it only on a single server. Create the cluster's tables anew from the migrations (their CREATE statements carry ` +
          `index_granularity = ${change.rows}), then run \`npm run cli -- rebuild\`, or record this migration as applied to keep the old granules`,
      );
    if (!/^Replacing/i.test(current.engine))
      throw new Error(
        `${purpose}: ${database}.${t} is a ${current.engine}, in which copies of a row do not collapse; it cannot be copied twice safely`,
      );
    await ch.command(purpose, `DROP TABLE IF EXISTS ${q(next)}`);
    await ch.command(purpose, withGranularity(current.create_table_query, t, next, change.rows));
    await ch.command(purpose, `INSERT INTO ${q(next)} SELECT * FROM ${q(t)}`);
    await ch.command(purpose, `RENAME TABLE ${q(t)} TO ${q(old)}, ${q(next)} TO ${q(t)}`);
    setAside = true;
  }
  if (!setAside) return;
  await ch.command(purpose, `INSERT INTO ${q(t)} SELECT * FROM ${q(old)}`);
  await ch.command(purpose, `DROP TABLE IF EXISTS ${q(old)}`);
}
