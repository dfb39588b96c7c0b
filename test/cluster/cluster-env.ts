import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ClickHouse } from '@wise/clickhouse';
import { assertTestDatabase, dropTestDatabases, testEnv, waitFor } from '@wise/testing';
import { offsets } from '../projector/harness';

/*
 * What the cluster tests share: the apps' environment on the cluster stack (scripts/stack/cluster.sh,
 * started by the global setup), each test's own topics, consumer group and databases, and direct
 * access to each ClickHouse server to look at its local tables.
 */
const CLUSTER_SH = join(__dirname, '..', '..', 'scripts', 'stack', 'cluster.sh');

/** `cluster.sh env`: KAFKA_BROKERS, KAFKA_REPLICATION_FACTOR, CLICKHOUSE_URL (the load balancer), CLICKHOUSE_CLUSTER, CLICKHOUSE_CLUSTER_SERVERS. */
function clusterVars(): Record<string, string> {
  const out = execFileSync('bash', [CLUSTER_SH, 'env'], { encoding: 'utf8' });
  return Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

export const CLUSTER_VARS = clusterVars();
export const CH_NODES = ['ch-1a', 'ch-1b', 'ch-2a', 'ch-2b'] as const;
export type ChNode = (typeof CH_NODES)[number];
/** The shard of each server (its macros in cluster.sh). */
export const SHARD_OF: Record<ChNode, number> = { 'ch-1a': 1, 'ch-1b': 1, 'ch-2a': 2, 'ch-2b': 2 };

/** A test's environment for the apps on the cluster: unique topics, group and database (testEnv's), the cluster's servers. */
export function clusterEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return testEnv({ ...CLUSTER_VARS, KAFKA_TOPIC_PARTITIONS: '4', ...overrides });
}

/** The same traffic on one server: the native stack's ClickHouse, its own database and consumer group, no cluster. */
export function singleNodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const single = testEnv();
  const out: NodeJS.ProcessEnv = {
    ...env,
    CLICKHOUSE_URL: single.CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: single.CLICKHOUSE_DATABASE,
    PROJECTOR_GROUP_ID: single.PROJECTOR_GROUP_ID,
  };
  delete out.CLICKHOUSE_CLUSTER;
  delete out.CLICKHOUSE_CLUSTER_SERVERS;
  return out;
}

/** A connection as the apps make it from `env` (on a cluster: with the cluster's settings). */
export function clickhouseFor(env: NodeJS.ProcessEnv): ClickHouse {
  return new ClickHouse({
    url: env.CLICKHOUSE_URL!,
    user: 'default',
    password: '',
    database: env.CLICKHOUSE_DATABASE!,
    app: 'test',
    cluster: env.CLICKHOUSE_CLUSTER,
    servers: env.CLICKHOUSE_CLUSTER_SERVERS?.split(','),
  });
}

/** One server of the cluster, by its own HTTP port (not the load balancer). */
export function nodeClickHouse(node: ChNode, database: string): ClickHouse {
  const port = execFileSync('bash', [CLUSTER_SH, 'port', node], { encoding: 'utf8' }).trim();
  return new ClickHouse({ url: `http://127.0.0.1:${port}`, user: 'default', password: '', database, app: 'test' });
}

/** Drops a test's database and its raw database from every server (and their replicas from ZooKeeper). */
export async function dropClusterDatabases(env: NodeJS.ProcessEnv): Promise<void> {
  const database = env.CLICKHOUSE_DATABASE!;
  assertTestDatabase(database);
  const ch = new ClickHouse({ url: env.CLICKHOUSE_URL!, user: 'default', password: '', database: 'default', app: 'test' });
  try {
    for (const name of [`${database}_raw`, database])
      await ch.command('test-teardown', `DROP DATABASE IF EXISTS ${name} ON CLUSTER ${env.CLICKHOUSE_CLUSTER}`);
  } finally {
    await ch.close();
  }
}

/** A comparison test's teardown: its databases on the cluster and on the single server. */
export async function dropBothSides(cluster: NodeJS.ProcessEnv, single: NodeJS.ProcessEnv): Promise<void> {
  await dropClusterDatabases(cluster);
  const ch = new ClickHouse({ url: single.CLICKHOUSE_URL!, user: 'default', password: '', database: 'default', app: 'test' });
  try {
    await dropTestDatabases(ch, single.CLICKHOUSE_DATABASE!);
  } finally {
    await ch.close();
  }
}

/** Until the group of `env` has committed every message of its events topic (ON CLUSTER work makes that slow: 4 minutes). */
export async function waitUntilCommitted(env: NodeJS.ProcessEnv, what: string): Promise<void> {
  await waitFor(
    `${what} to commit every message of ${env.KAFKA_EVENTS_TOPIC}`,
    async () => (await offsets(env)).every((p) => p.committed === p.end),
    240_000,
    250,
  );
}
