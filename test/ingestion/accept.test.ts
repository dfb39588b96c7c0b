import { parseEnvelope, WISE_EVENT_NAMES } from '@wise/contracts';
import { fixtureBytes, fixtureNames, readTopic, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';

// Every Wise event of WISE_EVENT_NAMES, sent as its fixture, comes back from Kafka as an envelope with
// the body byte for byte, the institute, the derived id, and a key naming the ordered entity.
describe('ingestion accepts every Wise event and publishes its envelope', () => {
  const env = testEnv();
  const slug = uniqueSlug('accept');
  const key = 'accept-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const answers = new Map<string, { status: number; eventId: string }>();

  beforeAll(async () => {
    await addInstitute(env, slug, key, 'x-custom-wise-key');
    ingestion = await startIngestion(env);
    for (const name of fixtureNames()) {
      const res = await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes(name), { 'x-custom-wise-key': key });
      answers.set(name, { status: res.status, eventId: res.json.eventId });
    }
  });

  afterAll(async () => {
    await ingestion?.stop();
  });

  it('has a fixture for each event of WISE_EVENT_NAMES', () => {
    expect(fixtureNames()).toEqual([...WISE_EVENT_NAMES].sort());
  });

  it.each([...WISE_EVENT_NAMES])('%s: 200, then its envelope is on the events topic', async (name) => {
    expect(answers.get(name)?.status).toBe(200);
    const messages = await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!);
    const mine = messages.filter(
      (m) => parseEnvelope(m.value).ok && (parseEnvelope(m.value) as { head: { eventName: string } }).head.eventName === name,
    );
    expect(mine).toHaveLength(1);
    const parsed = parseEnvelope(mine[0].value);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.rawBody.equals(fixtureBytes(name))).toBe(true);
    expect(parsed.head).toMatchObject({ v: 1, instituteId: slug, eventName: name, eventId: answers.get(name)!.eventId });
    expect(parsed.head.receivedAt).toBeGreaterThan(Date.now() - 120_000);
    const entity = ['Meeting', 'Participant', 'Sharing', 'Recording', 'Attendance'].some((p) => name.startsWith(p))
      ? parsed.head.sessionId
      : parsed.head.classroomId;
    expect(entity).toBeTruthy();
    expect(mine[0].key).toBe(`${slug}:${entity}`);
  });

  it('puts nothing on the quarantine topic for valid events', async () => {
    expect(await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_QUARANTINE_TOPIC!)).toHaveLength(0);
  });

  it('never writes the key to its logs', () => {
    expect(ingestion.proc.lines.length).toBeGreaterThan(0);
    expect(ingestion.proc.lines.join('\n')).not.toContain(key);
  });
});
