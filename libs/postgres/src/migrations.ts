import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Postgres } from './postgres';
import { createAppRoles } from './roles';

export const POSTGRES_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

// Any constant works; it only has to be the same for every process applying migrations.
const MIGRATION_LOCK = 72_201_771;

/** The migration files in `dir`, in order, by version. */
function migrationFiles(dir: string): Array<{ version: number; name: string; file: string }> {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), file }));
}

/**
 * Two branches can number a migration alike; the second would then be taken as applied and never
 * run. A version recorded under another name stops migrations (and the apps' check) instead.
 */
function conflicts(files: ReturnType<typeof migrationFiles>, recorded: Map<number, string>): string | null {
  const clash = files.find((f) => recorded.has(f.version) && recorded.get(f.version) !== f.name);
  return clash
    ? `PostgreSQL migration ${clash.file}: version ${clash.version} is recorded as ${recorded.get(clash.version)} in schema_migrations, another migration of the same number; renumber one of them`
    : null;
}

/**
 * Applies `NNNN_name.sql` files not yet recorded, each in its own transaction, under a lock. The
 * apps' roles are made first (roles.ts), so that any migration may grant to them. Run by the
 * operator (`npm run cli -- migrate`, the migrate job, the CLI's other commands), never by the apps.
 * Needs a direct connection or session pooling: the lock is a session's.
 */
export async function migratePostgres(pg: Postgres, dir = POSTGRES_MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  const applied: string[] = [];
  // On one held connection: the lock is a session's.
  await pg.session(async (client) => {
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await createAppRoles(client);
      const recorded = new Map(
        (await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations')).rows.map((r) => [
          r.version,
          r.name,
        ]),
      );
      const clash = conflicts(files, recorded);
      if (clash) throw new Error(clash);
      for (const { version, name, file } of files) {
        if (recorded.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(readFileSync(join(dir, file), 'utf8'));
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`PostgreSQL migration ${file} failed: ${(e as Error).message}`);
        }
        applied.push(file);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
  return applied;
}

/** What to run when the schema is not there or behind; the apps never migrate it themselves. */
export const MIGRATE_COMMAND =
  '`npm run cli -- migrate` as the database owner (compose: the migrate service; Kubernetes: the migrate Job), which creates the database, the roles and the tables';

/** The schema is missing or older than the code: the app waits, not ready, and says what to run. */
export class PostgresSchemaNotReady extends Error {}

// What a server says when the migrations have not run, as seen from an app's role: no database,
// no role, no schema_migrations, or no grant on it yet.
const NOT_MIGRATED_CODES = new Set(['3D000', '28000', '42P01', '42501']);

/**
 * Checks that every migration this code ships with has been applied, as `app` (a role that may
 * only read schema_migrations); throws PostgresSchemaNotReady naming the command to run when not.
 * One plain query: works through a transaction-pooling proxy.
 */
export async function assertPostgresMigrated(pg: Postgres, app: string, dir = POSTGRES_MIGRATIONS_DIR): Promise<void> {
  const database = decodeURIComponent(new URL(pg.url).pathname.slice(1));
  let rows: Array<{ version: number; name: string }>;
  try {
    rows = await pg.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === undefined || !NOT_MIGRATED_CODES.has(code)) throw e;
    throw new PostgresSchemaNotReady(
      `PostgreSQL database ${database} is not migrated for ${app} (${(e as Error).message}): run ${MIGRATE_COMMAND}; if it was run, check DATABASE_URL`,
      { cause: e },
    );
  }
  const files = migrationFiles(dir);
  const recorded = new Map(rows.map((r) => [r.version, r.name]));
  const clash = conflicts(files, recorded);
  if (clash) throw new PostgresSchemaNotReady(clash);
  const missing = files.filter((f) => !recorded.has(f.version)).map((f) => f.name);
  if (missing.length > 0)
    throw new PostgresSchemaNotReady(
      `PostgreSQL database ${database} lacks migration${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${app} needs: run ${MIGRATE_COMMAND}`,
    );
}
