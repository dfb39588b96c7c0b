import { sqlIdent } from './quote';

/**
 * Where the raw tables live. `events` (every accepted body, byte for byte) and `quarantine` (every
 * refused one, with its reason) are in a database of their own, `<CLICKHOUSE_DATABASE>_raw`
 * (migration 0013); every other table and every view is in `CLICKHOUSE_DATABASE`. A database is
 * the only unit ClickHouse 18.16 can refuse a user (`allow_databases`), so this is what keeps raw
 * payloads from the BI user, who is allowed the analytics database only. The name follows the
 * analytics database so that two deployments on one server (or a test's database) never share
 * raw tables, and no second setting can disagree with the first.
 */
export const RAW_DATABASE_SUFFIX = '_raw';

// Named here, not taken from the projections: the adapter knows the schema its migrations make
// and nothing of the domain above it. raw-tables.spec.ts holds these to the projections' names.
const RAW_TABLES: ReadonlySet<string> = new Set(['events', 'quarantine']);

/** The raw database that goes with the analytics database `database`. */
export function rawDatabaseOf(database: string): string {
  return sqlIdent(`${database}${RAW_DATABASE_SUFFIX}`);
}

/**
 * How SQL names a table the projections name (`events`, `quarantine`, a fact table…) on a
 * connection to `database`: the raw tables qualified with the raw database, any other as it is.
 */
export function tableRef(database: string, table: string): string {
  return RAW_TABLES.has(table) ? `${rawDatabaseOf(database)}.${sqlIdent(table)}` : sqlIdent(table);
}
