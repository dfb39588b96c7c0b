import { ClickHouse, migrateClickHouse } from '@wise/clickhouse';
import { assertTestDatabase, uniqueName } from '@wise/testing';

// The native stack's ClickHouse has the read-only BI user that docker-compose also configures.
describe('the read-only ClickHouse user for BI tools', () => {
  const database = uniqueName('wise_test_bi');
  const admin = new ClickHouse({ url: 'http://127.0.0.1:8123', user: 'default', password: '', database, app: 'test' });
  const bi = new ClickHouse({ url: 'http://127.0.0.1:8123', user: 'bi_reader', password: 'bi_reader', database, app: 'test' });

  beforeAll(async () => { await migrateClickHouse(admin); });
  afterAll(async () => {
    assertTestDatabase(database);
    await admin.command('test', `DROP DATABASE IF EXISTS ${database}`);
    await Promise.all([admin.close(), bi.close()]);
  });

  it('can read the analytics views', async () => {
    await expect(bi.query('test', 'SELECT count() AS n FROM attendance')).resolves.toEqual([{ n: '0' }]);
    await expect(bi.query('test', 'SELECT count() AS n FROM revenue_monthly')).resolves.toEqual([{ n: '0' }]);
  });

  it('cannot write, alter or drop', async () => {
    await expect(bi.insert('events', [{ institute_id: 'x', event_id: 'y' }])).rejects.toThrow(/readonly|Cannot execute query in readonly mode/i);
    await expect(bi.command('test', 'DROP TABLE events')).rejects.toThrow(/readonly/i);
    await expect(bi.command('test', 'CREATE TABLE t (a UInt8) ENGINE = Memory')).rejects.toThrow(/readonly/i);
  });
});
