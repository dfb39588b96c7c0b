import { parseEnvelope } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';

// Keys named __proto__ or constructor in a body must be kept as data and change no behaviour:
// not the verdict on that body, not the verdict on the next request.
describe('bodies with __proto__ and constructor keys change nothing', () => {
  const env = testEnv();
  const slug = uniqueSlug('proto');
  const key = 'proto-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const send = (body: string, k = key) => post(`${ingestion.url}/webhooks/wise/${slug}`, body, { 'x-wise-key': k });

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  const valid = fixtureBytes('FeePaymentCompletedEvent').toString();
  const withProto = valid.replace(
    '"payload": {',
    '"__proto__": {"ok": true, "event": "MeetingStartedEvent"}, "constructor": {"prototype": {"polluted": 1}}, "payload": {"__proto__": {"transaction": 1},',
  );

  it('accepts a valid body carrying those keys, and keeps them in the stored bytes', async () => {
    expect(withProto).not.toBe(valid);
    const res = await send(withProto);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('accepted');
    const messages = await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!);
    const mine = messages.map((m) => parseEnvelope(m.value)).find((p) => p.ok && p.head.eventId === res.json.eventId);
    expect(mine?.ok && mine.rawBody.toString()).toBe(withProto);
    expect(mine?.ok && mine.head.eventName).toBe('FeePaymentCompletedEvent');
  });

  it('still quarantines an invalid body that only a polluted prototype would make valid', async () => {
    const res = await send('{"__proto__": {"event": "FeePaymentCompletedEvent", "payload": {}}}');
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('quarantined');
    expect(res.json.reason).toMatch(/event/);
  });

  it('still refuses a wrong key and accepts the plain body afterwards', async () => {
    expect((await send(valid, 'wrong-key-0123456789abcdef')).status).toBe(401);
    expect((await send(valid)).json.status).toBe('accepted');
  });
});
