import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMigrationsForCluster } from './cluster-ddl';
import type { ClickHouseConnection } from './connection';

export const CLICKHOUSE_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Reads `NNNN_name.sql` files; statements end with `;` at the end of a line. */
export function loadMigrations(dir = CLICKHOUSE_MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const statements = text
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean);
      return { version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), statements };
    });
}

/**
 * Applies what has not been applied yet, in order. Every statement is written to be safe twice
 * (IF NOT EXISTS), so two apps starting at once, or a crash between a statement and its record,
 * leave the same schema. With `cluster` (CLICKHOUSE_CLUSTER), every statement is first rendered for
 * that cluster (cluster-ddl.ts), the ledger included.
 */
export async function migrateClickHouse(ch: ClickHouseConnection, migrations = loadMigrations(), cluster = ''): Promise<string[]> {
  const ledger: Migration = { version: 0, name: 'schema_migrations', statements: [SCHEMA_MIGRATIONS_DDL] };
  const [ledgerDdl, ...plan] = cluster
    ? renderMigrationsForCluster([ledger, ...migrations], { cluster, database: ch.database })
    : [ledger, ...migrations];
  await ch.ensureDatabase(cluster);
  for (const statement of ledgerDdl.statements) await ch.command('migrate', statement);
  const done = new Set(
    (await ch.query<{ version: number }>('migrate', 'SELECT DISTINCT version FROM schema_migrations')).map((r) => Number(r.version)),
  );
  const applied: string[] = [];
  for (const m of plan) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await ch.command(`migrate:${m.name}`, statement);
    await ch.insert('schema_migrations', [{ version: m.version, name: m.name }]);
    applied.push(m.name);
  }
  return applied;
}

const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree ORDER BY version`;
