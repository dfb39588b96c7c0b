import { request } from 'node:http';
import { parseEnvelope, QuarantineEnvelope } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion, withRepository } from '../helpers';

const brokers = (env: NodeJS.ProcessEnv) => env.KAFKA_BROKERS!.split(',');

describe('ingestion refuses what is not authenticated and stores nothing of it', () => {
  const env = testEnv();
  const slug = uniqueSlug('auth');
  const disabled = uniqueSlug('off');
  const key = 'auth-key-0123456789abcdef';
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    await addInstitute(env, disabled, key);
    await withRepository(env, (r) => r.setEnabled(disabled, false));
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  it.each([
    ['a wrong key', () => slug, { 'x-wise-key': 'wrong-key-0123456789abcdef' }],
    ['no key', () => slug, {}],
    ['the key in another header', () => slug, { authorization: key }],
    ['an unknown institute', () => 'no-such-institute', { 'x-wise-key': key }],
    ['a disabled institute', () => disabled, { 'x-wise-key': key }],
  ])('%s → 401 with a reason', async (_case, target, headers) => {
    const res = await post(
      `${ingestion.url}/webhooks/wise/${target()}`,
      fixtureBytes('FeePaymentCompletedEvent'),
      headers as Record<string, string>,
    );
    expect(res.status).toBe(401);
    expect(res.json.message).toMatch(/missing or wrong key for institute/);
  });

  it('left no message on any topic', async () => {
    expect(await readTopic(brokers(env), env.KAFKA_EVENTS_TOPIC!)).toHaveLength(0);
    expect(await readTopic(brokers(env), env.KAFKA_QUARANTINE_TOPIC!)).toHaveLength(0);
  });

  it('counted the refusals in its metrics', async () => {
    const text = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('ingestion_webhook_requests_total') && l.includes(`institute="${slug}"`) && l.includes('outcome="unauthorized"'),
      );
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').pop())).toBe(3);
  });
});

describe('ingestion keeps an authenticated body that is not a valid event, with its reason', () => {
  const env = testEnv();
  const slug = uniqueSlug('quar');
  const key = 'quar-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const send = (body: Buffer | string) => post(`${ingestion.url}/webhooks/wise/${slug}`, body, { 'x-wise-key': key });

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  it.each([
    ['malformed JSON', '{"event": "FeeInvoiceChargedEvent", "payload": {', /not valid JSON/],
    ['an unknown event', '{"event": "HomeworkSubmittedEvent", "payload": {}}', /unknown event name "HomeworkSubmittedEvent"/],
    [
      'a schema failure',
      fixtureBytes('FeeInvoiceChargedEvent').toString().replace('"value": 10000', '"value": "ten thousand"'),
      /FeeInvoiceChargedEvent: payload\.transaction\.amount\.value/,
    ],
    ['an empty body', '', /empty body/],
  ])('%s → 200, kept in the quarantine topic with a readable reason', async (_case, body, reason) => {
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('quarantined');
    expect(res.json.reason).toMatch(reason);
    const kept = (await readTopic(brokers(env), env.KAFKA_QUARANTINE_TOPIC!)).map(
      (m) => JSON.parse(m.value.toString()) as QuarantineEnvelope,
    );
    const mine = kept.find((q) => q.eventId === res.json.eventId);
    expect(mine).toMatchObject({ instituteId: slug, rawEncoding: 'utf8', raw: body.toString() });
    expect(mine!.reason).toMatch(reason);
  });

  it('answers 413 to a 2 MiB body and stores nothing of it', async () => {
    const before = (await readTopic(brokers(env), env.KAFKA_QUARANTINE_TOPIC!)).length;
    const big = `{"event":"FeeInvoiceChargedEvent","payload":{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}}`;
    const res = await send(big);
    expect(res.status).toBe(413);
    expect(res.json.message).toMatch(/too large/i);
    expect((await readTopic(brokers(env), env.KAFKA_QUARANTINE_TOPIC!)).length).toBe(before);
    expect(await readTopic(brokers(env), env.KAFKA_EVENTS_TOPIC!)).toHaveLength(0);
  });

  it('answers the same event id for the same body sent twice', async () => {
    const body = fixtureBytes('CertificateIssuedEvent');
    const [a, b] = [await send(body), await send(body)];
    expect(a.json.status).toBe('accepted');
    expect(b.json.eventId).toBe(a.json.eventId);
    const other = await send(Buffer.concat([body, Buffer.from(' ')]));
    expect(other.json.eventId).not.toBe(a.json.eventId);
    await waitFor('both deliveries on the topic', async () => (await readTopic(brokers(env), env.KAFKA_EVENTS_TOPIC!)).length === 3);
  });
});

describe('ingestion keeps an authenticated body whatever its Content-Type says', () => {
  const env = testEnv();
  const slug = uniqueSlug('ctype');
  const key = 'ctype-key-0123456789abcdef';
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  /** node:http, so that any Content-Type (or none) is sent exactly as given. */
  const sendTyped = (body: Buffer, contentType: string | null) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const { hostname, port } = new URL(ingestion.url);
      const headers: Record<string, string> = { 'x-wise-key': key, 'content-length': String(body.length) };
      if (contentType !== null) headers['content-type'] = contentType;
      const req = request({ hostname, port, path: `/webhooks/wise/${slug}`, method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it.each([['json'], [''], ['application/json, text/plain'], [';'], ['text/plain'], [null]])(
    'keeps an authenticated body whatever its Content-Type (%j): a valid event stored, anything else quarantined',
    async (contentType) => {
      const valid = Buffer.from(
        fixtureBytes('MeetingStartedEvent')
          .toString()
          .replace(/\}\s*$/, `,"ct":${JSON.stringify(contentType)}}`),
      );
      const invalid = Buffer.from(`not json, sent as ${JSON.stringify(contentType)}`);
      const stored = await sendTyped(valid, contentType);
      expect(stored).toMatchObject({ status: 200, json: { status: 'accepted' } });
      const kept = await sendTyped(invalid, contentType);
      expect(kept).toMatchObject({ status: 200, json: { status: 'quarantined', reason: expect.stringMatching(/not valid JSON/) } });
      const events = (await readTopic(brokers(env), env.KAFKA_EVENTS_TOPIC!)).map((m) => parseEnvelope(m.value));
      expect(events.some((e) => e.ok && e.head.eventId === stored.json.eventId && e.rawBody.equals(valid))).toBe(true);
      const quarantined = (await readTopic(brokers(env), env.KAFKA_QUARANTINE_TOPIC!)).map(
        (m) => JSON.parse(m.value.toString()) as QuarantineEnvelope,
      );
      expect(quarantined.find((q) => q.eventId === kept.json.eventId)?.raw).toBe(invalid.toString());
    },
  );
});
