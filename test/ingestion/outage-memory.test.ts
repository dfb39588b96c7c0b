import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseEnvelope } from '@wise/contracts';
import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, RunningIngestion, startIngestion } from '../helpers';
import { PrivateKafka } from '../private-services';

const OUTAGE_MS = 60_000;
const RATE_PER_SECOND = 500;
const RSS_LIMIT_BYTES = 250 * 1024 * 1024;
// The sender's own bound, so that a machine too busy to keep up cannot run out of sockets.
const MAX_OUTSTANDING = 2000;

/** Resident memory of a process, from /proc. */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) * 1024;
}

// A private broker, stopped for a minute while webhooks keep coming: the publish queue is bounded
// by bytes, so memory stays flat and senders hear 503 at once; nothing answered 200 is lost.
describe('a 60 s Kafka outage at 500 requests/s', () => {
  let kafka: PrivateKafka;
  let env: NodeJS.ProcessEnv;
  const slug = uniqueSlug('outage');
  const key = 'outage-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  // Wise-sized bodies, each distinct (so each is a new event id).
  const body = (i: number) =>
    Buffer.from(
      fixtureBytes('MeetingStartedEvent')
        .toString()
        .replace(/\}\s*$/, `,"n":${i}}`),
    );
  // One connection per request, as many senders at once would open them.
  const send = (i: number) =>
    new Promise<{ i: number; status: number; json: { eventId?: string } }>((resolve) => {
      const { port } = new URL(ingestion.url);
      const data = body(i);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: `/webhooks/wise/${slug}`,
          method: 'POST',
          agent: false,
          headers: { 'x-wise-key': key, 'content-type': 'application/json', 'content-length': data.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let json = {};
            try {
              json = JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              /* not JSON */
            }
            resolve({ i, status: res.statusCode ?? 0, json });
          });
        },
      );
      req.on('error', (e) => resolve({ i, status: 0, json: { error: e.message } as { eventId?: string } }));
      req.end(data);
    });

  beforeAll(async () => {
    kafka = await PrivateKafka.create();
    // As deployed (docs/configuration.md, `NODE_OPTIONS`): V8's heap capped, so garbage is collected before RSS grows.
    env = testEnv({ KAFKA_BROKERS: kafka.brokers, NODE_OPTIONS: '--max-old-space-size=160' });
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  }, 180000);

  afterAll(async () => {
    await ingestion?.stop();
    await kafka?.destroy();
  });

  it('keeps ingestion under 250 MB, answers 503 (never hangs), and loses nothing it answered 200', async () => {
    const results: Array<Promise<{ i: number; status: number; json: { eventId?: string } }>> = [];
    let n = 0;
    let outstanding = 0;
    const track = (i: number) => {
      outstanding++;
      const p = send(i).finally(() => {
        outstanding--;
      });
      results.push(p);
    };
    for (; n < 20; n++) track(n);
    await kafka.stop();
    let maxRss = 0;
    const started = Date.now();
    while (Date.now() - started < OUTAGE_MS) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE_PER_SECOND);
      for (; n < 20 + due && outstanding < MAX_OUTSTANDING; n++) track(n);
      maxRss = Math.max(maxRss, rssBytes(ingestion.proc.child.pid!));
      await new Promise((r) => setTimeout(r, 20));
    }
    const during = await Promise.all(results);
    await kafka.start();
    maxRss = Math.max(maxRss, rssBytes(ingestion.proc.child.pid!));
    const statuses = new Map<number, number>();
    for (const r of during) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    process.stdout.write(
      `outage: ${n} requests in ${OUTAGE_MS / 1000} s, answers ${JSON.stringify(Object.fromEntries(statuses))}, max RSS ${Math.round(maxRss / 1024 / 1024)} MB\n`,
    );
    expect(maxRss).toBeLessThan(RSS_LIMIT_BYTES);
    // 200 or 503 from ingestion; 408 only where this busy machine's sender was too slow with its body.
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503 && s !== 408)).toEqual([]);
    expect(statuses.get(503)).toBeGreaterThan(0);

    // After the outage: ingestion takes webhooks again, and every 200 (before, during, after) is in Kafka.
    const after = await waitFor(
      'a 200 after the broker is back',
      async () => {
        const r = await send(n++);
        // Thrown, so that a time-out names what ingestion kept answering.
        if (r.status !== 200) throw new Error(`answered ${r.status}: ${JSON.stringify(r.json)}`);
        return r;
      },
      60000,
      500,
    );
    const accepted = new Set([...during.filter((r) => r.status === 200), after].map((r) => r.json.eventId!));
    const stored = new Set(
      (await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!)).map((m) => {
        const p = parseEnvelope(m.value);
        if (!p.ok) throw new Error(p.reason);
        return p.head.eventId;
      }),
    );
    for (const id of accepted) expect(stored.has(id)).toBe(true);
  }, 300000);
});
