import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, RunningIngestion, startIngestion } from '../helpers';
import { SlowUpload } from '../slow-upload';

const BODY_LIMIT = 64 * 1024;
const KEY = 'early-answer-key-0123456789abcdef';
const wrongKey = { 'x-wise-key': 'wrong-key-0123456789abcdef' };

// An answer given before the body has all arrived must reach a sender that is still writing: the
// connection is not closed under it (apps/ingestion/src/webhooks/early-answer.ts). Each case sends
// part of the body, reads the answer, checks the connection is still open, then sends the rest.
// Closed at the answer, as Node does for `Connection: close`, the first check fails every time;
// with a whole body written at once, the sender saw EPIPE instead of its answer now and then.
describe('an early answer does not close the connection under a sender still writing', () => {
  const env = testEnv({ BODY_LIMIT_BYTES: String(BODY_LIMIT), REQUEST_TIMEOUT_MS: '30000' });
  const slug = uniqueSlug('early');
  const path = `/webhooks/wise/${slug}`;
  let ingestion: RunningIngestion;
  const open: SlowUpload[] = [];

  beforeAll(async () => {
    await addInstitute(env, slug, KEY);
    ingestion = await startIngestion(env);
  });
  afterEach(() => {
    for (const u of open.splice(0)) u.abort();
  });
  afterAll(async () => {
    await ingestion?.stop();
  });

  /** A body of `length` declared (chunked when undefined), its first `before` bytes sent, and the answer to them. */
  async function answeredEarly(headers: Record<string, string>, length: number | undefined, before = 16 * 1024) {
    const u = new SlowUpload(ingestion.url, path, headers, length);
    open.push(u);
    while (u.sent < before) u.send(Buffer.alloc(Math.min(16 * 1024, before - u.sent), 'x'));
    const answer = await u.answered(10000);
    return { u, answer };
  }

  /** The rest of the body, in pieces as a sender writes it (a chunked one to `total`, then its end). */
  function sendRest(u: SlowUpload, total: number, chunked = false): void {
    while (u.sent < total) if (!u.send(Buffer.alloc(Math.min(64 * 1024, total - u.sent), 'x'))) return;
    if (chunked) u.finish();
  }

  const MiB2 = 2 * 1024 * 1024;

  it.each([
    ['a wrong key', wrongKey, MiB2, 16 * 1024, 401, /missing or wrong key/],
    ['a declared length over the limit', { 'x-wise-key': KEY }, MiB2, 16 * 1024, 413, /BODY_LIMIT_BYTES = 65536/],
    ['a compressed body', { 'x-wise-key': KEY, 'content-encoding': 'gzip' }, 40 * 1024, 16 * 1024, 415, /send the body uncompressed/],
    // Fastify's own limit, met while reading: it asks to close, and its reading stops mid-body.
    ['a chunked body over the limit', { 'x-wise-key': KEY }, undefined, 80 * 1024, 413, /Request body is too large/],
  ])(
    '%s, sender asking to close: answered, kept open until the body is in, then closed without a reset',
    async (_n, headers, length, before, status, reason) => {
      const { u, answer } = await answeredEarly({ ...headers, connection: 'close' }, length, before);
      expect(answer.status).toBe(status);
      expect(answer.text).toMatch(reason);
      expect(await u.closedWithin(300)).toBe(false);
      sendRest(u, length ?? MiB2, length === undefined);
      expect(u.sent).toBe(length ?? MiB2);
      expect(await u.closedWithin(10000)).toBe(true);
      expect(u.error).toBeNull();
    },
  );

  it('a wrong key and a whole body written at once, sender asking to close: answered, then closed without a reset', async () => {
    const u = new SlowUpload(ingestion.url, path, { ...wrongKey, connection: 'close' }, 4096);
    open.push(u);
    u.send(Buffer.alloc(4096, 'x'));
    expect((await u.answered(10000)).status).toBe(401);
    expect(await u.closedWithin(10000)).toBe(true);
    expect(u.error).toBeNull();
  });

  it.each([
    ['a wrong key', wrongKey, 256 * 1024, 16 * 1024, 401],
    ['a chunked body over the limit', { 'x-wise-key': KEY }, undefined, 80 * 1024, 413],
  ])(
    '%s, sender keeping the connection: the same connection serves its next webhook once the body is in',
    async (_n, headers, length, before, status) => {
      const { u, answer } = await answeredEarly(headers, length, before);
      expect(answer.status).toBe(status);
      sendRest(u, length ?? 256 * 1024, length === undefined);
      const body = fixtureBytes('MeetingStartedEvent');
      u.writeRaw(`POST ${path} HTTP/1.1\r\nhost: wise.test\r\nx-wise-key: ${KEY}\r\ncontent-length: ${body.length}\r\n\r\n`);
      u.writeRaw(body);
      const served = /HTTP\/1\.1 200[^]*"status":"accepted"/;
      await waitFor('the next webhook answered on the same connection', async () => served.test(u.answer.text), 10000, 20);
      expect(u.answer.text).toMatch(served);
      expect(u.isClosed).toBe(false);
      expect(u.error).toBeNull();
    },
  );
});

// Node checks request deadlines on an interval that server.close() stops, so without a deadline
// of its own a sender trickling the rest of a refused body would hold the shutdown for as long as
// it kept writing (each byte restarts the socket's idle timer).
describe('a sender trickling a refused body does not hold the shutdown past its request deadline', () => {
  const env = testEnv({ BODY_LIMIT_BYTES: String(BODY_LIMIT), REQUEST_TIMEOUT_MS: '3000' });
  const slug = uniqueSlug('trickle');
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, KEY);
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    if (ingestion?.proc.child.exitCode === null) await ingestion.proc.stop('SIGKILL');
  });

  it('stops while the sender still writes, its connection closed at the deadline', async () => {
    const u = new SlowUpload(ingestion.url, `/webhooks/wise/${slug}`, { ...wrongKey, connection: 'close' }, 1024 * 1024);
    u.send(Buffer.alloc(1024, 'x'));
    expect((await u.answered(10000)).status).toBe(401);
    // 1 KiB every 200 ms would take 200 s to send the whole body.
    const trickle = setInterval(() => u.send(Buffer.alloc(1024, 'x')), 200);
    try {
      const stopping = ingestion.stop();
      // The deadline is 3 s from the request's start; the trickle would go on far longer.
      expect(await u.closedWithin(10000)).toBe(true);
      const exited = await Promise.race([stopping.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20000))]);
      expect(exited).toBe(true);
    } finally {
      clearInterval(trickle);
      u.abort();
    }
  });
});
