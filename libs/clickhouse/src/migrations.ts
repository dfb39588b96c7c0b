import { renderMigrationsForCluster } from './cluster-ddl';
import { changeGranularity, granularityChangeOf } from './granularity';
import type { ClickHouseConnection } from './connection';
import { bindMigrations, loadMigrations, type Migration } from './migration-files';
import { sqlString } from './quote';
import { querySystemTables } from './system-tables';

/**
 * Applies what has not been applied yet, in order. Every statement is safe twice (IF NOT EXISTS;
 * a RENAME or an ADD COLUMN through applyMigrationStatement), so two apps starting at once, or a crash between a
 * statement and its record, leave the same schema. With `cluster` (CLICKHOUSE_CLUSTER), every
 * statement is first rendered for that cluster (cluster-ddl.ts), the ledger included.
 */
export async function migrateClickHouse(ch: ClickHouseConnection, migrations = loadMigrations(), cluster = ''): Promise<string[]> {
  // Every start of an app lands here. With nothing to apply it only reads the ledger: on a cluster
  // each DDL statement waits its turn in ZooKeeper's DDL queue behind every server's other tasks
  // (serving rounds' partition drops among them), and a restarted projector must not.
  const recorded = await appliedVersions(ch);
  if (recorded && migrations.every((m) => recorded.has(m.version))) return [];
  const ledger: Migration = { version: 0, name: 'schema_migrations', statements: [SCHEMA_MIGRATIONS_DDL] };
  const bound = bindMigrations(migrations, ch.database);
  const [ledgerDdl, ...plan] = cluster
    ? renderMigrationsForCluster([ledger, ...bound], { cluster, database: ch.database })
    : [ledger, ...bound];
  await ch.ensureDatabase(cluster);
  for (const statement of ledgerDdl.statements) await ch.command('migrate', statement);
  const done = (await appliedVersions(ch)) ?? new Set<number>();
  const applied: string[] = [];
  for (const m of plan) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await applyMigrationStatement(ch, `migrate:${m.name}`, statement);
    await ch.insert('schema_migrations', [{ version: m.version, name: m.name }]);
    applied.push(m.name);
  }
  return applied;
}

/** The versions the ledger records, or null when there is no ledger yet (nor perhaps a database). */
async function appliedVersions(ch: ClickHouseConnection): Promise<Set<number> | null> {
  try {
    const rows = await ch.query<{ version: number }>('migrate', 'SELECT DISTINCT version FROM schema_migrations');
    return new Set(rows.map((r) => Number(r.version)));
  } catch (e) {
    if (/\bUNKNOWN_(TABLE|DATABASE)\b|Code: (60|81)\b|doesn't exist/i.test((e as Error).message)) return null;
    throw e;
  }
}

// `RENAME TABLE [db.]t TO db2.t2` (optionally ON CLUSTER; the cluster rendering names the database):
// the one kind of statement with no IF EXISTS.
const RENAME = /^RENAME\s+TABLE\s+(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)\s+TO\s+([A-Za-z_]\w*)\.([A-Za-z_]\w*)(\s+ON\s+CLUSTER\s+\w+)?$/i;

// `ALTER TABLE [db.]t [ON CLUSTER c] ADD COLUMN a …[, ADD COLUMN b …][, MODIFY ORDER BY …]`: 18.16 has
// no ADD COLUMN IF NOT EXISTS.
const ADD_COLUMNS = /^ALTER\s+TABLE\s+(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)(?:\s+ON\s+CLUSTER\s+\w+)?\s+(ADD\s+COLUMN\b[\s\S]*)$/i;

/** The columns an ALTER adds, when adding columns (and their sorting key) is all it does; else null. */
function addedColumns(statement: string): { database?: string; table: string; columns: string[] } | null {
  const m = ADD_COLUMNS.exec(statement.trim());
  if (!m) return null;
  const actions = m[3].split(/,\s*(?=ADD\s+COLUMN\b|MODIFY\s+ORDER\s+BY\b)/i);
  const columns = actions.map((a) => /^ADD\s+COLUMN\s+([A-Za-z_]\w*)/i.exec(a)?.[1]);
  if (actions.some((a, i) => !columns[i] && !/^MODIFY\s+ORDER\s+BY\b/i.test(a))) return null;
  return { database: m[1], table: m[2], columns: columns.filter((c): c is string => c !== undefined) };
}

/**
 * Runs one statement of a migration (bound, and rendered for the cluster if there is one). Every
 * other statement is safe twice by itself; a RENAME is made so here: skipped once its table has
 * moved, and refused, naming both places, when the table is in both. An ALTER that adds columns is
 * skipped when the table has them all already (a crash between it and its migration's record). A
 * change of index_granularity is carried out by copying the table (granularity.ts).
 */
export async function applyMigrationStatement(ch: ClickHouseConnection, purpose: string, statement: string): Promise<void> {
  const granularity = granularityChangeOf(statement);
  if (granularity) return changeGranularity(ch, purpose, granularity);
  const adds = addedColumns(statement);
  if (adds) {
    const have = await querySystemTables<{ name: string }>(
      ch,
      purpose,
      adds.database ?? ch.database,
      `SELECT name FROM system.columns WHERE database = ${sqlString(adds.database ?? ch.database)} AND table = ${sqlString(adds.table)}
         AND name IN (${adds.columns.map(sqlString).join(', ')})`,
    );
    if (have.length === adds.columns.length) return;
  }
  const rename = RENAME.exec(statement.trim());
  if (rename) {
    const [, fromDatabase = ch.database, from, toDatabase, to] = rename;
    const found = await querySystemTables<{ database: string; name: string }>(
      ch,
      purpose,
      fromDatabase,
      `SELECT database, name FROM system.tables
        WHERE (database = ${sqlString(fromDatabase)} AND name = ${sqlString(from)})
           OR (database = ${sqlString(toDatabase)} AND name = ${sqlString(to)})`,
    );
    const has = (database: string, name: string) => found.some((t) => t.database === database && t.name === name);
    const [source, target] = [has(fromDatabase, from), has(toDatabase, to)];
    if (!source && target) return;
    if (source && target)
      throw new Error(
        `${purpose}: cannot move ${fromDatabase}.${from} to ${toDatabase}.${to}: both exist. Copy any rows only the first ` +
          `holds into the second (INSERT INTO ${toDatabase}.${to} SELECT * FROM ${fromDatabase}.${from}), drop the first, and migrate again`,
      );
  }
  await ch.command(purpose, statement);
}

const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree ORDER BY version`;
