import { ensureAppLogin, ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { CliContext, Flags } from '../cli-context';

export const MIGRATE_USAGE = `usage: migrate [--postgres-only]
  As the owner of the tables (DATABASE_URL): creates the PostgreSQL database if missing, applies
  the PostgreSQL migrations, makes the apps' roles (wise_ingestion, wise_projector) able to log in
  with the passwords of INGESTION_DATABASE_URL and PROJECTOR_DATABASE_URL (none given: unchanged),
  then applies the ClickHouse migrations (--postgres-only: not those). The apps never migrate:
  ingestion and the projector wait, not ready, until this has run.`;

/** `migrate`: what the migrate job (compose, Kubernetes) and `npm start` run before the apps. */
export async function migrateCommand(ctx: CliContext, flags: Flags): Promise<void> {
  const c = ctx.config;
  await ensurePostgresDatabase(c.DATABASE_URL);
  const pg = new Postgres(c.DATABASE_URL, 1);
  try {
    const applied = await migratePostgres(pg);
    ctx.print(`PostgreSQL migrations: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'none to apply'}`);
    ctx.print(`PostgreSQL role ${await ensureAppLogin(pg, 'ingestion', c.INGESTION_DATABASE_URL)}`);
    ctx.print(`PostgreSQL role ${await ensureAppLogin(pg, 'projector', c.PROJECTOR_DATABASE_URL)}`);
  } finally {
    await pg.close();
  }
  if (flags['postgres-only'] === true) return;
  await ctx.clickhouse();
  ctx.print('ClickHouse migrations applied');
}
