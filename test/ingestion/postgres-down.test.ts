import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, AppProcess, freePort, post } from '../helpers';
import { CuttablePostgres } from './cuttable-postgres';

// Started while PostgreSQL is unreachable, ingestion stays up, not ready, says why, answers
// webhooks 503 (Wise retries those), and becomes ready by itself once PostgreSQL is back.
describe('ingestion started while PostgreSQL is unreachable', () => {
  const direct = testEnv();
  const slug = uniqueSlug('pgdown');
  const key = 'pgdown-key-0123456789abcdef';
  let relay: CuttablePostgres;
  let proc: AppProcess;
  let url: string;
  let opsUrl: string;

  beforeAll(async () => {
    await addInstitute(direct, slug, key);
    relay = new CuttablePostgres(await freePort());
    const [port, opsPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    opsUrl = `http://127.0.0.1:${opsPort}`;
    proc = AppProcess.start('ingestion', {
      ...direct,
      DATABASE_URL: relay.url(direct.DATABASE_URL!),
      PORT: String(port),
      OPS_PORT: String(opsPort),
    });
  });
  afterAll(async () => {
    await proc?.stop();
    await relay?.cut();
  });

  it('listens, answers /ready 503 naming PostgreSQL and what to do, and webhooks 503 with Retry-After', async () => {
    await proc.waitForLine(/ingestion listening/, 60000);
    const ready = await fetch(`${opsUrl}/ready`);
    expect(ready.status).toBe(503);
    const { problems } = (await ready.json()) as { problems: string[] };
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^institutes not loaded from PostgreSQL yet \\(.*ECONNREFUSED.*\\): webhooks get 503 until they are\\. Check that PostgreSQL at 127\\.0\\.0\\.1:${relay.port}/wise_test is running`,
        ),
      ),
    ]);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const answer = await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('30');
    expect(answer.json.message).toMatch(/not loaded from PostgreSQL/);
    // An unknown institute gets the same answer: nothing can be told apart before institutes are known.
    expect((await post(`${url}/webhooks/wise/no-such-${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key })).status).toBe(
      503,
    );
    const retries = proc.lines.filter((l) => l.includes('could not load institutes from PostgreSQL')).map((l) => JSON.parse(l));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject({ level: 'warn', attempt: 1, retryInMs: 250 });
  });

  it('becomes ready once PostgreSQL is reachable, and accepts the webhook Wise retries', async () => {
    await relay.up();
    // Retries back off to at most 10 s apart.
    await waitFor('/ready 200 once PostgreSQL is back', async () => (await fetch(`${opsUrl}/ready`)).status === 200, 15000);
    const answer = await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('accepted');
    expect(proc.lines.some((l) => l.includes('institutes loaded from PostgreSQL; ready'))).toBe(true);
  });
});
