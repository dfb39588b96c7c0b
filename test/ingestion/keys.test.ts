import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { hashInstituteKey } from '@wise/contracts';
import { addInstitute, post, RunningIngestion, startIngestion, withRepository } from '../helpers';

// Institutes change while ingestion runs: it must see each change within seconds, without restart.
describe('key rotation and institute changes reach a running ingestion', () => {
  const env = testEnv({ INSTITUTES_REFRESH_MS: '200' });
  const slug = uniqueSlug('rot');
  const oldKey = 'old-key-0123456789abcdef';
  const newKey = 'new-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const send = (key: string) =>
    post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('StudentAddedToClassroomEvent'), { 'x-wise-key': key });
  const statusWith = (key: string, want: number) =>
    waitFor(`status ${want} with that key`, async () => (await send(key)).status === want, 10000);

  beforeAll(async () => {
    await addInstitute(env, slug, oldKey);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  it('accepts the old key before rotation and refuses the new one', async () => {
    expect((await send(oldKey)).status).toBe(200);
    expect((await send(newKey)).status).toBe(401);
  });

  it('accepts both keys after rotation, until the old one is retired', async () => {
    await withRepository(env, (r) => r.addKey(slug, hashInstituteKey(newKey)));
    await statusWith(newKey, 200);
    expect((await send(oldKey)).status).toBe(200);
    await withRepository(env, (r) => r.retireKeysExceptNewest(slug));
    await statusWith(oldKey, 401);
    expect((await send(newKey)).status).toBe(200);
  });

  it('follows a change of the key header', async () => {
    await withRepository(env, (r) => r.setKeyHeader(slug, 'x-other-header'));
    await waitFor(
      'the new header to be read',
      async () =>
        (await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('StudentAddedToClassroomEvent'), { 'x-other-header': newKey }))
          .status === 200,
      10000,
    );
    expect((await send(newKey)).status).toBe(401);
    await withRepository(env, (r) => r.setKeyHeader(slug, 'x-wise-key'));
    await statusWith(newKey, 200);
  });

  it('refuses everything once the institute is disabled, and accepts again when enabled', async () => {
    await withRepository(env, (r) => r.setEnabled(slug, false));
    await statusWith(newKey, 401);
    await withRepository(env, (r) => r.setEnabled(slug, true));
    await statusWith(newKey, 200);
  });

  it('published only what it answered 200 to (all the same body, so one event id)', async () => {
    const messages = await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!);
    expect(messages.length).toBeGreaterThanOrEqual(5);
    expect(new Set(messages.map((m) => m.key))).toEqual(new Set([`${slug}:665f1c2a9b1e4a0012345601`]));
  });
});
