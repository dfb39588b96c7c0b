import { ClickHouse, loadMigrations, migrateClickHouse, type ClickHouseConnection } from '@wise/clickhouse';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { assertTestDatabase, ChdbConnection, uniqueName } from '@wise/testing';

// Every migration applies unchanged on the ClickHouse these machines serve (18.16) and on the
// current engine (26.x, in-process): production runs a current LTS.
const ENGINES: Array<[string, (database: string) => Promise<ClickHouseConnection & { close(): Promise<void> }>]> = [
  [
    'ClickHouse 18.16 server',
    async (database) => new ClickHouse({ url: 'http://127.0.0.1:8123', user: 'default', password: '', database, app: 'test' }),
  ],
  ['ClickHouse 26.x in-process (chDB)', (database) => ChdbConnection.open(database)],
];

describe.each(ENGINES)('ClickHouse migrations, on %s', (_engine, connect) => {
  const database = uniqueName('wise_test_mig');
  let ch: ClickHouseConnection & { close(): Promise<void> };
  beforeAll(async () => {
    ch = await connect(database);
  });
  const schema = async () =>
    ch.query<{ name: string; engine: string; create_table_query: string }>(
      'test',
      `SELECT name, engine, create_table_query FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );

  afterAll(async () => {
    assertTestDatabase(database);
    await ch.command('test', `DROP DATABASE IF EXISTS ${database}`);
    await ch.close();
  });

  it('apply on an empty database, then a second run applies nothing and changes nothing', async () => {
    const first = await migrateClickHouse(ch);
    expect(first).toEqual(loadMigrations().map((m) => m.name));
    const after = await schema();
    expect(after.map((t) => t.name)).toEqual(expect.arrayContaining(['events', 'quarantine', 'schema_migrations']));
    expect(await migrateClickHouse(ch)).toEqual([]);
    expect(await schema()).toEqual(after);
  });

  it('every statement is itself safe to run twice (a crash between a statement and its record)', async () => {
    const before = await schema();
    for (const m of loadMigrations()) for (const s of m.statements) await ch.command('test', s);
    expect(await schema()).toEqual(before);
  });
});

describe('PostgreSQL migrations', () => {
  const database = uniqueName('wise_test_mig');
  const url = `postgres://postgres@127.0.0.1:5432/${database}`;
  let pg: Postgres;

  beforeAll(async () => {
    await ensurePostgresDatabase(url);
    pg = new Postgres(url, 1);
  });

  afterAll(async () => {
    await pg.close();
    assertTestDatabase(database);
    const admin = new Postgres('postgres://postgres@127.0.0.1:5432/postgres', 1);
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
    await admin.close();
  });

  it('apply once, then a second and a concurrent run apply nothing', async () => {
    const first = await migratePostgres(pg);
    expect(first).toContain('0001_institutes.sql');
    const tables = await pg.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'event_generations',
      'institute_keys',
      'institutes',
      'quarantine_replays',
      'schema_migrations',
    ]);
    const again = await Promise.all([migratePostgres(pg), migratePostgres(pg)]);
    expect(again).toEqual([[], []]);
  });
});
