import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { hashInstituteKey } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, freePort, post, RunningIngestion, startIngestion, withRepository } from '../helpers';
import { CuttablePostgres } from './cuttable-postgres';

/** A raw HTTP/1.1 exchange: what the server answers (and whether it closed) after we wrote `head`. */
function rawRequest(url: string, head: string, body?: Buffer): Promise<{ status: number; text: string; closed: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}$/.test(data)) {
        socket.destroy();
        resolve({ status: Number(data.slice(9, 12)), text: data, closed: false });
      }
    });
    socket.on('close', () => resolve({ status: Number(data.slice(9, 12)) || 0, text: data, closed: true }));
    socket.on('error', reject);
    socket.write(head);
    if (body) socket.write(body);
  });
}

describe('the webhook guard answers before reading the body, and cuts off slow senders', () => {
  const direct = testEnv();
  let relay: CuttablePostgres;
  let env: NodeJS.ProcessEnv;
  const pinned = uniqueSlug('pin');
  const learning = uniqueSlug('learn');
  const key = 'guard-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const url = (slug: string) => `${ingestion.url}/webhooks/wise/${slug}`;
  const brokers = () => direct.KAFKA_BROKERS!.split(',');
  const path = (slug: string) => `/webhooks/wise/${slug}`;

  beforeAll(async () => {
    relay = new CuttablePostgres(await freePort());
    await relay.up();
    env = {
      ...direct,
      DATABASE_URL: direct.DATABASE_URL!.replace('127.0.0.1:5432', `127.0.0.1:${relay.port}`),
      REQUEST_TIMEOUT_MS: '1500',
      INSTITUTES_MAX_STALENESS_MS: '2000',
      INSTITUTES_REFRESH_MS: '200',
    };
    await addInstitute(direct, pinned, key);
    await withRepository(direct, (r) => r.add(learning, learning, null, hashInstituteKey(key)));
    ingestion = await startIngestion(env);
  });
  afterAll(async () => {
    await ingestion?.stop();
    await relay?.cut();
  });

  it('answers 401 to a wrong key having read only the headers of a 1 MiB request', async () => {
    const res = await rawRequest(
      ingestion.url,
      `POST ${path(pinned)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-wise-key: wrong-key-0123456789abcdef\r\nContent-Length: 1048576\r\n\r\n`,
    );
    expect(res.status).toBe(401);
    expect(res.text).toMatch(/missing or wrong key/);
  });

  it('answers 413 to an oversized body before it is sent, and keeps the connection for the answer', async () => {
    const res = await rawRequest(
      ingestion.url,
      `POST ${path(pinned)} HTTP/1.1\r\nHost: x\r\nx-wise-key: ${key}\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`,
    );
    expect(res.status).toBe(413);
    expect(res.text).not.toMatch(/connection: close/i);
  });

  it('answers 415 to a gzip or deflate body (not inflated, nothing stored)', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post(url(pinned), gzipSync(fixtureBytes('StudentAddedToClassroomEvent')), {
        'x-wise-key': key,
        'content-encoding': encoding,
      });
      expect(res.status).toBe(415);
      expect(res.json.message).toMatch(/send the body uncompressed/);
    }
    // A zip bomb is never inflated: refused from its headers alone.
    const bomb = await rawRequest(
      ingestion.url,
      `POST ${path(pinned)} HTTP/1.1\r\nHost: x\r\nx-wise-key: ${key}\r\nContent-Encoding: gzip\r\nContent-Length: 1000\r\n\r\n`,
    );
    expect(bomb.status).toBe(415);
    expect(await readTopic(brokers(), direct.KAFKA_EVENTS_TOPIC!).catch(() => [])).toHaveLength(0);
  });

  it('cuts off a client that sends its headers one byte at a time (slowloris)', async () => {
    const { port } = new URL(ingestion.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const head = `POST ${path(pinned)} HTTP/1.1\r\nHost: x\r\n` + 'x-padding: ' + 'a'.repeat(400);
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && sent < head.length) socket.write(head[sent++]);
    }, 100);
    await closed;
    clearInterval(timer);
    expect(sent).toBeLessThan(head.length); // the server closed it before the headers were complete
  });

  it('cuts off a client that dribbles its body', async () => {
    const { port } = new URL(ingestion.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST ${path(pinned)} HTTP/1.1\r\nHost: x\r\nx-wise-key: ${key}\r\nContent-Length: 400\r\n\r\n`);
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && sent < 400) {
        socket.write('x');
        sent++;
      }
    }, 100);
    await closed;
    clearInterval(timer);
    expect(sent).toBeLessThan(400);
    expect(answer).not.toMatch(/HTTP\/1\.1 200/);
  });

  describe('learning mode', () => {
    it.each([
      ['authorization', key],
      ['authorization', `Bearer ${key}`],
      ['x-wise-signature-key', key],
    ])('accepts the key in %s (%s) and records that header', async (header, value) => {
      await withRepository(direct, (r) => r.setKeyHeader(learning, null));
      const res = await post(url(learning), fixtureBytes('StudentAddedToClassroomEvent'), { [header]: value });
      expect(res.status).toBe(200);
      expect(res.json.status).toBe('accepted');
      await waitFor(
        `${header} recorded as learned`,
        async () => (await withRepository(direct, (r) => r.list())).find((i) => i.slug === learning)?.learnedHeader === header,
        10000,
      );
    });

    it('once the learned header is pinned, only that header works', async () => {
      await withRepository(direct, (r) => r.pinLearnedHeader(learning));
      await waitFor(
        'the pin to reach ingestion',
        async () => (await post(url(learning), fixtureBytes('StudentAddedToClassroomEvent'), { authorization: key })).status === 401,
        10000,
      );
      expect((await post(url(learning), fixtureBytes('StudentAddedToClassroomEvent'), { 'x-wise-signature-key': key })).status).toBe(200);
    });

    it('logs the names of the headers of a refused request, never a header value', async () => {
      const marker = 'marker-value-that-must-not-be-logged';
      expect(
        (await post(url(pinned), fixtureBytes('StudentAddedToClassroomEvent'), { 'x-custom-thing': marker, 'x-wise-key': `${marker}-2` }))
          .status,
      ).toBe(401);
      const line = await ingestion.proc.waitForLine(
        /x-custom-thing.*webhook refused: not authenticated|webhook refused: not authenticated.*x-custom-thing/,
      );
      expect(JSON.parse(line).headersPresent).toEqual(expect.arrayContaining(['x-custom-thing', 'x-wise-key', 'content-type']));
      const all = ingestion.proc.lines.join('\n');
      for (const secret of [marker, key]) expect(all).not.toContain(secret);
    });
  });

  // Last: it cuts ingestion off from PostgreSQL.
  it('answers 503 once keys are older than INSTITUTES_MAX_STALENESS_MS, says so in /ready, and recovers', async () => {
    expect((await post(url(pinned), fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key })).status).toBe(200);
    await relay.cut();
    const refused = await waitFor(
      '503 for stale keys',
      async () => {
        const r = await post(url(pinned), fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });
        return r.status === 503
          ? r
          : r.status === 200
            ? undefined
            : (() => {
                throw new Error(`status ${r.status}`);
              })();
      },
      15000,
    );
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.json.message).toMatch(/keys could not be checked against PostgreSQL/);
    const ready = await fetch(`${ingestion.opsUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/past INSTITUTES_MAX_STALENESS_MS/);
    await relay.up();
    await waitFor(
      '200 again once PostgreSQL is reachable',
      async () => (await post(url(pinned), fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key })).status === 200,
      20000,
    );
  });
});
