import { freePort, testEnv } from '@wise/testing';
import type { AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { startProjector } from '../helpers';
import { PrivateKafka } from '../private-services';
import { newTraffic, OUTAGE_MS, sleep, startIngestionOn, underLoad } from './rig';

// The broker crashes under load (SIGKILL: no flush, no leader hand-over) and comes back on its
// log folder. Ingestion answers 503 meanwhile and Wise retries; nothing answered 200 is lost.
describe('1. Kafka SIGKILL, then restart', () => {
  const traffic = newTraffic();
  let kafka: PrivateKafka;
  let env: NodeJS.ProcessEnv;
  let url: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    kafka = await PrivateKafka.create();
    env = testEnv({ KAFKA_BROKERS: kafka.brokers, KAFKA_TOPIC_PARTITIONS: '6' });
    await traffic.register(env);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    apps.push(await startIngestionOn(env, port), await startProjector(env));
  });

  afterAll(async () => {
    for (const a of apps) await a.stop('SIGKILL');
    await dropDatabase(env && clickhouseOf(env)).catch(() => undefined);
    await kafka?.destroy();
  });

  it('loses no 200, duplicates nothing, and the hand-computed week is exact', async () => {
    const row = await underLoad({
      order: 1,
      name: '1. Kafka SIGKILL, restart',
      env,
      url,
      traffic,
      fault: async () => {
        await kafka.kill();
        await sleep(OUTAGE_MS);
        await kafka.start();
      },
    });
    expect(row.problems).toEqual([]);
  });
});
