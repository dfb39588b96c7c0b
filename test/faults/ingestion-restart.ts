import { freePort, testEnv } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { newTraffic, startIngestionOn, underLoad } from './rig';

/**
 * Ingestion stopped by `signal` under load while a new process takes its port: scenarios 4
 * (SIGTERM, a deploy) and 5 (SIGKILL, a crash) differ only in the signal.
 */
export function ingestionRestartScenario(order: number, title: string, name: string, signal: NodeJS.Signals): void {
  describe(title, () => {
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
        order,
        name,
        env,
        url,
        traffic,
        fault: async () => {
          await apps[0].stop(signal);
          apps[0] = await startIngestionOn(env, port);
        },
      });
      expect(row.problems).toEqual([]);
    });
  });
}
