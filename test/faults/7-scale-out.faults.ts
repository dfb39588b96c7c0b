import { testEnv, freePort } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { RoundRobinProxy } from './proxy';
import { newTraffic, startIngestionOn, underLoad } from './rig';

// Two ingestion processes behind one port and two projectors in one consumer group over six
// partitions. One projector crashes mid-load and is not replaced: the group rebalances (after the
// session time-out, 30 s) and the survivor projects everything.
describe('7. Scale-out: 2 ingestion behind one port, 2 projectors in one group; one projector killed', () => {
  const traffic = newTraffic();
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '6' });
  let proxy: RoundRobinProxy;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    await traffic.register(env);
    const ports = [await freePort(), await freePort()];
    for (const p of ports) apps.push(await startIngestionOn(env, p));
    apps.push(await startProjector(env), await startProjector(env));
    proxy = await RoundRobinProxy.start(ports);
  });

  afterAll(async () => {
    await proxy?.close();
    for (const a of apps) await a.stop('SIGKILL');
    await dropDatabase(clickhouseOf(env)).catch(() => undefined);
  });

  it('loses no 200, duplicates nothing, the week is exact, and both ingestion processes served', async () => {
    const row = await underLoad({
      order: 7,
      name: '7. Scale-out 2+2, one projector SIGKILL',
      env,
      url: proxy.url,
      traffic,
      fault: async () => {
        await apps[3].stop('SIGKILL');
      },
    });
    expect(row.problems).toEqual([]);
    // Every ingestion process took connections (so answered part of the load).
    expect([...proxy.connections.values()].every((n) => n > 0)).toBe(true);
  });
});
