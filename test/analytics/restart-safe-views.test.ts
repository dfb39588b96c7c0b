import type { ClickHouseConnection } from '@wise/clickhouse';
import { dropTestDatabase, ENGINES, loadEnvelopes, readAnalyticsSnapshot } from './analytics-db';
import { classroomWeek } from './scenario';

// ClickHouse keeps a view as its saved definition and re-parses it at start-up. Some forms (an
// Array(Tuple) column, for one) read back differently on 18.16 and break every view above them;
// DETACH + ATTACH is the same re-parse a restart does.
describe.each(ENGINES)('every view survives a ClickHouse restart, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };

  beforeAll(async () => {
    ch = await createDatabase();
    await loadEnvelopes(ch, classroomWeek());
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it('reads the same after each view is detached and attached again', async () => {
    const before = await readAnalyticsSnapshot(ch);
    const views = await ch.query<{ name: string }>(
      'test',
      `SELECT name FROM system.tables WHERE database = '${ch.database}' AND engine = 'View' ORDER BY name`,
    );
    expect(views.length).toBeGreaterThan(10);
    for (const { name } of views) {
      await ch.command('test', `DETACH TABLE ${name}`);
      await ch.command('test', `ATTACH TABLE ${name}`);
    }
    for (const { name } of views) await expect(ch.query('test', `SELECT * FROM ${name} LIMIT 1`)).resolves.toBeDefined();
    expect(await readAnalyticsSnapshot(ch)).toEqual(before);
  });

  it('has no view column of a type 18.16 cannot restore (Array of Tuple)', async () => {
    const bad = await ch.query(
      'test',
      `SELECT table, name, type FROM system.columns WHERE database = '${ch.database}' AND type LIKE 'Array(Tuple%'`,
    );
    expect(bad).toEqual([]);
  });
});
