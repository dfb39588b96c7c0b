import type { ClickHouse } from '@wise/clickhouse';
import { testEnv } from '@wise/testing';
import { classroomWeek } from '../analytics/scenario';
import { AppProcess, startProjector } from '../helpers';
import { PrivateKafka } from '../private-services';
import { clickhouseOf, dropDatabase, publishEnvelopes, waitUntilCommitted } from './harness';

// A fresh broker (private, new data folder): its group coordinator is not available, then loads,
// while the projector's consumer joins. kafkajs reports that at level error although it retries;
// the projector must log it as one info line per state and no error.
describe('a projector starting against a fresh Kafka', () => {
  let kafka: PrivateKafka;
  let env: NodeJS.ProcessEnv;
  let projector: AppProcess;
  let ch: ClickHouse;

  beforeAll(async () => {
    kafka = await PrivateKafka.create();
    env = testEnv({ KAFKA_BROKERS: kafka.brokers });
    ch = clickhouseOf(env);
  });

  afterAll(async () => {
    await projector?.stop();
    await kafka?.destroy();
    await dropDatabase(ch);
  });

  it('logs no kafkajs error, and each transient state once at info', async () => {
    projector = await startProjector(env);
    await publishEnvelopes(env, classroomWeek().slice(0, 5));
    await waitUntilCommitted(env);
    const lines = projector.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const kafkajs = lines.filter((l) => l.component === 'kafkajs');
    expect(kafkajs.filter((l) => l.level === 'error')).toEqual([]);
    const said = kafkajs.filter((l) => l.level === 'info' && typeof l.state === 'string').map((l) => l.state);
    expect(said).toEqual([...new Set(said)]);
    expect(projector.lines.join('\n')).not.toMatch(/"level":"error"/);
  });
});
