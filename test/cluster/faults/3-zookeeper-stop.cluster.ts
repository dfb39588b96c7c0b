import { sleep } from '../../faults/rig';
import { clusterSh } from './cluster';
import { clusterFaultScenario } from './rig';

const ZOOKEEPER_DOWN_MS = 20000;

// ZooKeeper stops for 20 s. Ingestion does not use it (Kafka runs KRaft). ClickHouse's replicated
// tables turn read-only once their session is lost: the projector's inserts fail, it backs off
// without committing, and writes again once ZooKeeper is back and the replicas have reconnected.
clusterFaultScenario('cluster 3. ZooKeeper stopped for 20 s', {
  order: 3,
  name: '3. ZooKeeper stopped 20 s',
  fault: async () => {
    await clusterSh('stop', 'zk');
    await sleep(ZOOKEEPER_DOWN_MS);
    await clusterSh('start', 'zk');
  },
});
