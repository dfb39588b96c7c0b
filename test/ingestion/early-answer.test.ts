import { fixtureBytes, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, RunningIngestion, startIngestion } from '../helpers';
import { SlowUpload } from '../slow-upload';

const BODY_LIMIT = 64 * 1024;
const KEY = 'early-answer-key-0123456789abcdef';

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

  /** A body of `length` declared, its first 16 KiB sent, and the answer to it. */
  async function answeredEarly(headers: Record<string, string>, length: number) {
    const u = new SlowUpload(ingestion.url, path, headers, length);
    open.push(u);
    u.send(Buffer.alloc(16 * 1024, 'x'));
    const answer = await u.answered(10000);
    return { u, answer };
  }

  /** The rest of the body, in pieces as a sender writes it. */
  function sendRest(u: SlowUpload, length: number): void {
    while (u.sent < length) if (!u.send(Buffer.alloc(Math.min(64 * 1024, length - u.sent), 'x'))) return;
  }

  it.each([
    ['a wrong key', { 'x-wise-key': 'wrong-key-0123456789abcdef' }, 2 * 1024 * 1024, 401, /missing or wrong key/],
    ['a body over the limit', { 'x-wise-key': KEY }, 2 * 1024 * 1024, 413, /BODY_LIMIT_BYTES = 65536/],
    ['a compressed body', { 'x-wise-key': KEY, 'content-encoding': 'gzip' }, 40 * 1024, 415, /send the body uncompressed/],
  ])(
    '%s, sender asking to close: answered, kept open until the body is in, then closed without a reset',
    async (_n, headers, length, status, reason) => {
      const { u, answer } = await answeredEarly({ ...headers, connection: 'close' }, length);
      expect(answer.status).toBe(status);
      expect(answer.text).toMatch(reason);
      expect(await u.closedWithin(300)).toBe(false);
      sendRest(u, length);
      expect(u.sent).toBe(length);
      expect(await u.closedWithin(10000)).toBe(true);
      expect(u.error).toBeNull();
    },
  );

  it('a wrong key, sender keeping the connection: the same connection serves its next webhook once the body is in', async () => {
    const length = 256 * 1024;
    const { u, answer } = await answeredEarly({ 'x-wise-key': 'wrong-key-0123456789abcdef' }, length);
    expect(answer.status).toBe(401);
    sendRest(u, length);
    const body = fixtureBytes('MeetingStartedEvent');
    u.send(`POST ${path} HTTP/1.1\r\nhost: wise.test\r\nx-wise-key: ${KEY}\r\ncontent-length: ${body.length}\r\n\r\n`);
    u.send(body);
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !/HTTP\/1\.1 200[^]*"status":"accepted"/.test(u.answer.text))
      await new Promise((r) => setTimeout(r, 20));
    expect(u.answer.text).toMatch(/HTTP\/1\.1 200[^]*"status":"accepted"/);
    expect(u.isClosed).toBe(false);
    expect(u.error).toBeNull();
  });
});
