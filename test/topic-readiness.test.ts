import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { freePort, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, AppProcess, RunningIngestion, startIngestion, startProjector } from './helpers';
import { clickhouseOf, dropDatabase } from './projector/harness';

interface Answer {
  status: number;
  text: string;
}
const get = async (url: string): Promise<Answer | undefined> =>
  fetch(url).then(
    async (r) => ({ status: r.status, text: await r.text() }),
    () => undefined,
  );
/** The next /ready answer of `status` (readiness follows Kafka within its 5 s check). */
const readyIs = (url: string, status: number) =>
  waitFor(`${url}/ready to answer ${status}`, async () => {
    const r = await get(`${url}/ready`);
    return r?.status === status ? r : undefined;
  });

// The apps' readiness checks their topics against the configuration every few seconds, on the
// shared (single) broker: a topic with fewer replicas than KAFKA_REPLICATION_FACTOR, and a topic
// deleted while the app runs, make /ready 503 with what to fix.
describe('/ready checks the topics', () => {
  const kafka = new KafkaConnection({ brokers: ['127.0.0.1:9092'], clientId: 'topic-readiness-test', logger: new Logger('test', 'error') });
  const running: Array<{ stop: () => Promise<unknown> }> = [];
  const dropped: NodeJS.ProcessEnv[] = [];

  afterAll(async () => {
    for (const r of running) await r.stop();
    for (const env of dropped) await dropDatabase(clickhouseOf(env));
  });

  it('is 503 in both apps while the topics have fewer replicas than KAFKA_REPLICATION_FACTOR, naming both and the fixes', async () => {
    const env = testEnv({ KAFKA_REPLICATION_FACTOR: '3' });
    // Created as a single broker can hold them (the apps create only missing topics).
    await kafka.ensureTopics(
      [env.KAFKA_EVENTS_TOPIC!, env.KAFKA_QUARANTINE_TOPIC!].map((topic) => ({ topic, partitions: 3, replicationFactor: 1 })),
    );
    const slug = uniqueSlug('rf');
    await addInstitute(env, slug, 'rf-key-0123456789abcdef');
    const ports = { PORT: String(await freePort()), OPS_PORT: String(await freePort()) };
    const ingestion = AppProcess.start('ingestion', { ...env, ...ports });
    running.push(ingestion);
    dropped.push(env);
    const metricsPort = await freePort();
    const projector = await startProjector({ ...env, PROJECTOR_METRICS_PORT: String(metricsPort) });
    running.push(projector);
    await ingestion.waitForLine(/ingestion listening/);

    const message = `topic ${env.KAFKA_EVENTS_TOPIC} has replication factor 1 but KAFKA_REPLICATION_FACTOR is 3: raise it with kafka-reassign-partitions.sh, or set KAFKA_REPLICATION_FACTOR=1`;
    for (const url of [`http://127.0.0.1:${ports.PORT}`, `http://127.0.0.1:${metricsPort}`]) {
      const r = await readyIs(url, 503);
      expect(r.text).toContain(message);
      expect(r.text).toContain(`topic ${env.KAFKA_QUARANTINE_TOPIC} has replication factor 1`);
    }
    // Said in the log too, at start.
    expect(ingestion.lines.some((l) => l.includes('kafka topics not as configured') && l.includes(message))).toBe(true);
  });

  it('is 503 while a topic is deleted under a running ingestion, not recreated by it, and 200 once it is back', async () => {
    const env = testEnv();
    const slug = uniqueSlug('del');
    await addInstitute(env, slug, 'del-key-0123456789abcdef');
    const ingestion: RunningIngestion = await startIngestion(env);
    running.push(ingestion);
    const topic = env.KAFKA_QUARANTINE_TOPIC!;

    await kafka.withAdmin((a) => a.deleteTopics({ topics: [topic], timeout: 10000 }));
    const r = await readyIs(ingestion.url, 503);
    expect(r.text).toContain(`topic ${topic} does not exist (deleted while running?): restart ingestion`);
    expect(r.text).toContain('a running app does not recreate it');
    // Still gone a check later: the app left it to the operator.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await kafka.withAdmin((a) => a.listTopics())).not.toContain(topic);
    expect((await get(`${ingestion.url}/ready`))?.status).toBe(503);

    await kafka.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    await readyIs(ingestion.url, 200);
  });
});
