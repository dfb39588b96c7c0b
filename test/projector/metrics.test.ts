import { freePort, testEnv, waitFor } from '@wise/testing';
import { sumOf } from '../../bench/prometheus';
import { classroomWeek } from '../analytics/scenario';
import { AppProcess, startProjector } from '../helpers';
import { publishEnvelopes, waitUntilCommitted } from './harness';
import { PrivateClickHouse } from '../private-services';

// The projector's /metrics: Prometheus names (standard process metrics with an app label, units in
// names) and the consumer lag read from the real Kafka. A private ClickHouse, so that it can be
// stopped to make the projector fall behind.
describe('projector /metrics', () => {
  const week = classroomWeek().slice(0, 30);
  const later = classroomWeek().slice(30, 40);
  let server: PrivateClickHouse;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let projector: AppProcess;

  beforeAll(async () => {
    server = await PrivateClickHouse.create();
    const port = await freePort();
    env = testEnv({ PROJECTOR_METRICS_PORT: String(port), CLICKHOUSE_URL: server.url });
    url = `http://127.0.0.1:${port}/metrics`;
    projector = await startProjector(env);
  });
  afterAll(async () => {
    await projector?.stop();
    await server?.destroy();
  });

  const scrape = async () => (await fetch(url)).text();

  it('exports the consumer lag per topic and partition, 0 once everything published is committed', async () => {
    await publishEnvelopes(env, week);
    await waitUntilCommitted(env);
    const text = await scrape();
    const series = [...text.matchAll(/^projector_kafka_consumer_lag_messages\{([^}]*)\} (\d+)$/gm)].map((m) => ({
      labels: m[1],
      value: Number(m[2]),
    }));
    // Two topics of KAFKA_TOPIC_PARTITIONS (3) partitions each.
    expect(series).toHaveLength(6);
    for (const topic of [env.KAFKA_EVENTS_TOPIC!, env.KAFKA_QUARANTINE_TOPIC!]) {
      for (const partition of ['0', '1', '2']) {
        const s = series.find((x) => x.labels.includes(`topic="${topic}"`) && x.labels.includes(`partition="${partition}"`));
        expect(s).toMatchObject({ value: 0, labels: expect.stringContaining('app="projector"') });
      }
    }
    expect(sumOf(text, 'projector_messages_total')).toBe(week.length);
  });

  it('grows while the projector cannot write (ClickHouse down), and is 0 again once it caught up', async () => {
    await server.stop();
    await publishEnvelopes(env, later);
    // Read from Kafka at each scrape: the stuck projector's lag is seen, not its last batch's.
    await waitFor(
      'the lag to show the messages published while ClickHouse is down',
      async () => sumOf(await scrape(), 'projector_kafka_consumer_lag_messages') === later.length,
    );
    await server.start();
    await waitUntilCommitted(env);
    const text = await scrape();
    expect(sumOf(text, 'projector_kafka_consumer_lag_messages')).toBe(0);
    expect(sumOf(text, 'projector_messages_total')).toBe(week.length + later.length);
  });

  it('names process metrics the standard way, with an app label, and units in the names', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_seconds_total\{app="projector"\} [0-9.e+-]+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{app="projector"\} \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{app="projector"\} \d+/m);
    expect(text).not.toMatch(/^projector_process_|^projector_nodejs_/m);
    expect(text).toMatch(/^projector_batch_seconds_count\{app="projector"\} \d+/m);
  });
});
