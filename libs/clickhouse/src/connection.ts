export type Row = Record<string, unknown>;

/**
 * What the migrations, the analytics serving layer and the tests need from a ClickHouse: run a
 * statement, read rows, insert rows. Two implementations: `ClickHouse` (the HTTP server, what the
 * apps use) and the in-process current engine (chDB) that the tests use to prove every statement
 * runs unchanged on 18.16 and on 26.x.
 */
export interface ClickHouseConnection {
  /** The database every unqualified table name refers to. */
  readonly database: string;
  /** Creates `database` if missing (it must exist before the first migration); on every server of `cluster` when given. */
  ensureDatabase(cluster?: string): Promise<void>;
  command(purpose: string, sql: string): Promise<void>;
  /**
   * On a cluster: `sql`, a plain statement on `_local` tables, on one server of each shard (for what
   * replication carries to the other replicas; ClusterShards says why not ON CLUSTER). On one
   * server: `command`.
   */
  commandOnEachShard(purpose: string, sql: string): Promise<void>;
  query<T = Row>(purpose: string, sql: string): Promise<T[]>;
  /**
   * One INSERT of all `rows` (JSONEachRow); callers batch. `table` is named as the projections name
   * it: `events` and `quarantine` go to the raw database (`tableRef`, raw-tables.ts), every other
   * table to `database`. Queries name the raw tables with `tableRef` themselves.
   */
  insert(table: string, rows: readonly Row[]): Promise<void>;
}
