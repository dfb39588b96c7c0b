import type { ClickHouseClient } from '@clickhouse/client';
import { sqlString } from './quote';

export interface ClusterShardsOptions {
  /** The name in the servers' remote_servers. */
  cluster: string;
  /** Every server of the cluster by its own HTTP URL (CLICKHOUSE_CLUSTER_SERVERS). */
  servers: readonly string[];
  /** A client of one server, with the connection's own settings. */
  connect: (url: string) => ClickHouseClient;
  /** Tags a statement as the connection does (`/* app:purpose *\/`). */
  tag: (purpose: string, sql: string) => string;
}

/**
 * Plain statements on one server of each shard, for what a replicated table's own replication log
 * carries to the other replicas (ALTER … DROP PARTITION). Not ON CLUSTER: 18.16's DDL worker runs a
 * replicated ALTER under a lock per shard and stops for good ("Unexpected ZooKeeper error …
 * Terminating.") when two replicas both record it executed (`Node exists … /executed`, seen on the
 * cluster stack within minutes of serving rounds' drops); from then on every ON CLUSTER statement
 * waits out distributed_ddl_task_timeout on that server, until it is restarted.
 *
 * Which shard a server is comes from the server itself (`system.clusters`, `is_local`), learnt at
 * first use and for servers that did not answer then, at the next.
 */
export class ClusterShards {
  private readonly clients = new Map<string, ClickHouseClient>();
  private readonly shardOf = new Map<string, number>();
  private shards = 0;

  constructor(private readonly options: ClusterShardsOptions) {
    if (options.servers.length === 0)
      throw new Error(
        `cluster ${options.cluster}: no servers to reach its shards (set CLICKHOUSE_CLUSTER_SERVERS to every server's own HTTP URL)`,
      );
  }

  /** Runs `sql` on one server of every shard, each shard's servers tried in the listed order; throws naming the shards no server ran it on. */
  async commandOnEachShard(purpose: string, sql: string): Promise<void> {
    await this.learnShards();
    const failures: string[] = [];
    for (let shard = 1; shard <= this.shards; shard++) {
      const servers = this.options.servers.filter((s) => this.shardOf.get(s) === shard);
      let done = false;
      const errors: string[] = [];
      for (const server of servers) {
        try {
          await this.client(server).command({ query: this.options.tag(purpose, sql) });
          done = true;
          break;
        } catch (e) {
          errors.push(`${server}: ${(e as Error).message}`);
        }
      }
      if (!done)
        failures.push(
          servers.length === 0
            ? `shard ${shard}: none of CLICKHOUSE_CLUSTER_SERVERS answered as a server of it`
            : `shard ${shard}: ${errors.join('; ')}`,
        );
    }
    if (failures.length > 0) throw new Error(`cluster ${this.options.cluster}: ${failures.join(' | ')}`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }

  private async learnShards(): Promise<void> {
    for (const server of this.options.servers) {
      if (this.shardOf.has(server)) continue;
      try {
        const rs = await this.client(server).query({
          query: this.options.tag(
            'shards',
            `SELECT max(shard_num) AS shards, maxIf(shard_num, is_local) AS mine FROM system.clusters WHERE cluster = ${sqlString(this.options.cluster)}`,
          ),
          format: 'JSONEachRow',
        });
        const [row] = (await rs.json()) as Array<{ shards: number | string; mine: number | string }>;
        const [shards, mine] = [Number(row?.shards ?? 0), Number(row?.mine ?? 0)];
        if (shards === 0) throw new Error(`server ${server} has no cluster ${this.options.cluster} in its remote_servers`);
        if (mine === 0) throw new Error(`server ${server} is not a server of cluster ${this.options.cluster} (is_local on no line of it)`);
        this.shards = shards;
        this.shardOf.set(server, mine);
      } catch (e) {
        // A server down now is learnt when it answers; a misconfigured one is named by the failure below.
        if (/has no cluster|is not a server of/.test((e as Error).message)) throw e;
      }
    }
    if (this.shards === 0)
      throw new Error(`cluster ${this.options.cluster}: none of CLICKHOUSE_CLUSTER_SERVERS answered (${this.options.servers.join(', ')})`);
  }

  private client(server: string): ClickHouseClient {
    let c = this.clients.get(server);
    if (!c) {
      c = this.options.connect(server);
      this.clients.set(server, c);
    }
    return c;
  }
}
