import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';
import { PrivateKafka } from '../private-services';

// A private broker, so that stopping it does not disturb the shared one other tests use.
describe('with Kafka stopped, ingestion answers 503 with Retry-After, never 200', () => {
  let kafka: PrivateKafka;
  let env: NodeJS.ProcessEnv;
  const slug = uniqueSlug('down');
  const key = 'down-key-0123456789abcdef';
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    kafka = await PrivateKafka.create();
    env = testEnv({ KAFKA_BROKERS: kafka.brokers, INGEST_SEND_TIMEOUT_MS: '1500' });
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });

  afterAll(async () => {
    await ingestion?.stop();
    await kafka?.destroy();
  });

  const send = () => post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });

  it('accepts while the broker is up', async () => {
    expect((await send()).status).toBe(200);
  });

  it("answers 503 within Wise's 5 s once the broker is stopped", async () => {
    await kafka.stop();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await send();
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(res.json.message).toMatch(/not stored/);
    }
    // Readiness follows within one probe interval (5 s) and names the cause.
    const ready = await waitFor(
      '/ready to report Kafka',
      async () => {
        const r = await fetch(`${ingestion.url}/ready`);
        return r.status === 503 ? ((await r.json()) as { message: { problems: string[] } } | { problems: string[] }) : undefined;
      },
      15000,
    );
    expect(JSON.stringify(ready)).toMatch(/kafka unreachable/);
  });
});
