import { request } from 'node:http';
import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, RunningIngestion, startIngestion } from '../helpers';

/** One POST on a connection of its own: node:cluster hands out connections, not requests. */
function postAlone(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

// INGEST_WORKERS=2: two ingestion processes behind one webhook port, one operations port for both.
describe('INGEST_WORKERS=2', () => {
  const env = testEnv({ INGEST_WORKERS: '2' });
  const slug = uniqueSlug('workers');
  const key = 'workers-key-0123456789abcdef';
  const headers = { 'x-wise-key': key, 'content-type': 'application/json' };
  const BURST = 40;
  const MAX_BURSTS = 10;
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    // Two workers boot at once (each a whole Nest app): on a busy 2-core machine that takes longer.
    ingestion = await startIngestion(env, 90_000);
    await waitFor(
      'both workers ready on the operations port',
      async () => (await fetch(`${ingestion.opsUrl}/ready`)).status === 200,
      90_000,
    );
  }, 200_000);
  afterAll(async () => {
    await ingestion?.stop();
  });

  const metric = async (prefix: string, ...labels: string[]) => {
    const text = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(prefix) && labels.every((x) => l.includes(x)));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('accepts webhooks on one port in both workers, and sums their metrics on the operations port', async () => {
    const url = `${ingestion.url}/webhooks/wise/${slug}`;
    const servedBy = () =>
      new Set(
        json(ingestion.proc.lines)
          .filter((l) => l.msg === 'request completed' && l.institute === slug)
          .map((l) => l.worker),
      );
    // Bursts until both workers have served one: node:cluster hands a connection to whichever
    // worker is free first, and on a busy machine one worker can take a whole burst.
    let sent = 0;
    for (let burst = 0; burst < MAX_BURSTS && servedBy().size < 2; burst++) {
      const statuses = await Promise.all(
        Array.from({ length: BURST }, () =>
          postAlone(
            url,
            Buffer.from(
              fixtureBytes('MeetingEndedEvent')
                .toString()
                .replace(/\}\s*$/, `,"n":${sent++}}`),
            ),
            headers,
          ),
        ),
      );
      expect(statuses).toEqual(Array(BURST).fill(200));
    }
    expect([...servedBy()].sort()).toEqual([1, 2]);
    expect(await metric('ingestion_webhook_requests_total', `institute="${slug}"`, 'outcome="accepted"')).toBe(sent);
    const ready = (await (await fetch(`${ingestion.opsUrl}/ready`)).json()) as { status: string };
    expect(ready.status).toBe('ready');
  });

  it('replaces a worker that dies, and keeps accepting meanwhile', async () => {
    const pids = json(ingestion.proc.lines)
      .filter((l) => l.msg === 'ingestion listening')
      .map((l) => Number(l.pid));
    expect(pids).toHaveLength(2);
    process.kill(pids[0], 'SIGKILL');
    await ingestion.proc.waitForLine(/ingestion worker died; starting another/);
    await waitFor(
      'a third worker listening',
      async () => json(ingestion.proc.lines).filter((l) => l.msg === 'ingestion listening').length === 3,
    );
    await waitFor('both workers ready again', async () => (await fetch(`${ingestion.opsUrl}/ready`)).status === 200);
    const url = `${ingestion.url}/webhooks/wise/${slug}`;
    const statuses = await Promise.all(Array.from({ length: 10 }, () => postAlone(url, fixtureBytes('MeetingStartedEvent'), headers)));
    expect(statuses).toEqual(Array(10).fill(200));
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const pids = json(ingestion.proc.lines)
      .filter((l) => l.msg === 'ingestion listening')
      .map((l) => Number(l.pid));
    expect(await ingestion.stop()).toBe(0);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
