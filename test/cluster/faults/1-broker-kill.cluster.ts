import { sleep } from '../../faults/rig';
import { busiestLeader, clusterSh } from './cluster';
import { clusterFaultScenario } from './rig';

/** Longer than a KRaft broker's session (9 s), so the other brokers elect new leaders while it is down. */
const BROKER_DOWN_MS = 12000;

// The broker leading the most partitions of the events topic crashes (SIGKILL: no leader hand-over)
// and comes back on its log folder. Its partitions have no leader until the controller notices (its
// session, 9 s): sends to them time out and ingestion answers 503, which Wise retries. Then the two
// in-sync followers lead, acks=all needs two copies (min.insync.replicas 2), and nothing acknowledged
// was on the killed broker alone.
clusterFaultScenario('cluster 1. the Kafka broker leading most partitions SIGKILLed, then restarted', {
  order: 1,
  name: '1. Kafka broker leading most partitions SIGKILL, restart',
  fault: async (env) => {
    const leader = await busiestLeader(env);
    process.stdout.write(`[cluster faults] killing ${leader.service}, leader of ${leader.leads} of ${leader.of} partitions\n`);
    await clusterSh('kill', leader.service);
    await sleep(BROKER_DOWN_MS);
    await clusterSh('start', leader.service);
  },
});
