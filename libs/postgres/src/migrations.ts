import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Postgres } from './postgres';

export const POSTGRES_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

// Any constant works; it only has to be the same for every process applying migrations.
const MIGRATION_LOCK = 72_201_771;

/** Applies `NNNN_name.sql` files not yet recorded, each in its own transaction, under a lock. */
export async function migratePostgres(pg: Postgres, dir = POSTGRES_MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const client = await pg.pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
    for (const file of files) {
      const version = Number(file.slice(0, 4));
      if (done.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(dir, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file.replace(/\.sql$/, '')]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${file} failed: ${(e as Error).message}`);
      }
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
