import type { ClickHouse } from '@wise/clickhouse';
import { runCli } from '../projector/harness';
import { CH_NODES, clickhouseFor, clusterEnv, dropClusterDatabases, nodeClickHouse, SHARD_OF, type ChNode } from './cluster-env';

// The migrations ON CLUSTER for real, twice, and what they make: replicated local tables under
// Distributed ones, rows sharded by institute_id.
describe('migrations on the cluster', () => {
  const env = clusterEnv();
  const database = env.CLICKHOUSE_DATABASE!;
  let ch: ClickHouse;

  beforeAll(() => {
    ch = clickhouseFor(env);
  });
  afterAll(async () => {
    await ch?.close();
    await dropClusterDatabases(env);
  });

  it('applies every migration on every server, and a second migrate applies nothing', async () => {
    const first = await runCli(env, ['migrate']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const applied = await ch.query<{ n: string }>('test', 'SELECT count() AS n FROM (SELECT DISTINCT version FROM schema_migrations)');
    expect(Number(applied[0].n)).toBeGreaterThanOrEqual(14);
    const second = await runCli(env, ['migrate']);
    expect([second.code, second.stderr]).toEqual([0, '']);
    const again = await ch.query<{ n: string }>('test', 'SELECT count() AS n FROM schema_migrations');
    expect(again).toEqual(applied);

    const tablesOf = async (node: ChNode) => {
      const n = nodeClickHouse(node, database);
      try {
        return await n.query<{ database: string; name: string; engine: string }>(
          'test',
          `SELECT database, name, engine FROM system.tables WHERE database IN ('${database}', '${database}_raw') ORDER BY database, name`,
        );
      } finally {
        await n.close();
      }
    };
    const tables = await tablesOf('ch-1a');
    for (const node of CH_NODES.slice(1)) expect([node, await tablesOf(node)]).toEqual([node, tables]);
    // 0013 moved the raw tables; every local table is replicated, with a Distributed table over it.
    expect(tables.filter((t) => t.database === `${database}_raw`).map((t) => `${t.name} ${t.engine}`)).toEqual([
      'events Distributed',
      'events_local ReplicatedReplacingMergeTree',
      'quarantine Distributed',
      'quarantine_local ReplicatedReplacingMergeTree',
    ]);
    const locals = tables.filter((t) => t.name.endsWith('_local'));
    expect(locals.length).toBeGreaterThanOrEqual(20);
    for (const t of locals) {
      expect(t.engine).toMatch(/^Replicated/);
      expect(tables).toContainEqual({ database: t.database, name: t.name.replace(/_local$/, ''), engine: 'Distributed' });
    }
  });

  it('puts rows written through a Distributed table on both replicas of one shard, by institute', async () => {
    const institutes = Array.from({ length: 24 }, (_, i) => `inst-${i}`);
    await ch.insert(
      'serving_keys',
      institutes.map((institute_id) => ({ round: 'cluster-test', kind: 'schedules', institute_id, k1: '', k2: '' })),
    );
    const held: Record<string, string[]> = {};
    for (const node of CH_NODES) {
      const n = nodeClickHouse(node, database);
      try {
        await n.command('test', `SYSTEM SYNC REPLICA ${database}.serving_keys_local`);
        const rows = await n.query<{ institute_id: string }>(
          'test',
          `SELECT institute_id FROM serving_keys_local WHERE round = 'cluster-test' ORDER BY institute_id`,
        );
        held[node] = rows.map((r) => r.institute_id);
      } finally {
        await n.close();
      }
    }
    expect(held['ch-1b']).toEqual(held['ch-1a']);
    expect(held['ch-2b']).toEqual(held['ch-2a']);
    expect(held['ch-1a'].length).toBeGreaterThan(0);
    expect(held['ch-2a'].length).toBeGreaterThan(0);
    expect([...held['ch-1a'], ...held['ch-2a']].sort()).toEqual([...institutes].sort());
    expect(SHARD_OF['ch-1a']).not.toBe(SHARD_OF['ch-2a']);
  });

  it("drops a round's partition on every server by a plain ALTER on one server of each shard, with no task in the DDL queue", async () => {
    await ch.insert(
      'serving_keys',
      Array.from({ length: 24 }, (_, i) => ({ round: 'cluster-drop', kind: 'schedules', institute_id: `inst-${i}`, k1: '', k2: '' })),
    );
    const ddlTasks = async () =>
      Number(
        (await ch.query<{ n: string }>('test', `SELECT count() AS n FROM system.zookeeper WHERE path = '/clickhouse/task_queue/ddl'`))[0].n,
      );
    const tasksBefore = await ddlTasks();
    await ch.commandOnEachShard('test', `ALTER TABLE ${database}.serving_keys_local DROP PARTITION 'cluster-drop'`);
    for (const node of CH_NODES) {
      const n = nodeClickHouse(node, database);
      try {
        await n.command('test', `SYSTEM SYNC REPLICA ${database}.serving_keys_local`);
        const [{ c }] = await n.query<{ c: string }>('test', `SELECT count() AS c FROM serving_keys_local WHERE round = 'cluster-drop'`);
        expect([node, Number(c)]).toEqual([node, 0]);
      } finally {
        await n.close();
      }
    }
    expect(await ddlTasks()).toBe(tasksBefore);
  });
});
