import { freePort, testEnv } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { newTraffic, OUTAGE_MS, sleep, startIngestionOn, underLoad } from './rig';

// The projector crashes mid-batch (SIGKILL) and a new one resumes from the group's last commit:
// what it had written but not committed is written again, and collapses.
describe('3. Projector SIGKILL, then restart', () => {
  const traffic = newTraffic();
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '6' });
  let url: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    await traffic.register(env);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    apps.push(await startIngestionOn(env, port), await startProjector(env));
  });

  afterAll(async () => {
    for (const a of apps) await a.stop('SIGKILL');
    await dropDatabase(clickhouseOf(env)).catch(() => undefined);
  });

  it('loses no 200, duplicates nothing, and the hand-computed week is exact', async () => {
    const row = await underLoad({
      order: 3,
      name: '3. Projector SIGKILL, restart',
      env,
      url,
      traffic,
      fault: async () => {
        await apps[1].stop('SIGKILL');
        await sleep(OUTAGE_MS);
        apps[1] = await startProjector(env);
      },
    });
    expect(row.problems).toEqual([]);
  });
});
