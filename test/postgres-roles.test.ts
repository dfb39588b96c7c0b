/*
 * The apps' PostgreSQL roles against a real server: what `npm run cli -- migrate` sets up, what
 * each role can and cannot do, and the schema check the apps run at start instead of migrating.
 */
import { hashInstituteKey } from '@wise/contracts';
import {
  APP_ROLES,
  appRoleUrl,
  assertPostgresMigrated,
  InstitutesRepository,
  Postgres,
  PostgresSchemaNotReady,
  scramSha256Verifier,
  type AppName,
} from '@wise/postgres';
import { assertTestDatabase, uniqueName, uniqueSlug } from '@wise/testing';
import { PrivatePostgres } from './faults/private-postgres';
import { runCli } from './projector/harness';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const urlOf = (database: string) => `postgres://postgres@127.0.0.1:5432/${database}`;

/**
 * Every privilege each app role holds on each table and sequence of the schema, exactly. A table a
 * migration adds is in nobody's reach until the migration grants it; when it does, add the table
 * here (libs/postgres/migrations/README.md). Column grants are listed as `UPDATE(column)`.
 */
const EXPECTED: Record<AppName, Record<string, string[]>> = {
  ingestion: {
    event_generation_order: ['USAGE'],
    event_generations: ['INSERT', 'SELECT', 'UPDATE'],
    institutes: ['SELECT', 'UPDATE(learned_at)', 'UPDATE(learned_header)'],
    institute_keys: ['SELECT'],
    schema_migrations: ['SELECT'],
  },
  projector: {
    schema_migrations: ['SELECT'],
    serving_versions: ['SELECT', 'UPDATE', 'USAGE'],
  },
};

async function dropDatabase(name: string): Promise<void> {
  assertTestDatabase(name);
  const admin = new Postgres(ADMIN_URL, 1);
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

/** The PostgreSQL error code a statement fails with (null: it succeeded). */
async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('npm run cli -- migrate, and the roles it sets up', () => {
  const database = uniqueName('wise_test_roles');
  const env = { DATABASE_URL: urlOf(database) };
  const slug = uniqueSlug('roles');
  let owner: Postgres;
  const asApp: Partial<Record<AppName, Postgres>> = {};
  const as = (app: AppName) => (asApp[app] ??= new Postgres(appRoleUrl(urlOf(database), app), 1));

  beforeAll(async () => {
    const first = await runCli(env, ['migrate', '--postgres-only']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/^PostgreSQL migrations: applied 0001_institutes\.sql, .*0006_app_roles\.sql/m);
    expect(first.stdout).toMatch(/^PostgreSQL role wise_ingestion: can log in, password unchanged/m);
    expect(first.stdout).toMatch(/^PostgreSQL role wise_projector: can log in, password unchanged/m);
    expect(first.stdout).not.toMatch(/ClickHouse/);
    owner = new Postgres(urlOf(database), 1);
    await new InstitutesRepository(owner).add(slug, 'Roles', null, hashInstituteKey('roles-key-0123456789abcdef'));
  });

  afterAll(async () => {
    await Promise.all([owner?.close(), ...Object.values(asApp).map((p) => p.close())]);
    await dropDatabase(database);
  });

  it('applies nothing the second time and says so', async () => {
    const again = await runCli(env, ['migrate', '--postgres-only']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^PostgreSQL migrations: none to apply$/m);
  });

  it('grants each app role exactly the privileges listed, on every table and sequence of the schema', async () => {
    for (const app of Object.keys(APP_ROLES) as AppName[]) {
      const rows = await owner.query<{ relation: string; privilege: string }>(
        `SELECT c.relname AS relation, p.privilege
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           CROSS JOIN unnest(CASE WHEN c.relkind = 'S' THEN ARRAY['SELECT', 'UPDATE', 'USAGE']
                                  ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END) AS p(privilege)
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
            AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($1, c.oid, p.privilege)
                     ELSE has_table_privilege($1, c.oid, p.privilege) END
         UNION ALL
         SELECT c.relname, 'UPDATE(' || a.attname || ')'
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            AND has_column_privilege($1, c.oid, a.attnum, 'UPDATE') AND NOT has_table_privilege($1, c.oid, 'UPDATE')`,
        [APP_ROLES[app]],
      );
      const held: Record<string, string[]> = {};
      for (const r of rows) (held[r.relation] ??= []).push(r.privilege);
      for (const list of Object.values(held)) list.sort();
      expect([app, held]).toEqual([app, EXPECTED[app]]);
    }
  });

  it('makes plain roles: no superuser, no CREATEDB, no CREATEROLE, no replication, no RLS bypass', async () => {
    const rows = await owner.query<Record<string, unknown>>(
      `SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
         FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [Object.values(APP_ROLES)],
    );
    expect(rows).toEqual(
      Object.values(APP_ROLES)
        .sort()
        .map((rolname) => ({
          rolname,
          rolcanlogin: true,
          rolsuper: false,
          rolcreatedb: false,
          rolcreaterole: false,
          rolreplication: false,
          rolbypassrls: false,
        })),
    );
  });

  it('lets ingestion read institutes and keys, and record a learned header, as ingestion does', async () => {
    const repo = new InstitutesRepository(as('ingestion'));
    const loaded = await repo.loadEnabledWithKeys();
    expect(loaded.map((i) => i.slug)).toContain(slug);
    await repo.recordLearnedHeader(slug, 'x-learned');
    const [row] = await owner.query<{ learned_header: string }>('SELECT learned_header FROM institutes WHERE slug = $1', [slug]);
    expect(row.learned_header).toBe('x-learned');
  });

  it.each<[string, string]>([
    ['create a table', 'CREATE TABLE ingestion_was_here (a int)'],
    ['create a temporary table', 'CREATE TEMP TABLE ingestion_was_here (a int)'],
    ['create a schema', 'CREATE SCHEMA ingestion_was_here'],
    ['read what replay recorded', 'SELECT * FROM quarantine_replays'],
    ['take a serving version', `SELECT nextval('serving_versions')`],
    ['add a key', `INSERT INTO institute_keys (institute_slug, salt, key_hash) VALUES ('x', 'y', 'z')`],
    ['enable or disable an institute', 'UPDATE institutes SET enabled = true'],
    ['retire a key', 'UPDATE institute_keys SET retired_at = now()'],
    ['delete an institute', 'DELETE FROM institutes'],
    ['drop a table', 'DROP TABLE institutes'],
    ['record a migration', `INSERT INTO schema_migrations (version, name) VALUES (9999, 'x')`],
  ])('refuses ingestion to %s (permission denied)', async (_what, sql) => {
    expect(await codeOf(as('ingestion').query(sql))).toMatch(/^42501$/);
  });

  it('lets the projector take and move serving versions, and nothing else', async () => {
    const projector = as('projector');
    const [{ v }] = await projector.query<{ v: string }>(`SELECT nextval('serving_versions')::text AS v`);
    // What PostgresVersions does when it moves the floor (libs/serving/src/versions.ts).
    await projector.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(72201772)');
      await tx.query(`SELECT setval('serving_versions', $1::bigint) FROM serving_versions WHERE last_value <= $1::bigint`, [
        String(Number(v) + 1000),
      ]);
    });
    expect(await codeOf(projector.query('SELECT * FROM institutes'))).toBe('42501');
    expect(await codeOf(projector.query('SELECT * FROM institute_keys'))).toBe('42501');
    expect(await codeOf(projector.query('CREATE TABLE projector_was_here (a int)'))).toBe('42501');
  });

  it('passes the apps’ schema check as each role; a migration missing or numbered twice fails it, naming it and the command', async () => {
    await assertPostgresMigrated(as('ingestion'), 'ingestion');
    await assertPostgresMigrated(as('projector'), 'the projector');
    await owner.query('DELETE FROM schema_migrations WHERE version = 6');
    try {
      const behind = await assertPostgresMigrated(as('ingestion'), 'ingestion').catch((e: unknown) => e);
      expect(behind).toBeInstanceOf(PostgresSchemaNotReady);
      expect((behind as Error).message).toMatch(
        new RegExp(
          `^PostgreSQL database ${database} lacks migration 0006_app_roles, which ingestion needs: run \`npm run cli -- migrate\``,
        ),
      );
      // Another branch's migration of the same number, recorded first.
      await owner.query(`INSERT INTO schema_migrations (version, name) VALUES (6, '0006_resent_bodies')`);
      const clash = await assertPostgresMigrated(as('projector'), 'the projector').catch((e: unknown) => e);
      expect((clash as Error).message).toMatch(
        /^PostgreSQL migration 0006_app_roles\.sql: version 6 is recorded as 0006_resent_bodies .*renumber one of them$/,
      );
      const rerun = await runCli(env, ['migrate', '--postgres-only']);
      expect([rerun.code, rerun.stderr]).toEqual([1, expect.stringMatching(/recorded as 0006_resent_bodies/)]);
    } finally {
      await owner.query(`DELETE FROM schema_migrations WHERE version = 6`);
      await owner.query(`INSERT INTO schema_migrations (version, name) VALUES (6, '0006_app_roles')`);
    }
  });
});

describe('the apps’ schema check where migrate has not run', () => {
  const database = uniqueName('wise_test_unmigrated');

  afterAll(() => dropDatabase(database));

  it.each<[string, boolean]>([
    ['no database at all', false],
    ['an empty database', true],
  ])('%s: not migrated, and says which command to run', async (_case, create) => {
    if (create) {
      const admin = new Postgres(ADMIN_URL, 1);
      await admin.query(`CREATE DATABASE "${database}"`).finally(() => admin.close());
    }
    const pg = new Postgres(appRoleUrl(urlOf(database), 'ingestion'), 1);
    try {
      const e = await assertPostgresMigrated(pg, 'ingestion').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(PostgresSchemaNotReady);
      expect((e as Error).message).toMatch(
        new RegExp(
          `^PostgreSQL database ${database} is not migrated for ingestion \\(.+\\): run \`npm run cli -- migrate\` as the database owner`,
        ),
      );
    } finally {
      await pg.close();
    }
  });
});

describe('role passwords, on a server that checks them (scram-sha-256)', () => {
  const password = 'p4ss-0123456789abcdef';
  let server: PrivatePostgres;

  beforeAll(async () => {
    // The cluster's own migrate, given the URL ingestion would be given, password included.
    server = await PrivatePostgres.create({
      hostAuth: 'scram-sha-256',
      migrateEnv: { INGESTION_DATABASE_URL: `postgres://wise_ingestion:${password}@127.0.0.1:1/wise` },
    });
  }, 120_000);

  afterAll(() => server?.destroy());

  const tcp = (user: string) => `postgres://${user}@127.0.0.1:${server.port}/wise_faults`;

  it('lets ingestion log in with the password migrate set, and not with another or none', async () => {
    const good = new Postgres(tcp(`wise_ingestion:${password}`), 1);
    const bad = new Postgres(tcp('wise_ingestion:wrong-password'), 1);
    const none = new Postgres(tcp('wise_projector:anything'), 1);
    try {
      expect(await good.query('SELECT count(*) FROM institutes')).toEqual([{ count: '0' }]);
      expect(await codeOf(bad.query('SELECT 1'))).toBe('28P01');
      // The projector's role has no password yet (none was given): it cannot log in over TCP.
      expect(await codeOf(none.query('SELECT 1'))).toBe('28P01');
    } finally {
      await Promise.all([good.close(), bad.close(), none.close()]);
    }
  });

  it('stores the verifier PostgreSQL itself computes for that password (the password never reached the server)', async () => {
    const owner = new Postgres(server.socketUrl, 1);
    try {
      const [{ rolpassword }] = await owner.query<{ rolpassword: string }>(
        "SELECT rolpassword FROM pg_authid WHERE rolname = 'wise_ingestion'",
      );
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(rolpassword)!;
      expect(scramSha256Verifier(password, Buffer.from(salt, 'base64'), Number(iterations))).toBe(rolpassword);
    } finally {
      await owner.close();
    }
  });

  it('puts back the attributes of a role an operator made too powerful, and leaves its password', async () => {
    const owner = new Postgres(server.socketUrl, 1);
    try {
      await owner.query('ALTER ROLE wise_projector CREATEDB CREATEROLE');
      const r = await runCli({ DATABASE_URL: server.socketUrl }, ['migrate', '--postgres-only']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/^PostgreSQL role wise_projector: can log in, password unchanged .*\(made NOCREATEDB NOCREATEROLE\)$/m);
      expect(await owner.query("SELECT rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'wise_projector'")).toEqual([
        { rolcreatedb: false, rolcreaterole: false },
      ]);
      const still = new Postgres(tcp(`wise_ingestion:${password}`), 1);
      await expect(still.query('SELECT 1 AS one').finally(() => still.close())).resolves.toEqual([{ one: 1 }]);
    } finally {
      await owner.close();
    }
  });

  it('refuses to migrate a database while an app role could create objects (a superuser made by hand)', async () => {
    const owner = new Postgres(server.socketUrl, 1);
    const other = server.socketUrl.replace('/wise_faults?', '/wise_faults_other?');
    try {
      await owner.query('ALTER ROLE wise_ingestion SUPERUSER');
      const r = await runCli({ DATABASE_URL: other }, ['migrate', '--postgres-only']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/migration 0006_app_roles\.sql failed: role wise_ingestion can create objects or bypass privileges/);
    } finally {
      await owner.query('ALTER ROLE wise_ingestion NOSUPERUSER');
      await owner.close();
    }
  });

  it('refuses a user name that is not the app’s role', async () => {
    const r = await runCli({ DATABASE_URL: server.socketUrl, INGESTION_DATABASE_URL: tcp('ingestion:x') }, ['migrate', '--postgres-only']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/INGESTION_DATABASE_URL names user "ingestion", but ingestion connects as role wise_ingestion/);
  });
});
