import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonConfig, ProjectorConfig } from '@wise/config';
import { BatchConsumer, KafkaConnection, KafkaHealth, kafkaOptionsFrom } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from './helpers';
import { PrivateKafka, type SaslSslListener } from './private-services';

// Kafka as managed services run it: a private broker whose SASL_SSL listener has a certificate from
// a CA made at start (stack.sh, KAFKA_SASL_SSL_PORT) and SCRAM users made when its log was
// formatted. Ingestion (the app) publishes through it; the projector's consumer, built from the
// projector's configuration, reads what it published.
describe('Kafka over TLS with SASL (SCRAM)', () => {
  const quiet = new Logger('test', 'error');
  let kafka: PrivateKafka;
  let secure: SaslSslListener;
  let secrets: string;
  let env: NodeJS.ProcessEnv;
  let ingestion: RunningIngestion | undefined;
  const slug = uniqueSlug('tls');
  const key = 'tls-key-0123456789abcdef';

  beforeAll(async () => {
    kafka = await PrivateKafka.create({ saslSsl: true });
    secure = kafka.saslSsl!;
    // The password as a mounted Secret holds it: a file ending in a newline.
    secrets = mkdtempSync(join(tmpdir(), 'wise-kafka-secret-'));
    writeFileSync(join(secrets, 'password'), `${secure.password}\n`);
    env = testEnv({
      KAFKA_BROKERS: secure.brokers,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: secure.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: secure.user,
      KAFKA_SASL_PASSWORD_FILE: join(secrets, 'password'),
    });
  }, 90000);

  afterAll(async () => {
    await ingestion?.stop();
    await kafka?.destroy();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it("ingestion publishes through SASL_SSL, and the projector's consumer reads it with SCRAM-SHA-512", async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
    const res = await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });
    expect(res.status).toBe(200);
    const eventId = (res.json as { eventId: string }).eventId;
    expect(eventId).toBeTruthy();

    // The other SCRAM mechanism, and the password given as a value rather than a file.
    const config = ProjectorConfig.parse({
      ...env,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_PASSWORD_FILE: '',
      KAFKA_SASL_PASSWORD: secure.password,
    });
    const connection = new KafkaConnection(kafkaOptionsFrom(config, 'projector', quiet));
    const health = new KafkaHealth(
      connection,
      {
        topics: [config.KAFKA_EVENTS_TOPIC, config.KAFKA_QUARANTINE_TOPIC],
        replicationFactor: 1,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
      },
      quiet,
    );
    await health.check();
    expect(health.problems).toEqual([]);
    const consumer = new BatchConsumer(
      connection,
      {
        groupId: config.PROJECTOR_GROUP_ID,
        topics: [config.KAFKA_EVENTS_TOPIC],
        maxBytesPerPartition: 1 << 20,
        minBytes: 1,
        maxWaitMs: 100,
        partitionsConsumedConcurrently: 1,
      },
      quiet,
    );
    const seen: string[] = [];
    await consumer.start(async (batch) => {
      for (const m of batch.messages) seen.push(m.value?.toString() ?? '');
    });
    try {
      await waitFor('the event read back over SASL_SSL', async () => seen.some((v) => v.includes(eventId)), 30000);
    } finally {
      await consumer.stop();
    }
  });

  it('refuses a wrong password, saying SASL authentication failed and for which user, without the password', async () => {
    const config = CommonConfig.parse({ ...env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: 'not-the-password' });
    const connection = new KafkaConnection(kafkaOptionsFrom(config, 'ingestion', quiet));
    const error = await connection
      .withAdmin((a) => a.listTopics())
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(error?.message).toMatch(
      new RegExp(
        `^kafka at ${secure.brokers}: .*SASL authentication failed for user "${secure.user}" with SCRAM-SHA-256: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
      ),
    );
    expect(error?.message).not.toContain('not-the-password');
    // /ready says the same (the health check is what readiness reads).
    const health = new KafkaHealth(connection, { topics: [config.KAFKA_EVENTS_TOPIC], replicationFactor: 1, partitions: 1 }, quiet);
    await health.check();
    expect(health.problems).toEqual([expect.stringMatching(/^kafka unreachable: .*SASL authentication failed/)]);
  });

  it('tells a client without TLS on the TLS port to set KAFKA_SSL=true', async () => {
    const config = CommonConfig.parse({ ...env, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '' });
    const connection = new KafkaConnection(kafkaOptionsFrom(config, 'ingestion', quiet));
    await expect(connection.withAdmin((a) => a.listTopics())).rejects.toThrow(/closed the connection at once: .*set KAFKA_SSL=true/);
  });

  it("verifies the brokers with Node's own CAs when KAFKA_SSL_CA_FILE is unset, and says to set it when they do not know the CA", async () => {
    const config = CommonConfig.parse({ ...env, KAFKA_SSL_CA_FILE: '' });
    const connection = new KafkaConnection(kafkaOptionsFrom(config, 'ingestion', quiet));
    await expect(connection.withAdmin((a) => a.listTopics())).rejects.toThrow(
      /TLS certificate could not be verified: set KAFKA_SSL_CA_FILE/,
    );
  });
});
