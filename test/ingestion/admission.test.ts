import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';
import { SlowUpload } from '../slow-upload';

const BODY_LIMIT = 64 * 1024;
const PROCESS_MAX = 1024 * 1024;
const INSTITUTE_MAX = 256 * 1024;

// Admission counts the bytes each body has actually sent, per institute and per process
// (apps/ingestion/src/webhooks/body-budget.ts), against the real ingestion app.
describe('ingestion admits bodies by bytes received, per institute and per process', () => {
  const env = testEnv({
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    INGEST_QUEUE_MAX_BYTES: String(PROCESS_MAX),
    INGEST_INSTITUTE_MAX_BYTES: String(INSTITUTE_MAX),
    // Long enough for the slow uploads to stay open through each test.
    REQUEST_TIMEOUT_MS: '30000',
  });
  const key = 'admission-key-0123456789abcdef';
  const greedy = uniqueSlug('greedy');
  const other = uniqueSlug('other');
  const fillers = [1, 2, 3, 4].map((i) => uniqueSlug(`fill${i}`));
  const late = uniqueSlug('late');
  let ingestion: RunningIngestion;
  const open: SlowUpload[] = [];
  const path = (slug: string) => `/webhooks/wise/${slug}`;
  const upload = (slug: string, length?: number) => {
    const u = new SlowUpload(ingestion.url, path(slug), { 'x-wise-key': key }, length);
    open.push(u);
    return u;
  };
  const send = (slug: string) => post(`${ingestion.url}${path(slug)}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });

  const metrics = async () => (await fetch(`${ingestion.opsUrl}/metrics`)).text();
  /** ingestion_inflight_body_bytes for one institute (0 when it holds nothing: no series). */
  const held = async (slug: string) => {
    const line = (await metrics())
      .split('\n')
      .find((l) => l.startsWith('ingestion_inflight_body_bytes{') && l.includes(`institute="${slug}"`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const refusals = async (slug: string, outcome: string) => {
    const line = (await metrics())
      .split('\n')
      .find(
        (l) => l.startsWith('ingestion_webhook_requests_total{') && l.includes(`institute="${slug}"`) && l.includes(`outcome="${outcome}"`),
      );
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const heldBecomes = (slug: string, bytes: number) =>
    waitFor(`${slug} to hold ${bytes} bytes`, async () => (await held(slug)) === bytes, 10000);

  beforeAll(async () => {
    for (const slug of [greedy, other, late, ...fillers]) await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });
  afterEach(async () => {
    for (const u of open.splice(0)) u.abort();
    for (const slug of [greedy, other, late, ...fillers]) await heldBecomes(slug, 0);
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  it('holds what an upload has sent, not what it declared or the body limit, and gives it back when the client goes away', async () => {
    const chunked = upload(greedy);
    chunked.send(Buffer.alloc(1000, 'x'));
    await heldBecomes(greedy, 1000);
    chunked.send(Buffer.alloc(24, 'x'));
    await heldBecomes(greedy, 1024);
    const declared = upload(greedy, BODY_LIMIT);
    declared.send(Buffer.alloc(1000, 'x'));
    await heldBecomes(greedy, 2024);
    chunked.abort();
    await heldBecomes(greedy, 1000);
    declared.abort();
    await heldBecomes(greedy, 0);
  });

  it("keeps one institute's many slow chunked uploads to its share, and the other institutes get 200", async () => {
    // 40 uploads of 8 KiB each would hold 320 KiB; the share is 256 KiB: 32 fit, 8 are refused.
    // Counted by declared or reserved body limit, as before, the first 16 would have filled the
    // whole process, and every institute would get 503.
    const uploads = Array.from({ length: 40 }, () => upload(greedy));
    let expected = 0;
    for (const u of uploads) {
      u.send(Buffer.alloc(8192, 'x'));
      // Each one in turn: held, or refused with an answer.
      await waitFor(
        'the upload held or refused',
        async () => u.answer.status === 503 || ((await held(greedy)) === expected + 8192 && (expected += 8192)),
        10000,
        10,
      );
    }
    const refused = uploads.filter((u) => u.answer.status === 503);
    expect(refused).toHaveLength(8);
    expect(await held(greedy)).toBe(INSTITUTE_MAX);
    // Refused while it was still sending: the answer names the limit and when to come back.
    const answer = refused[0].answer.text;
    expect(answer).toMatch(/\r\nretry-after: 34\r\n/i);
    expect(answer).toMatch(/already has \d+ bytes of webhook bodies in flight on this process, and INGEST_INSTITUTE_MAX_BYTES is 262144/);
    expect(refused[0].isClosed).toBe(false);
    expect(await refusals(greedy, 'institute_queue_full')).toBe(8);

    // The others are not touched by it, and the greedy institute's next webhook is refused from
    // its headers alone.
    const answers = await Promise.all([send(other), send(late)]);
    expect(answers.map((a) => [a.status, a.json.status])).toEqual([
      [200, 'accepted'],
      [200, 'accepted'],
    ]);
    const own = await send(greedy);
    expect(own.status).toBe(503);
    expect(own.json.message).toMatch(/INGEST_INSTITUTE_MAX_BYTES/);

    for (const u of uploads) u.abort();
    await heldBecomes(greedy, 0);
    expect((await send(greedy)).status).toBe(200);
  });

  it('refuses by the whole process once the institutes together fill it, naming INGEST_QUEUE_MAX_BYTES', async () => {
    // Four institutes, each within its share, hold 4 × 4 × 64,000 = 1,024,000 of 1,048,576 bytes.
    for (const slug of fillers) {
      for (let i = 0; i < 4; i++) upload(slug, 64_000).send(Buffer.alloc(64_000 - 1, 'x'));
      await heldBecomes(slug, 4 * (64_000 - 1));
    }
    const refused = await post(`${ingestion.url}${path(late)}`, Buffer.alloc(30_000, 'x'), { 'x-wise-key': key });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('34');
    expect(refused.json.message).toMatch(
      /bytes of webhook bodies are already in flight on this process, and INGEST_QUEUE_MAX_BYTES is 1048576/,
    );
    expect(await refusals(late, 'queue_full')).toBe(1);
  });
});
