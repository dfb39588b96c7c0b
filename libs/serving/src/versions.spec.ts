import type { ClickHouseConnection } from '@wise/clickhouse';
import { PostgresVersions } from './versions';

/**
 * A sequence whose answers come back in the order `delays` gives (ms per call, in call order),
 * and that counts the floor checks (transactions other than the rounds').
 */
function sequence(delays: number[]) {
  let value = 4_000_000_000_000_000;
  let floors = 0;
  const take = async () => {
    const v = (value += 2);
    await new Promise((r) => setTimeout(r, delays.shift() ?? 0));
    return [{ v: String(v) }];
  };
  const pg = {
    query: async (sql: string) => (sql.includes('nextval') ? take() : []),
    transaction: async <T>(fn: (tx: { query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }> }) => Promise<T>) => {
      return fn({
        query: async (sql: string) => {
          if (sql.includes('setval')) floors++;
          return { rows: sql.includes('nextval') ? await take() : [] };
        },
      });
    },
  };
  const ch = { database: 'd', query: async () => [{ v: '0' }] } as unknown as ClickHouseConnection;
  return { versions: new PostgresVersions(pg as unknown as ConstructorParameters<typeof PostgresVersions>[0], ch), floors: () => floors };
}

describe('PostgresVersions taking versions at once', () => {
  // A round's two chains ask at once, each on its lease's connection; the answer to the first
  // request can arrive after the second's. That is not the sequence going back.
  it('takes answers that arrive out of order for what they are, without checking the floor again', async () => {
    const { versions, floors } = sequence([60, 0]);
    const [a, b] = await Promise.all([versions.round(() => versions.next()), versions.round(() => versions.next())]);
    expect(a).toBeLessThan(b);
    expect(floors()).toBe(1);
  });
});
