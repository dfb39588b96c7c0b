import { ANALYTICS_TABLES, EVENTS_TABLE } from '@wise/projections';
import { newTraffic, OUTAGE_MS, sleep } from '../../faults/rig';
import type { ChNode } from '../cluster-env';
import { clusterSh, localRows, shardOf, SHARDS } from './cluster';
import { clusterFaultScenario } from './rig';

const FACT_TABLES = [EVENTS_TABLE, ...ANALYTICS_TABLES];
let killed: { node: ChNode; mate: ChNode } | undefined;

// One ClickHouse replica crashes (SIGKILL) and comes back on its data folder. The balancer skips it
// and the Distributed inserts go to its shard-mate; once restarted (and its old ZooKeeper session
// expired, 5 s) it fetches the parts it missed. The replica killed is ch-1a, the hardest of the
// four: the balancer's primary and the first replica of its shard, so that every read goes to it
// again as soon as it is back, before it has fetched what ch-1b took meanwhile (the window the
// serving rounds wait out, ReplicaCurrency).
clusterFaultScenario('cluster 2. one ClickHouse replica SIGKILLed, then restarted', {
  order: 2,
  name: '2. ClickHouse replica SIGKILL, restart',
  // A run's institutes land on the shards by the hash of their names, so all of them missed ch-1a's
  // shard in about one run in sixteen, and the comparison of its replicas then showed nothing. The
  // scenario's institute (the hand-computed week) is drawn until it hashes there.
  traffic: async () => {
    for (;;) {
      const traffic = newTraffic();
      if ((await shardOf(traffic.scenarioInstitute)) === 0) return traffic;
    }
  },
  fault: async (env) => {
    const [node, mate] = SHARDS[0];
    killed = { node, mate };
    const held = (await localRows(node, env, [EVENTS_TABLE]))[`${EVENTS_TABLE}_local`] ?? 0;
    process.stdout.write(`[cluster faults] killing ${node}, the balancer's primary (its shard holds ${held} events so far)\n`);
    await clusterSh('kill', node);
    await sleep(OUTAGE_MS);
    await clusterSh('start', node);
  },
  // After the drain and SYSTEM SYNC REPLICA: the restarted replica holds what its shard-mate holds.
  moreChecks: async (env) => {
    const { node, mate } = killed!;
    const [mine, theirs] = await Promise.all([localRows(node, env, FACT_TABLES), localRows(mate, env, FACT_TABLES)]);
    const problems: string[] = [];
    for (const t of FACT_TABLES.map((x) => `${x}_local`)) {
      if (mine[t] !== theirs[t]) problems.push(`${t}: ${node} holds ${mine[t]} rows, its shard-mate ${mate} ${theirs[t]}`);
    }
    if (!(theirs[`${EVENTS_TABLE}_local`] > 0)) problems.push(`${mate} holds no events: the comparison of ${node} with it shows nothing`);
    return problems;
  },
});
