import type { ClickHouseConnection } from './connection';
import { clickhouseErrorCode } from './errors';

const UNKNOWN_TABLE = 60;
const ATTEMPTS = 5;

/**
 * A read of system.tables or system.columns about `database`. ClickHouse 18.16 can fail such a read
 * with "Table <other database>.<t> doesn't exist" when another database drops a table meanwhile,
 * whatever the WHERE clause (seen in CI: a projector migrating its own database refused because
 * a test dropped a table of another). That read is tried again; an error about `database` itself
 * is not this race and is thrown at once.
 */
export async function querySystemTables<T>(ch: ClickHouseConnection, purpose: string, database: string, sql: string): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ch.query<T>(purpose, sql);
    } catch (e) {
      const other = /Table (\S+?)\.\S+ doesn't exist/.exec((e as Error).message ?? '')?.[1];
      const race = clickhouseErrorCode(e) === UNKNOWN_TABLE && other !== undefined && other !== database;
      if (!race || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}
