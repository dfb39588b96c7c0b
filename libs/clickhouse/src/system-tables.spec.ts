import type { ClickHouseConnection } from './connection';
import { querySystemTables } from './system-tables';

/** A connection whose reads fail with the given errors first, then answer `rows`. */
function failingFirst(errors: Error[], rows: unknown[]) {
  let reads = 0;
  const ch = {
    query: async () => {
      reads++;
      const e = errors.shift();
      if (e) throw e;
      return rows;
    },
  } as unknown as ClickHouseConnection;
  return { ch, reads: () => reads };
}

const unknownTable = (name: string) =>
  new Error(`Code: 60, e.displayText() = DB::Exception: Table ${name} doesn't exist., e.what() = DB::Exception`);

describe('querySystemTables', () => {
  it("reads again when 18.16 names another database's table dropped meanwhile", async () => {
    const { ch, reads } = failingFirst([unknownTable('wise_test_b.engagement_store__old')], [{ name: 't' }]);
    await expect(querySystemTables(ch, 'test', 'wise_test_a', 'SELECT name FROM system.tables')).resolves.toEqual([{ name: 't' }]);
    expect(reads()).toBe(2);
  });

  it('throws at once an error about its own database, or another kind', async () => {
    for (const e of [unknownTable('wise_test_a.t'), new Error('Code: 81, e.displayText() = DB::Exception: Database x does not exist')]) {
      const { ch, reads } = failingFirst([e], []);
      await expect(querySystemTables(ch, 'test', 'wise_test_a', 'SELECT 1')).rejects.toBe(e);
      expect(reads()).toBe(1);
    }
  });
});
