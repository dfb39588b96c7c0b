import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawDatabaseOf } from './raw-tables';

// The migration files as text, read and bound to a database. Applying them (migrations.ts) and
// rendering them for a cluster (cluster-ddl.ts) both start here, so neither imports the other.

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

// The one name a migration's text may hold that is not in its own database: the raw database
// (raw-tables.ts), which follows the configured analytics database.
const RAW_DATABASE = /\{raw_database\}/g;

/** The migrations with `{raw_database}` bound to the raw database that goes with `database`. */
export function bindMigrations(migrations: readonly Migration[], database: string): Migration[] {
  const raw = rawDatabaseOf(database);
  return migrations.map((m) => ({ ...m, statements: m.statements.map((s) => s.replace(RAW_DATABASE, raw)) }));
}
