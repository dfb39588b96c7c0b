/*
 * The cluster stack as the fault scenarios drive it, beside what every cluster test shares
 * (../cluster-env.ts): its services killed, stopped and started through scripts/stack/cluster.sh
 * (so CLUSTER_DIR and CLUSTER_PORT_BASE move them), each ClickHouse node's replicas synced and
 * counted, and Kafka asked who leads what.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rawDatabaseOf, sqlString, type ClickHouse } from '@wise/clickhouse';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { CH_NODES, nodeClickHouse, type ChNode } from '../cluster-env';

const CLUSTER_SH = join(__dirname, '..', '..', '..', 'scripts', 'stack', 'cluster.sh');
const run = promisify(execFile);

export const SHARDS: ReadonlyArray<readonly [ChNode, ChNode]> = [
  ['ch-1a', 'ch-1b'],
  ['ch-2a', 'ch-2b'],
];
export const KAFKA_NODES = ['kafka-1', 'kafka-2', 'kafka-3'] as const;
export type Service = 'zk' | 'ch-lb' | ChNode | (typeof KAFKA_NODES)[number];

/**
 * `cluster.sh <args>`, asynchronously: a fault is injected while the load generator runs in this
 * process, and a synchronous child would stall it (and the latencies it records).
 */
export async function clusterSh(...args: string[]): Promise<string> {
  try {
    return (await run('bash', [CLUSTER_SH, ...args], { encoding: 'utf8' })).stdout.trim();
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`cluster.sh ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

export const servicePid = async (service: Service): Promise<number> => Number(await clusterSh('pid', service));

async function onNode<T>(node: ChNode, fn: (ch: ClickHouse) => Promise<T>): Promise<T> {
  const ch = nodeClickHouse(node, 'default');
  try {
    return await fn(ch);
  } finally {
    await ch.close();
  }
}

/**
 * The shard (an index of SHARDS) whose replicas hold an institute's rows: Distributed tables shard
 * by cityHash64(institute_id) over shards of equal weight (libs/clickhouse/src/cluster-ddl.ts),
 * the first shard taking remainder 0.
 */
export async function shardOf(instituteId: string): Promise<number> {
  const [r] = await onNode(SHARDS[0][0], (ch) =>
    ch.query<{ s: string }>('faults', `SELECT toString(cityHash64(${sqlString(instituteId)}) % ${SHARDS.length}) AS s`),
  );
  return Number(r.s);
}

/** The test's databases: its own and the raw one that goes with it. */
const databasesOf = (env: NodeJS.ProcessEnv) => [env.CLICKHOUSE_DATABASE!, rawDatabaseOf(env.CLICKHOUSE_DATABASE!)];

/**
 * Every replica of the test's replicated tables has fetched what its shard-mate holds. A read
 * through a Distributed table may be served by either replica of a shard; without this, a check
 * run right after the drain could read a replica still fetching the last parts.
 */
export async function syncReplicas(env: NodeJS.ProcessEnv): Promise<void> {
  const dbs = databasesOf(env).map(sqlString).join(', ');
  for (const node of CH_NODES) {
    await onNode(node, async (ch) => {
      const tables = await ch.query<{ database: string; table: string }>(
        'faults',
        `SELECT database, table FROM system.replicas WHERE database IN (${dbs})`,
      );
      for (const t of tables) await ch.command('faults', `SYSTEM SYNC REPLICA ${t.database}.${t.table}`);
    });
  }
}

/** Rows of `table` (its replica on `node`, copies collapsed) in each of the test's databases that has it. */
export async function localRows(node: ChNode, env: NodeJS.ProcessEnv, tables: readonly string[]): Promise<Record<string, number>> {
  return onNode(node, async (ch) => {
    const dbs = databasesOf(env).map(sqlString).join(', ');
    const present = await ch.query<{ database: string; name: string }>(
      'faults',
      `SELECT database, name FROM system.tables WHERE database IN (${dbs}) AND name IN (${tables.map((t) => sqlString(`${t}_local`)).join(', ')})`,
    );
    const out: Record<string, number> = {};
    for (const t of present) {
      const [r] = await ch.query<{ n: string }>('faults', `SELECT count() AS n FROM ${t.database}.${t.name} FINAL`);
      out[t.name] = Number(r.n);
    }
    return out;
  });
}

const QUIET = new Logger('cluster-faults', 'error', {}, () => undefined);
const kafkaOf = (env: NodeJS.ProcessEnv) =>
  new KafkaConnection({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'cluster-faults', logger: QUIET });

/** The broker leading the most partitions of the events topic, and how many it leads. */
export async function busiestLeader(env: NodeJS.ProcessEnv): Promise<{ service: Service; leads: number; of: number }> {
  const topic = env.KAFKA_EVENTS_TOPIC!;
  const { topics } = await kafkaOf(env).withAdmin((a) => a.fetchTopicMetadata({ topics: [topic] }));
  const partitions = topics[0]?.partitions ?? [];
  const count = new Map<number, number>();
  for (const p of partitions) count.set(p.leader, (count.get(p.leader) ?? 0) + 1);
  const [leader, leads] = [...count].sort((a, b) => b[1] - a[1])[0] ?? [-1, 0];
  const service = `kafka-${leader}` as Service;
  if (!(KAFKA_NODES as readonly string[]).includes(service))
    throw new Error(`${topic}: no partition has a known leader (${JSON.stringify(partitions)})`);
  return { service, leads, of: partitions.length };
}

/** The projectors' consumer group as the broker sees it. */
export const groupState = (env: NodeJS.ProcessEnv) => kafkaOf(env).groupState(env.PROJECTOR_GROUP_ID!);

/** Resident memory of a process in MiB (`ps -o rss`), or null when it is not running. */
export function rssMib(pid: number): number | null {
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return kb > 0 ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}
