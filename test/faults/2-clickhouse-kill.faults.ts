import { freePort, testEnv } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { PrivateClickHouse } from '../private-services';
import { newTraffic, OUTAGE_MS, sleep, startIngestionOn, underLoad } from './rig';

// ClickHouse crashes under load (SIGKILL) and comes back on its data folder. Ingestion does not
// need it; the projector's writes fail, it backs off without committing, and catches up.
describe('2. ClickHouse SIGKILL, then restart', () => {
  const traffic = newTraffic();
  let clickhouse: PrivateClickHouse;
  let env: NodeJS.ProcessEnv;
  let url: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    clickhouse = await PrivateClickHouse.create();
    env = testEnv({ CLICKHOUSE_URL: clickhouse.url, KAFKA_TOPIC_PARTITIONS: '6' });
    await traffic.register(env);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    apps.push(await startIngestionOn(env, port), await startProjector(env));
  });

  afterAll(async () => {
    for (const a of apps) await a.stop('SIGKILL');
    await clickhouse?.destroy();
  });

  it('loses no 200, duplicates nothing, and the hand-computed week is exact', async () => {
    const row = await underLoad({
      order: 2,
      name: '2. ClickHouse SIGKILL, restart',
      env,
      url,
      traffic,
      fault: async () => {
        await clickhouse.kill();
        await sleep(OUTAGE_MS);
        await clickhouse.start();
      },
    });
    expect(row.problems).toEqual([]);
  });
});
