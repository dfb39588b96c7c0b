import { freePort, testEnv } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { newTraffic, startIngestionOn, underLoad } from './rig';

// Ingestion is stopped (SIGTERM, as a deploy does) under load and a new process takes its port:
// requests in flight are answered before it exits, and every 200 it gave is in Kafka (so in events).
describe('4. Ingestion SIGTERM under load, then a new process', () => {
  const traffic = newTraffic();
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '6' });
  let port: number;
  let url: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    await traffic.register(env);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    apps.push(await startIngestionOn(env, port), await startProjector(env));
  });

  afterAll(async () => {
    for (const a of apps) await a.stop('SIGKILL');
    await dropDatabase(clickhouseOf(env)).catch(() => undefined);
  });

  it('loses no 200, duplicates nothing, and the hand-computed week is exact', async () => {
    const row = await underLoad({
      order: 4,
      name: '4. Ingestion SIGTERM, new process',
      env,
      url,
      traffic,
      fault: async () => {
        await apps[0].stop('SIGTERM');
        apps[0] = await startIngestionOn(env, port);
      },
    });
    expect(row.problems).toEqual([]);
  });
});
