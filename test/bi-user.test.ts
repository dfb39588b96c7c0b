import { ClickHouse, migrateClickHouse } from '@wise/clickhouse';
import { PrivateClickHouse } from './private-services';

// A ClickHouse server of the test's own, started by the stack script with the repository's
// users file (scripts/stack/clickhouse-users.xml): the shared server may run an older copy.
describe('the read-only ClickHouse user for BI tools', () => {
  let server: PrivateClickHouse;
  let admin: ClickHouse;
  let bi: ClickHouse;
  const as = (user: 'default' | 'bi_reader', database = 'wise') =>
    new ClickHouse({ url: server.url, user, password: user === 'bi_reader' ? 'bi_reader' : '', database, app: 'test' });
  // The HTTP interface without the client library: settings in the URL, as any BI tool may send.
  const http = (sql: string, params: Record<string, string> = {}) =>
    fetch(`${server.url}/?${new URLSearchParams({ user: 'bi_reader', password: 'bi_reader', database: 'wise', ...params })}`, {
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
    bi = as('bi_reader');
  }, 120000);
  afterAll(async () => {
    await Promise.all([admin?.close(), bi?.close()]);
    await server?.destroy();
  });

  it('can read the analytics views (with a client that sends no settings: readonly=1 refuses any)', async () => {
    for (const view of ['attendance', 'revenue_monthly', 'sessions', 'roster']) {
      expect(await http(`SELECT count() FROM ${view}`)).toEqual({ status: 200, text: '0\n' });
    }
    // @clickhouse/client asks for compressed answers with a setting, which readonly=1 refuses.
    await expect(bi.query('test', 'SELECT 1')).rejects.toThrow(/enable_http_compression/);
  });

  it('cannot write, alter or drop', async () => {
    await expect(bi.insert('events', [{ institute_id: 'x', event_id: 'y' }])).rejects.toThrow(/readonly/i);
    await expect(bi.command('test', 'DROP TABLE events')).rejects.toThrow(/readonly/i);
    await expect(bi.command('test', 'CREATE TABLE t (a UInt8) ENGINE = Memory')).rejects.toThrow(/readonly/i);
  });

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

  it.each([
    ["url('http://127.0.0.1:3000/health', CSV, 'a String')"],
    ["remote('127.0.0.1', system.one)"],
    ["file('/etc/passwd', CSV, 'a String')"],
    ["s3('http://127.0.0.1:9000/b/k', CSV, 'a String')"],
    ['numbers(10)'],
  ])('cannot use the table function %s', async (fn) => {
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

  // Not possible on 18.16 (no per-table rights, row filters ignored, views checked with the
  // caller's rights): needs events and quarantine in a database of their own. See README.
  it.todo('cannot read the raw events or quarantine tables');
});
