import {
  applyMigrationStatement,
  bindMigrations,
  ClickHouse,
  granularityOf,
  loadMigrations,
  migrateClickHouse,
  rawDatabaseOf,
  sqlString,
  withGranularity,
  type ClickHouseConnection,
} from '@wise/clickhouse';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { assertTestDatabase, ChdbConnection, dropTestDatabases, uniqueName } from '@wise/testing';

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
  const connections: Array<ClickHouseConnection & { close(): Promise<void> }> = [];
  const open = async (name: string) => {
    const c = await connect(name);
    connections.push(c);
    return c;
  };
  let ch: ClickHouseConnection & { close(): Promise<void> };
  beforeAll(async () => {
    ch = await open(database);
  });
  /** Every table and view of a database and of its raw database. */
  const schema = async (c: ClickHouseConnection) =>
    c.query<{ database: string; name: string; engine: string; create_table_query: string }>(
      'test',
      `SELECT database, name, engine, create_table_query FROM system.tables
        WHERE database IN (${sqlString(c.database)}, ${sqlString(rawDatabaseOf(c.database))}) ORDER BY database, name`,
    );

  afterAll(async () => {
    for (const c of connections) await dropTestDatabases(c, c.database);
    for (const c of connections) await c.close();
  });

  it('apply on an empty database, then a second run applies nothing and changes nothing', async () => {
    const first = await migrateClickHouse(ch);
    expect(first).toEqual(loadMigrations().map((m) => m.name));
    const after = await schema(ch);
    const raw = rawDatabaseOf(database);
    // The raw tables are in the raw database, and only there; the analytics keep their database.
    expect(after.filter((t) => t.database === raw).map((t) => t.name)).toEqual(['events', 'quarantine']);
    expect(after.filter((t) => t.database === database).map((t) => t.name)).toEqual(
      expect.arrayContaining(['schema_migrations', 'sessions', 'attendance', 'revenue_monthly']),
    );
    expect(after.filter((t) => t.database === database).map((t) => t.name)).not.toEqual(expect.arrayContaining(['events']));
    expect(after.filter((t) => t.database === database).map((t) => t.name)).not.toEqual(expect.arrayContaining(['quarantine']));
    expect(await migrateClickHouse(ch)).toEqual([]);
    expect(await schema(ch)).toEqual(after);
  });

  it('with every migration recorded, an app start sends no DDL at all (on a cluster each would wait in the DDL queue)', async () => {
    await migrateClickHouse(ch);
    const sent: string[] = [];
    const watched: ClickHouseConnection = Object.assign(Object.create(ch) as ClickHouseConnection, {
      command: async (purpose: string, sql: string) => {
        sent.push(sql);
        return ch.command(purpose, sql);
      },
      ensureDatabase: async (cluster?: string) => {
        sent.push(`CREATE DATABASE (cluster ${cluster ?? ''})`);
        return ch.ensureDatabase(cluster);
      },
    });
    expect(await migrateClickHouse(watched, undefined, 'wise_cluster')).toEqual([]);
    expect(sent).toEqual([]);
    // One migration the ledger lacks: the database and ledger are ensured first, then it applies.
    const extra = {
      version: 9999,
      name: '9999_probe',
      statements: ['CREATE TABLE IF NOT EXISTS probe (x UInt8) ENGINE = MergeTree ORDER BY x'],
    };
    expect(await migrateClickHouse(watched, [...loadMigrations(), extra])).toEqual(['9999_probe']);
    expect(sent[0]).toMatch(/^CREATE DATABASE/);
    expect(sent.at(-1)).toMatch(/CREATE TABLE IF NOT EXISTS .*probe/);
  });

  it("each migration's statements are safe to run again right after it (a crash between a statement and its record)", async () => {
    const fresh = await open(`${database}_again`);
    const migrations = loadMigrations();
    for (const [i, m] of bindMigrations(migrations, fresh.database).entries()) {
      await migrateClickHouse(fresh, migrations.slice(0, i + 1));
      const before = await schema(fresh);
      for (const statement of m.statements) await applyMigrationStatement(fresh, 'test', statement);
      expect([m.name, await schema(fresh)]).toEqual([m.name, before]);
    }
  });

  it('moves the raw tables of an existing deployment to the raw database, rows and all (0013)', async () => {
    const old = await open(`${database}_old`);
    await migrateClickHouse(
      old,
      loadMigrations().filter((m) => m.version < 13),
    );
    await old.command('test', "INSERT INTO events (institute_id, event_id, payload) VALUES ('acme', 'e1', '{\"a\":1}')");
    await old.command('test', "INSERT INTO quarantine (institute_id, quarantine_id, reason, raw) VALUES ('acme', 'q1', 'why', 'body')");
    expect(
      await migrateClickHouse(
        old,
        loadMigrations().filter((m) => m.version <= 13),
      ),
    ).toEqual(['0013_raw_database']);
    const raw = rawDatabaseOf(old.database);
    expect(await old.query('test', `SELECT institute_id, event_id, payload FROM ${raw}.events`)).toEqual([
      { institute_id: 'acme', event_id: 'e1', payload: '{"a":1}' },
    ]);
    expect(await old.query('test', `SELECT quarantine_id, reason, raw FROM ${raw}.quarantine`)).toEqual([
      { quarantine_id: 'q1', reason: 'why', raw: 'body' },
    ]);
    expect(
      await old.query(
        'test',
        `SELECT name FROM system.tables WHERE database = ${sqlString(old.database)} AND name IN ('events', 'quarantine')`,
      ),
    ).toEqual([]);

    // A table found in both places is not moved over the other: the runner says what to do.
    await old.command('test', 'CREATE TABLE events (a UInt8) ENGINE = Memory');
    await expect(applyMigrationStatement(old, 'migrate:0013_raw_database', `RENAME TABLE events TO ${raw}.events`)).rejects.toThrow(
      `migrate:0013_raw_database: cannot move ${old.database}.events to ${raw}.events: both exist. Copy any rows only the first holds into the second`,
    );
  });

  it('gives the tables of an existing deployment granules of 256 rows, rows and all, from wherever a stop left it (0018)', async () => {
    const old = await open(`${database}_granules`);
    await migrateClickHouse(old);
    const gran = loadMigrations().find((m) => m.version === 18)!;
    const change = 'ALTER TABLE session_events MODIFY SETTING index_granularity = 256';
    expect(gran.statements).toContain(change);
    const tables = async () =>
      (
        await old.query<{ name: string; create_table_query: string }>(
          'test',
          `SELECT name, create_table_query FROM system.tables WHERE database = ${sqlString(old.database)} AND name LIKE 'session_events%' ORDER BY name`,
        )
      ).map((t) => [t.name, granularityOf(t.create_table_query)]);
    const ids = async (table = 'session_events') =>
      (await old.query<{ e: string }>('test', `SELECT event_id AS e FROM ${table} FINAL ORDER BY e`)).map((r) => r.e);
    const [{ q: ddl }] = await old.query<{ q: string }>(
      'test',
      `SELECT create_table_query AS q FROM system.tables WHERE database = ${sqlString(old.database)} AND name = 'session_events'`,
    );
    const createdAs = (rows: number, name = 'session_events') => old.command('test', withGranularity(ddl, 'session_events', name, rows));
    const put = (table: string, ...events: string[]) =>
      old.command(
        'test',
        `INSERT INTO ${table} (institute_id, session_id, event_id, classroom_id, event_kind) VALUES ${events.map((e) => `('acme', 's1', '${e}', 'c1', 'created')`).join(', ')}`,
      );
    // Created fresh, the table has the setting already: nothing is done.
    expect(await tables()).toEqual([['session_events', 256]]);

    // A deployment from before 0018: 8,192 rows per granule.
    await old.command('test', 'DROP TABLE session_events');
    await createdAs(8192);
    await put('session_events', 'e1', 'e2');
    await applyMigrationStatement(old, 'test', change);
    expect([await tables(), await ids()]).toEqual([[['session_events', 256]], ['e1', 'e2']]);

    // Stopped inside the RENAME: the table is aside, its copy not yet in place. Rows written to the
    // old table after the first copy (e3) are in it.
    await old.command('test', 'RENAME TABLE session_events TO session_events__next');
    await createdAs(8192, 'session_events__old');
    await put('session_events__old', 'e1', 'e2', 'e3');
    await applyMigrationStatement(old, 'test', change);
    expect([await tables(), await ids()]).toEqual([[['session_events', 256]], ['e1', 'e2', 'e3']]);

    // Stopped after the RENAME, before the second copy: the copy is made, once, and the old table dropped.
    await createdAs(8192, 'session_events__old');
    await put('session_events__old', 'e3', 'e4');
    await applyMigrationStatement(old, 'test', change);
    await applyMigrationStatement(old, 'test', change);
    expect([await tables(), await ids()]).toEqual([[['session_events', 256]], ['e1', 'e2', 'e3', 'e4']]);
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
