import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouse, migrateClickHouse, rawDatabaseOf } from '@wise/clickhouse';
import { eventStoreRow, quarantineRow } from '@wise/projections';
import { ChdbConnection } from '@wise/testing';
import { PrivateClickHouse } from './private-services';

// `bi_reader` is defined twice: for the native stack's ClickHouse 18.16 by scripts/stack/clickhouse-users.xml,
// and for current ClickHouse (compose) by docker/clickhouse/users.d/bi-reader.xml. Each file is run
// by an engine of its version here, and each refusal is the engine's own.

const RAW = rawDatabaseOf('wise');
const ANALYTICS_VIEWS = ['attendance', 'revenue_monthly', 'sessions', 'roster'];
const TABLE_FUNCTIONS = [
  "url('http://127.0.0.1:3000/health', CSV, 'a String')",
  "remote('127.0.0.1', system.one)",
  "file('/etc/passwd', CSV, 'a String')",
  "s3('http://127.0.0.1:9000/bucket/key', CSV, 'a String')",
];

/** A raw row of each kind, so that what the BI user is refused is not an empty table. */
async function storeRawRows(admin: Pick<ClickHouse, 'insert'>): Promise<void> {
  const head = { v: 1, eventId: 'e1', instituteId: 'acme', eventName: 'X', receivedAt: 0, occurredAt: null };
  await admin.insert('events', [eventStoreRow({ ...head, sessionId: null, classroomId: null, userId: null }, '{"student":"Ann"}')]);
  await admin.insert('quarantine', [
    quarantineRow({
      instituteId: 'acme',
      quarantineId: 'q1',
      stage: 'ingestion',
      eventName: 'X',
      receivedAtMs: 0,
      reason: 'why',
      raw: '{"student":"Ann"}',
      rawEncoding: 'utf8',
      source: 'test',
    }),
  ]);
}

describe('the read-only ClickHouse user for BI tools, on ClickHouse 18.16 (scripts/stack/clickhouse-users.xml)', () => {
  // A server of the test's own, started by the stack script with the repository's users file: the
  // shared server may run an older copy.
  let server: PrivateClickHouse;
  let admin: ClickHouse;
  let bi: ClickHouse;
  const as = (user: 'default' | 'bi_reader', database = 'wise') =>
    new ClickHouse({ url: server.url, user, password: user === 'bi_reader' ? 'bi_reader' : '', database, app: 'test' });
  // The HTTP interface without the client library: settings in the URL, as any BI tool may send.
  const http = (sql: string, params: Record<string, string> = {}) =>
    fetch(`${server.url}/?${new URLSearchParams({ user: 'bi_reader', password: 'bi_reader', database: 'wise', ...params }).toString()}`, {
      method: 'POST',
      body: sql,
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  beforeAll(async () => {
    server = await PrivateClickHouse.create();
    const root = as('default', 'default');
    await root.command('test', 'CREATE DATABASE IF NOT EXISTS other');
    await root.command('test', 'CREATE TABLE other.t (a UInt8) ENGINE = Memory');
    await root.close();
    admin = as('default');
    await migrateClickHouse(admin);
    await storeRawRows(admin);
    bi = as('bi_reader');
  }, 120000);
  afterAll(async () => {
    await Promise.all([admin?.close(), bi?.close()]);
    await server?.destroy();
  });

  it('can read the analytics views (with a client that sends no settings: readonly=1 refuses any)', async () => {
    for (const view of ANALYTICS_VIEWS) {
      expect(await http(`SELECT count() FROM ${view}`)).toEqual({ status: 200, text: '0\n' });
    }
    // The apps' client asks for no compressed answers, so it sends no setting either (readonly=1
    // would refuse enable_http_compression): it reads as this user too.
    expect(await bi.query('test', 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it.each(['events', 'quarantine'])(
    'cannot read the raw table %s: it is in the raw database, which bi_reader is not allowed',
    async (table) => {
      expect((await admin.query<{ n: string }>('test', `SELECT count() AS n FROM ${RAW}.${table}`))[0].n).toBe('1');
      expect(await http(`SELECT * FROM ${RAW}.${table}`)).toMatchObject({
        status: 500,
        text: expect.stringMatching(`Access denied to database ${RAW}`),
      });
      expect(await http(`SELECT * FROM ${table}`, { database: RAW })).toMatchObject({
        status: 500,
        text: expect.stringMatching(`Access denied to database ${RAW}`),
      });
      // Nor under its old name: the migration moved it, nothing is left behind in `wise`.
      expect(await http(`SELECT * FROM ${table}`)).toMatchObject({
        status: 404,
        text: expect.stringMatching(`Table wise.${table} doesn't exist`),
      });
    },
  );

  it('cannot write, alter or drop', async () => {
    await expect(bi.insert('session_events', [{ institute_id: 'x', event_id: 'y' }])).rejects.toThrow(/readonly/i);
    await expect(bi.command('test', 'DROP TABLE sessions_store')).rejects.toThrow(/readonly/i);
    await expect(bi.command('test', 'CREATE TABLE t (a UInt8) ENGINE = Memory')).rejects.toThrow(/readonly/i);
  });

  // 18.16 has no settings constraints (they came with 19.x): readonly=1, which refuses every
  // setting, is how it pins the limits.
  it('cannot raise its limits, in the query or in the URL (readonly=1)', async () => {
    expect(await http('SELECT 1 SETTINGS max_execution_time = 0, max_memory_usage = 0')).toMatchObject({
      status: 500,
      text: expect.stringMatching(/readonly mode/),
    });
    expect(await http('SELECT 1', { max_memory_usage: '0' })).toMatchObject({
      status: 500,
      text: expect.stringMatching(/Cannot override setting \(max_memory_usage\) in readonly mode/),
    });
    expect(await http('SET max_execution_time = 0')).toMatchObject({ status: 500, text: expect.stringMatching(/readonly mode/) });
    expect((await http("SELECT value FROM system.settings WHERE name = 'max_execution_time'")).text.trim()).toBe('60');
  });

  it.each([...TABLE_FUNCTIONS, 'numbers(10)'])('cannot use the table function %s', async (fn) => {
    const res = await http(`SELECT * FROM ${fn}`);
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/Table functions are forbidden in readonly mode/);
  });

  it('cannot read another database', async () => {
    expect(await http('SELECT * FROM other.t')).toMatchObject({
      status: 500,
      text: expect.stringMatching(/Access denied to database other/),
    });
    expect(await http('SELECT 1', { database: 'other' })).toMatchObject({
      status: 500,
      text: expect.stringMatching(/Access denied to database other/),
    });
  });
});

const COMPOSE_USERS = join(__dirname, '..', 'docker', 'clickhouse', 'users.d', 'bi-reader.xml');

/**
 * Compose's users file as the in-process engine can run it. chDB runs every statement as its user
 * `default` and logs in without a password, so bi_reader's definition is given that name and no
 * password; its profile, constraints and grants are the file's own, byte for byte. The profile and
 * quota named `default` are what the server's own users.xml has; `unlimited` stands for any other
 * profile on the server, one that lifts the limits.
 */
function asTheEngineUser(xml: string): string {
  const steps: Array<[RegExp | string, string]> = [
    ['<bi_reader>', '<default>'],
    ['</bi_reader>', '</default>'],
    [/<password from_env="CLICKHOUSE_BI_PASSWORD"\/>/, '<password></password>'],
    ['<profiles>', '<profiles><default/><unlimited><max_memory_usage>0</max_memory_usage></unlimited>'],
    ['</clickhouse>', '<quotas><default/></quotas></clickhouse>'],
  ];
  return steps.reduce((text, [from, to]) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${COMPOSE_USERS} no longer holds ${from}: update how this test reads it`);
    return next;
  }, xml);
}

// The engine's own users come from the file above. chDB (clickhouse-local) turns every
// access_control_improvements option on, so it names the grant a table function lacks in the newer
// form (READ ON URL); a server may name the older one (URL, CREATE TEMPORARY TABLE). bi_reader holds
// neither.
const ENGINE_CONFIG = '<clickhouse><user_directories><users_xml><path>users.xml</path></users_xml></user_directories></clickhouse>';

describe('the read-only ClickHouse user for BI tools, on current ClickHouse (docker/clickhouse/users.d/bi-reader.xml, in chDB 26.x)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wise-bi-chdb-'));
  const dataDir = join(dir, 'data');
  let bi: ChdbConnection;
  /** The engine's refusal of `sql` as bi_reader, or null if it ran. */
  const refusal = (sql: string) =>
    bi.query('test', sql).then(
      () => null,
      (e: Error) => e.message,
    );

  beforeAll(async () => {
    const admin = await ChdbConnection.open('wise', { dataDir });
    await migrateClickHouse(admin);
    await storeRawRows(admin);
    await admin.close();
    writeFileSync(join(dir, 'users.xml'), asTheEngineUser(readFileSync(COMPOSE_USERS, 'utf8')));
    writeFileSync(join(dir, 'config.xml'), ENGINE_CONFIG);
    bi = ChdbConnection.reopen('wise', { dataDir, configFile: join(dir, 'config.xml') });
  }, 120000);
  afterAll(async () => {
    await bi?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs as the file's user: its one grant and its profile", async () => {
    expect(await bi.query('test', 'SHOW GRANTS')).toEqual([{ GRANTS: 'GRANT SELECT ON wise.* TO default' }]);
    expect(await bi.query('test', "SELECT toString(getSetting('readonly')) AS r, toString(getSetting('max_execution_time')) AS t")).toEqual(
      [{ r: '2', t: '60' }],
    );
  });

  it('can read the analytics views', async () => {
    for (const view of ANALYTICS_VIEWS) expect(await bi.query('test', `SELECT toString(count()) AS n FROM ${view}`)).toEqual([{ n: '0' }]);
  });

  it.each(['events', 'quarantine'])('cannot read the raw table %s', async (table) => {
    expect(await refusal(`SELECT * FROM ${RAW}.${table}`)).toMatch(`necessary to have the grant SELECT`);
    expect(await refusal(`SELECT * FROM ${RAW}.${table}`)).toMatch(/\(ACCESS_DENIED\)/);
  });

  it.each([...TABLE_FUNCTIONS, "mysql('127.0.0.1:3306', 'd', 't', 'u', 'p')", "postgresql('127.0.0.1:5432', 'd', 't', 'u', 'p')"])(
    'cannot use the table function %s',
    async (fn) => {
      expect(await refusal(`SELECT * FROM ${fn}`)).toMatch(/Not enough privileges[\s\S]*\(ACCESS_DENIED\)/);
    },
  );

  it.each([
    ['max_memory_usage = 0', /max_memory_usage shouldn't be less than 1/],
    ['max_memory_usage = 3000000000', /max_memory_usage shouldn't be greater than 2000000000/],
    ['max_memory_usage_for_user = 0', /max_memory_usage_for_user should not be changed/],
    ['max_execution_time = 0', /max_execution_time shouldn't be less than 1/],
    ['max_execution_time = 3600', /max_execution_time shouldn't be greater than 60/],
    ['max_result_rows = 0', /max_result_rows shouldn't be less than 1/],
    ['max_result_bytes = 0', /max_result_bytes shouldn't be less than 1/],
    ['max_concurrent_queries_for_user = 100', /max_concurrent_queries_for_user should not be changed/],
    ['readonly = 0', /Cannot modify 'readonly' setting in readonly mode/],
  ])('cannot raise its limits: SETTINGS %s', async (setting, why) => {
    expect(await refusal(`SELECT 1 SETTINGS ${setting}`)).toMatch(why);
    expect(await refusal(`SET ${setting}`)).toMatch(why);
  });

  it('cannot lift them by switching to a profile that would', async () => {
    expect(await refusal("SET profile = 'unlimited'")).toMatch(
      /max_memory_usage shouldn't be less than 1[\s\S]*settings profile unlimited/,
    );
    expect(await bi.query('test', "SELECT toString(getSetting('max_memory_usage')) AS m")).toEqual([{ m: '2000000000' }]);
  });

  it('may send what BI drivers send: a lower timeout, a row limit with break, a time zone', async () => {
    expect(
      await refusal(
        "SELECT 1 SETTINGS max_execution_time = 60, max_result_rows = 1048575, result_overflow_mode = 'break', session_timezone = 'UTC'",
      ),
    ).toBeNull();
    expect(await refusal('SELECT 1 SETTINGS max_memory_usage = 100000000, max_execution_time = 5')).toBeNull();
  });

  it('cannot write, create or drop', async () => {
    await expect(bi.insert('session_events', [{ institute_id: 'x', event_id: 'y' }])).rejects.toThrow(/ACCESS_DENIED/);
    await expect(bi.command('test', 'CREATE TEMPORARY TABLE t (a UInt8)')).rejects.toThrow(/ACCESS_DENIED/);
    await expect(bi.command('test', 'CREATE TABLE t (a UInt8) ENGINE = Memory')).rejects.toThrow(/ACCESS_DENIED|READONLY/);
    await expect(bi.command('test', 'DROP TABLE sessions_store')).rejects.toThrow(/ACCESS_DENIED|READONLY/);
  });
});
