import { randomBytes } from 'node:crypto';
import { QuarantineEnvelope } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';

const LIMIT = 1024 * 1024;

/** A valid event padded with random base64 to exactly `size` bytes: nothing in it compresses. */
function eventOfSize(size: number): Buffer {
  const head = fixtureBytes('StudentAddedToClassroomEvent')
    .toString()
    .trim()
    .replace(/\}\s*$/, ',"pad":"');
  const pad = randomBytes(size)
    .toString('base64')
    .slice(0, size - Buffer.byteLength(head) - 2);
  const body = Buffer.from(`${head}${pad}"}`);
  expect(body.length).toBe(size);
  return body;
}

// Every body up to BODY_LIMIT_BYTES must fit in Kafka, whatever shares its batch.
describe('a body of exactly BODY_LIMIT_BYTES is stored, and fails none of its neighbours', () => {
  const env = testEnv({ BODY_LIMIT_BYTES: String(LIMIT) });
  const slug = uniqueSlug('lim');
  const key = 'limit-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const send = (body: Buffer) => post(`${ingestion.url}/webhooks/wise/${slug}`, body, { 'x-wise-key': key });
  const brokers = () => env.KAFKA_BROKERS!.split(',');

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  it('accepts an incompressible body of exactly the limit alongside 50 concurrent ordinary bodies, all stored', async () => {
    const big = eventOfSize(LIMIT);
    const ordinary = Array.from({ length: 50 }, (_, i) =>
      Buffer.from(
        fixtureBytes('MeetingStartedEvent')
          .toString()
          .replace(/\}\s*$/, `,"n":${i}}`),
      ),
    );
    const answers = await Promise.all([send(big), ...ordinary.map(send)]);
    expect(answers.map((a) => a.status)).toEqual(new Array(51).fill(200));
    expect(answers.map((a) => a.json.status)).toEqual(new Array(51).fill('accepted'));
    const stored = await readTopic(brokers(), env.KAFKA_EVENTS_TOPIC!);
    expect(stored).toHaveLength(51);
    expect(stored.some((m) => m.value.includes(big))).toBe(true);
  });

  it('one byte more gets 413', async () => {
    expect((await send(eventOfSize(LIMIT + 1))).status).toBe(413);
  });

  it.each([
    [
      'invalid UTF-8 (kept as base64, 4/3 of its size)',
      () => Buffer.concat([Buffer.from('{"event":"x","p":"'), randomBytes(LIMIT - 20).map((b) => b | 0x80), Buffer.from('"}')]),
      'base64',
    ],
    [
      'control characters (JSON-escaped they would be 6 times larger)',
      () => Buffer.concat([Buffer.from('{"event":"x","p":"'), Buffer.alloc(LIMIT - 20, 1), Buffer.from('"}')]),
      'base64',
    ],
    [
      'an unknown event name (kept whole, the name made the record hold the body twice)',
      () => Buffer.from(`{"event":"${'E'.repeat(LIMIT - 25)}","payload":{}}`),
      'utf8',
    ],
  ] as const)('quarantines a body of the limit full of %s, raw bytes kept', async (_case, make, encoding) => {
    const body = make();
    expect(body.length).toBe(LIMIT);
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('quarantined');
    const kept = (await readTopic(brokers(), env.KAFKA_QUARANTINE_TOPIC!))
      .map((m) => JSON.parse(m.value.toString()) as QuarantineEnvelope)
      .find((q) => q.eventId === res.json.eventId)!;
    expect(kept.rawEncoding).toBe(encoding);
    expect(Buffer.from(kept.raw, encoding).equals(body)).toBe(true);
  });
});
