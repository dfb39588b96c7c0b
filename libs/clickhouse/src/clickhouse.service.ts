import { ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseConnection, Row } from './connection';
import { sqlIdent } from './quote';
import { tableRef } from './raw-tables';
import { ClusterShards } from './shards';

export interface ClickHouseOptions {
  url: string;
  user: string;
  password: string;
  database: string;
  /** Who is asking; tagged on every statement so the server's query log says who ran it. */
  app: string;
  requestTimeoutMs?: number;
  /** CLICKHOUSE_CLUSTER: the statements then carry CLUSTER_SETTINGS. */
  cluster?: string;
  /** CLICKHOUSE_CLUSTER_SERVERS: every server of the cluster by its own URL (commandOnEachShard). */
  servers?: readonly string[];
}

/**
 * What every statement of the apps carries on a cluster (CLICKHOUSE_CLUSTER), so that a read sees
 * the writes acknowledged before it (docs/scaling.md, "Reads that see their own writes"):
 * - an INSERT into a Distributed table returns when the shards have the rows, not when a queue on
 *   the receiving server has them;
 * - every server sends a shard's reads and writes to the same replica, the first of the shard's
 *   list that answers (not its own copy, not a random one): a synchronous insert lands on one
 *   replica, and the other may not have fetched the part when the next statement reads;
 * - no lag threshold of its own (max_replica_delay_for_distributed_queries stays at 300 s): with a
 *   threshold of 1 s, a first replica busy with merges under load was passed over for the other,
 *   which had not fetched the parts just written, and rounds missed keys (measured: a third of
 *   the instalments of a 1,200-webhook run);
 * - `IN (SELECT … FROM <Distributed>)` runs on each shard over its own rows: every table is sharded
 *   by institute_id, so that is exact (18.16 refuses the subquery otherwise).
 * All known to 18.16 and to current ClickHouse (insert_distributed_sync is an alias of
 * distributed_foreground_insert there).
 */
export const CLUSTER_SETTINGS = {
  insert_distributed_sync: 1,
  prefer_localhost_replica: 0,
  load_balancing: 'in_order',
  distributed_product_mode: 'local',
} as const;

/** The only code that talks to ClickHouse. Queries use `sqlString`/`sqlIdent` for any value. */
export class ClickHouse implements ClickHouseConnection {
  private readonly client: ClickHouseClient;
  private readonly serverClient: ClickHouseClient;
  private shards: ClusterShards | null = null;
  /** Client settings without a database: `serverClient`'s, and the shards' (ClusterShards). */
  private readonly base: Parameters<typeof createClient>[0];
  readonly database: string;

  constructor(private readonly options: ClickHouseOptions) {
    this.database = sqlIdent(options.database);
    const base = (this.base = {
      url: options.url,
      username: options.user,
      password: options.password,
      // On a cluster an ON CLUSTER statement waits for every server through ZooKeeper's DDL queue,
      // up to the server's distributed_ddl_task_timeout (180 s): seen to pass 30 s after a ZooKeeper
      // outage, so a migrate or rebuild would give up on a statement the cluster still runs.
      request_timeout: options.requestTimeoutMs ?? (options.cluster ? 240_000 : 30_000),
      // No gzip either way: the apps and the server share a network, and the serving rounds read
      // thousands of rows each (session-rows.ts, engagement-rows.ts), which the server compressed
      // and the projector's one thread inflated; docs/benchmarks.md, "Sessions and engagement
      // computed in the projector".
      compression: { request: false, response: false },
      // The client would print every failed request itself; callers decide what to log.
      log: { level: ClickHouseLogLevel.OFF },
      // 18.16 rejects settings it does not know, so none are sent by default.
      clickhouse_settings: options.cluster ? { ...CLUSTER_SETTINGS } : {},
    });
    this.client = createClient({ ...base, database: this.database });
    // The database may not exist yet when migrations start; this one talks to `default`.
    this.serverClient = createClient(base);
  }

  private tag(purpose: string, sql: string): string {
    return `/* ${this.options.app}:${purpose} */ ${sql}`;
  }

  async ping(): Promise<boolean> {
    const r = await this.serverClient.ping();
    return r.success;
  }

  async serverVersion(): Promise<string> {
    const rs = await this.serverClient.query({ query: this.tag('version', 'SELECT version() AS v'), format: 'JSONEachRow' });
    const rows = (await rs.json()) as Array<{ v: string }>;
    return rows[0].v;
  }

  /** `cluster`: also on every server of that cluster (CLICKHOUSE_CLUSTER). */
  async ensureDatabase(cluster = ''): Promise<void> {
    const onCluster = cluster ? ` ON CLUSTER ${sqlIdent(cluster)}` : '';
    await this.serverClient.command({ query: this.tag('migrate', `CREATE DATABASE IF NOT EXISTS ${this.database}${onCluster}`) });
  }

  async command(purpose: string, sql: string): Promise<void> {
    await this.client.command({ query: this.tag(purpose, sql) });
  }

  async commandOnEachShard(purpose: string, sql: string): Promise<void> {
    const { cluster, servers = [] } = this.options;
    if (!cluster) return this.command(purpose, sql);
    this.shards ??= new ClusterShards({
      cluster,
      servers,
      connect: (url) => createClient({ ...this.base, url }),
      tag: (p, s) => this.tag(p, s),
    });
    await this.shards.commandOnEachShard(purpose, sql);
  }

  async query<T = Row>(purpose: string, sql: string): Promise<T[]> {
    const rs = await this.client.query({ query: this.tag(purpose, sql), format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  /** One INSERT of all `rows` (JSONEachRow); callers batch. The raw tables are placed in the raw database (raw-tables.ts). */
  async insert(table: string, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: tableRef(this.database, table), values: rows as Row[], format: 'JSONEachRow' });
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.serverClient.close(), this.shards?.close()]);
  }
}
