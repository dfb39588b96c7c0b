import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { freePort, testEnv } from '@wise/testing';
import { startProjector, type AppProcess } from '../helpers';
import { clickhouseOf, dropDatabase, offsets } from '../projector/harness';
import { newTraffic, startIngestionOn, underLoad } from './rig';

// The events topic grows from 6 to 9 partitions while the apps run. The hand-computed week is
// published after the change by a new producer, so part of it lands on the new partitions: the
// drain (every partition committed to its end) and the week's figures need the projector to
// consume them.
describe('8. Partitions added to the events topic while running', () => {
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

  it('the projector consumes the new partitions; no 200 lost, nothing duplicated, the week exact', async () => {
    const kafka = new KafkaConnection({
      brokers: env.KAFKA_BROKERS!.split(','),
      clientId: 'faults-admin',
      logger: new Logger('faults', 'error'),
    });
    const row = await underLoad({
      order: 8,
      name: '8. Partitions 6 → 9 while running',
      env,
      url,
      traffic,
      weekAfterFault: true,
      fault: async () => {
        await kafka.withAdmin((a) => a.createPartitions({ topicPartitions: [{ topic: env.KAFKA_EVENTS_TOPIC!, count: 9 }] }));
      },
    });
    expect(row.problems).toEqual([]);
    const after = await offsets(env);
    expect(after).toHaveLength(9);
    // The new partitions did receive messages, and they were committed (the drain waited for it).
    expect(after.slice(6).some((p) => p.end > 0)).toBe(true);
  });
});
