/*
 * One fault on the cluster under load: the single node's scenario shape (test/faults/rig.ts) with
 * what a real cluster runs, two ingestion processes behind one port and two projectors in one
 * group, on the cluster's three brokers and four ClickHouse servers. Replicas are synced before
 * the checks read through the Distributed tables.
 */
import { CLUSTER, type ScenarioRow } from '../../faults/report';
import { runCli } from '../../projector/harness';
import type { Traffic } from '../../faults/load';
import { newTraffic, startScaledOut, underLoad, type ScaledOut } from '../../faults/rig';
import { clusterEnv, dropClusterDatabases } from '../cluster-env';
import { clusterSh, syncReplicas } from './cluster';

export interface ClusterFault {
  order: number;
  /** The row's name in the table. */
  name: string;
  /** Injects the fault and recovers from it, while the load goes on. */
  fault: (env: NodeJS.ProcessEnv, apps: ScaledOut) => Promise<void>;
  /** Checks of the scenario's own once everything is drained and synced; each problem fails the row. */
  moreChecks?: (env: NodeJS.ProcessEnv) => Promise<string[]>;
  /** The run's traffic, when the scenario needs more of it than a fresh one (newTraffic) promises; asked once the servers are up. */
  traffic?: () => Promise<Traffic>;
}

export function clusterFaultScenario(title: string, s: ClusterFault): void {
  describe(title, () => {
    let traffic: Traffic;
    const env = clusterEnv({ KAFKA_TOPIC_PARTITIONS: '6' });
    let apps: ScaledOut | undefined;

    beforeAll(async () => {
      // Every server up, whatever an earlier scenario (or a crash) left down: one fault at a time.
      await clusterSh('up');
      traffic = s.traffic ? await s.traffic() : newTraffic();
      // As an operator does before starting the apps: ON CLUSTER DDL takes seconds per statement,
      // longer than a projector is given to start, and at worst 180 s each (distributed_ddl_task_timeout):
      // past runCli's 90 s, the kill hid ClickHouse's own error, which names the servers that did not answer.
      const migrated = await runCli(env, ['migrate'], 600_000);
      if (migrated.code !== 0)
        throw new Error(`migrate on the cluster exited with ${migrated.code}:\n${migrated.stderr || migrated.stdout}`);
      await traffic.register(env);
      apps = await startScaledOut(env, 2, 2);
    });

    afterAll(async () => {
      await apps?.stop();
      await dropClusterDatabases(env).catch(() => undefined);
    });

    it('loses no 200, duplicates nothing, and the hand-computed week is exact', async () => {
      const row: ScenarioRow = await underLoad({
        suite: CLUSTER,
        order: s.order,
        name: s.name,
        env,
        url: apps!.proxy.url,
        traffic,
        fault: () => s.fault(env, apps!),
        settle: () => syncReplicas(env),
        moreChecks: s.moreChecks && (() => s.moreChecks!(env)),
      });
      expect(row.problems).toEqual([]);
    });
  });
}
