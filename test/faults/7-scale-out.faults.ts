import { testEnv } from '@wise/testing';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { newTraffic, startScaledOut, underLoad, type ScaledOut } from './rig';

// Two ingestion processes behind one port and two projectors in one consumer group over six
// partitions. One projector crashes mid-load and is not replaced: the group rebalances (after the
// session time-out, 30 s) and the survivor projects everything.
describe('7. Scale-out: 2 ingestion behind one port, 2 projectors in one group; one projector killed', () => {
  const traffic = newTraffic();
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '6' });
  let apps: ScaledOut;

  beforeAll(async () => {
    await traffic.register(env);
    apps = await startScaledOut(env, 2, 2);
  });

  afterAll(async () => {
    await apps?.stop();
    await dropDatabase(clickhouseOf(env)).catch(() => undefined);
  });

  it('loses no 200, duplicates nothing, the week is exact, and both ingestion processes served', async () => {
    const row = await underLoad({
      order: 7,
      name: '7. Scale-out 2+2, one projector SIGKILL',
      env,
      url: apps.proxy.url,
      traffic,
      fault: async () => {
        await apps.projectors[1].stop('SIGKILL');
      },
    });
    expect(row.problems).toEqual([]);
    // Every ingestion process took connections (so answered part of the load).
    expect([...apps.proxy.connections.values()].every((n) => n > 0)).toBe(true);
  });
});
