import { AssignerProtocol, type Consumer } from 'kafkajs';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { freePort, testEnv, waitFor } from '@wise/testing';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase } from './harness';

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

// The projector's /health (alive: its Kafka consumer has not crashed for good) and /ready (its
// consumer is in its group and consuming), on PROJECTOR_METRICS_PORT, against the real Kafka.
// /health staying 200 while ClickHouse is away is in resilience.test.ts.
describe('projector /health and /ready', () => {
  const env = testEnv();
  const apps: AppProcess[] = [];
  let blocker: Consumer | undefined;

  afterAll(async () => {
    for (const a of apps) await a.stop();
    await blocker?.disconnect();
    await dropDatabase(clickhouseOf(env));
  });

  it('/health answers while the process lives; /ready once the consumer is in its group', async () => {
    const port = await freePort();
    apps.push(await startProjector({ ...env, PROJECTOR_METRICS_PORT: String(port) }));
    const base = `http://127.0.0.1:${port}`;
    // The operations server starts listening just after the "consuming" line: on a busy machine a
    // first request can come before it does.
    const health = await waitFor('/health to answer', () => get(`${base}/health`).catch(() => undefined));
    expect(health).toEqual({ status: 200, json: { status: 'ok' } });
    const ready = await waitFor('/ready 200', async () => {
      const r = await get(`${base}/ready`);
      return r.status === 200 ? r : undefined;
    });
    expect(ready.json).toMatchObject({ status: 'ready', consumer: 'consuming', group: env.PROJECTOR_GROUP_ID });
  });

  it('/ready and /health are 503 after a consumer crash kafkajs does not recover from, naming the error and what to do', async () => {
    // A member of another protocol holds the group: the projector's JoinGroup is refused with
    // INCONSISTENT_GROUP_PROTOCOL, which kafkajs does not retry.
    const group = `${env.PROJECTOR_GROUP_ID}-taken`;
    const kafka = new KafkaConnection({
      brokers: env.KAFKA_BROKERS!.split(','),
      clientId: 'health-test',
      logger: new Logger('test', 'error'),
    });
    await kafka.ensureTopics([{ topic: env.KAFKA_EVENTS_TOPIC!, partitions: 3, replicationFactor: 1 }]);
    blocker = kafka.kafka.consumer({
      groupId: group,
      partitionAssigners: [
        () => ({
          name: 'not-the-projectors',
          version: 1,
          assign: async () => [],
          protocol: ({ topics }) => ({
            name: 'not-the-projectors',
            metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
          }),
        }),
      ],
    });
    await blocker.connect();
    await blocker.subscribe({ topic: env.KAFKA_EVENTS_TOPIC! });
    const joined = new Promise((resolve) => blocker!.on(blocker!.events.GROUP_JOIN, resolve));
    await blocker.run({ eachBatch: async () => undefined });
    await joined;

    const port = await freePort();
    const proc = AppProcess.start('projector', { ...env, PROJECTOR_GROUP_ID: group, PROJECTOR_METRICS_PORT: String(port) });
    apps.push(proc);
    await proc.waitForLine(/kafka consumer crashed and will not restart/);
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitFor('/ready to answer', () => get(`${base}/ready`).catch(() => undefined));
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ status: 'not ready', consumer: 'crashed', group });
    expect(ready.json.problem).toMatch(/crashed and will not restart \(.*incompatible.*\): restart the projector/);
    // Liveness fails too: this process can no longer consume, and only a restart makes it.
    const health = await get(`${base}/health`);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'dead', consumer: 'crashed' });
    expect(health.json.problem).toMatch(
      /crashed and will not restart \(.*incompatible.*\); this process can no longer consume: restart it/,
    );
  });
});
