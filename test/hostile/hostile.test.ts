import { request } from 'node:http';
import { parseEnvelope, QuarantineEnvelope } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, RunningIngestion, startIngestion } from '../helpers';
import { generated, handWritten, HostileInput } from './corpus';

const BODY_LIMIT = 1024 * 1024;
const KEY = 'hostile-key-0123456789abcdef';

/** One raw request (node:http, so that any path, header and body can be sent as is). */
function send(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const req = request(
      {
        hostname,
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(Buffer.concat(chunks).toString());
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    // The server may answer (401, 413, 415) before the whole body is written; the answer counts.
    req.on('error', (e) => resolve({ status: 0, json: { error: e.message } }));
    req.end(body);
  });
}

describe('hostile inputs: every one answered as designed, nothing lost, nothing unauthenticated stored', () => {
  const env = testEnv({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  const slug = uniqueSlug('hostile');
  const corpus: HostileInput[] = [...handWritten(BODY_LIMIT), ...generated()];
  const answers: Array<{ input: HostileInput; status: number; json: Record<string, unknown> }> = [];
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, KEY);
    ingestion = await startIngestion(env);
    // Concurrency as Wise sends: a few at a time, so ordering cannot hide a problem either way.
    const queue = [...corpus];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let input = queue.shift(); input; input = queue.shift()) {
          const path =
            typeof input.target === 'object' ? input.target.path : `/webhooks/wise/${input.target === 'own' ? slug : 'no-such-institute'}`;
          const headers = { ...(input.withKey ? { 'x-wise-key': KEY } : {}), ...input.headers };
          answers.push({ input, ...(await send(ingestion.url, path, headers, input.body)) });
        }
      }),
    );
  }, 300000);
  afterAll(async () => {
    await ingestion?.stop();
  });

  it('has at least 200 inputs, hand-written and generated', () => {
    expect(handWritten(BODY_LIMIT).length).toBeGreaterThanOrEqual(50);
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(answers).toHaveLength(corpus.length);
  });

  it('answers each input as expected (status, outcome, reason)', () => {
    const wrong: string[] = [];
    for (const { input, status, json } of answers) {
      const e = input.expected;
      const fine =
        status === e.status &&
        (!('outcome' in e) || (json.status === e.outcome && (e.outcome === 'accepted' || e.reason.test(String(json.reason)))));
      if (!fine)
        wrong.push(
          `${input.name}: expected ${JSON.stringify({ ...e, reason: 'reason' in e ? String(e.reason) : undefined })}, got ${status} ${JSON.stringify(json).slice(0, 300)}`,
        );
    }
    expect(wrong).toEqual([]);
  });

  it('never quotes the body in a reason', () => {
    for (const { json } of answers) if (typeof json.reason === 'string') expect(json.reason).not.toMatch(/DROP TABLE|evil|Robert/);
  });

  it('stored exactly the bodies it answered 200 to, byte for byte, and nothing else', async () => {
    const brokers = env.KAFKA_BROKERS!.split(',');
    const events = new Map<string, Buffer>();
    for (const m of await readTopic(brokers, env.KAFKA_EVENTS_TOPIC!)) {
      const parsed = parseEnvelope(m.value);
      if (!parsed.ok) throw new Error(parsed.reason);
      events.set(parsed.head.eventId, parsed.rawBody);
    }
    const quarantine = new Map<string, Buffer>();
    for (const m of await readTopic(brokers, env.KAFKA_QUARANTINE_TOPIC!)) {
      const q = JSON.parse(m.value.toString()) as QuarantineEnvelope;
      quarantine.set(q.eventId, Buffer.from(q.raw, q.rawEncoding === 'base64' ? 'base64' : 'utf8'));
      expect(q.instituteId).toBe(slug);
    }
    const ok = answers.filter((a) => a.status === 200);
    const wantEvents = new Set(ok.filter((a) => a.json.status === 'accepted').map((a) => a.json.eventId as string));
    const wantQuarantine = new Set(ok.filter((a) => a.json.status === 'quarantined').map((a) => a.json.eventId as string));
    expect(new Set(events.keys())).toEqual(wantEvents);
    expect(new Set(quarantine.keys())).toEqual(wantQuarantine);
    for (const a of ok) {
      const stored = (a.json.status === 'accepted' ? events : quarantine).get(a.json.eventId as string)!;
      const sent = a.input.body;
      // A leading byte-order mark is kept too: stored is what was sent, byte for byte.
      expect(stored.equals(sent)).toBe(true);
    }
  });

  it('is still healthy and accepting at the end', async () => {
    expect((await fetch(`${ingestion.url}/health`)).status).toBe(200);
    expect((await fetch(`${ingestion.url}/ready`)).status).toBe(200);
    const res = await send(ingestion.url, `/webhooks/wise/${slug}`, { 'x-wise-key': KEY }, fixtureBytes('MeetingEndedEvent'));
    expect(res).toMatchObject({ status: 200, json: { status: 'accepted' } });
    expect(ingestion.proc.child.exitCode).toBeNull();
  });
});
