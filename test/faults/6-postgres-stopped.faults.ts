import { TIMELESS_EVENT_NAMES } from '@wise/contracts';
import { freePort, testEnv, waitFor } from '@wise/testing';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase } from '../projector/harness';
import { PrivatePostgres } from './private-postgres';
import { newTraffic, OUTAGE_MS, sleep, startIngestionOn, underLoad } from './rig';

const readiness = async (url: string) => {
  const r = await fetch(`${url}/ready`);
  return { status: r.status, text: await r.text() };
};

// Ingestion reads institutes and keys from PostgreSQL into memory and checks keys from there.
// Started without PostgreSQL it is not ready and says why, and becomes ready when PostgreSQL
// returns; PostgreSQL stopped under load changes nothing for institutes it already knows, except
// that the events without a time of their own, whose id it decides, wait for Wise's retries.
describe('6. PostgreSQL stopped before ingestion starts, and under load', () => {
  const traffic = newTraffic();
  let pg: PrivatePostgres;
  let env: NodeJS.ProcessEnv;
  let url: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    env = testEnv({ DATABASE_URL: pg.url, KAFKA_TOPIC_PARTITIONS: '6' });
    await traffic.register(env);
    apps.push(await startProjector(env));
  });

  afterAll(async () => {
    for (const a of apps) await a.stop('SIGKILL');
    await dropDatabase(env && clickhouseOf(env)).catch(() => undefined);
    await pg?.destroy();
  });

  it('keeps accepting known institutes while PostgreSQL is stopped under load', async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    apps.push(await startIngestionOn(env, port));
    const row = await underLoad({
      order: 6,
      name: '6. PostgreSQL stopped under load',
      env,
      url,
      traffic,
      fault: async () => {
        await pg.stop();
        await sleep(Math.max(OUTAGE_MS, 10000));
        await pg.start();
      },
    });
    expect(row.problems).toEqual([]);
    // Cached keys kept working: nothing was refused or failed while PostgreSQL was away, but the
    // events whose id PostgreSQL decides (membership, suspension, payment: same bytes can be a new
    // event) were answered 503, and stored when Wise retried them (no problems: nothing lost).
    const { '200': accepted, '503': refused = 0, ...others } = row.answers;
    expect([accepted > 0, others]).toEqual([true, {}]);
    const notStored = apps[apps.length - 1].lines.filter((l) => l.includes('webhook not stored'));
    const byPostgres = notStored.map((l) => /PostgreSQL, which tells a re-sent (\w+) from a retry/.exec(l)?.[1] ?? l);
    expect(byPostgres.filter((e) => !(TIMELESS_EVENT_NAMES as readonly string[]).includes(e))).toEqual([]);
    expect(byPostgres).toHaveLength(refused);
  });

  it('is not ready, with the reason, while PostgreSQL is down at start, and ready once it returns', async () => {
    await apps.pop()?.stop();
    await pg.stop();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const proc = AppProcess.start('ingestion', { ...env, PORT: String(port), OPS_PORT: String(await freePort()) });
    apps.push(proc);
    const down = await waitFor(
      'ingestion to answer /ready',
      async () => {
        if (proc.child.exitCode !== null) {
          throw new Error(
            `ingestion exited (code ${proc.child.exitCode}) instead of staying up not ready:\n${proc.lines.slice(-3).join('\n').slice(0, 400)}`,
          );
        }
        return readiness(url).catch(() => undefined);
      },
      30000,
    ).catch((e: Error) => e.message);
    if (typeof down === 'string') throw new Error(down);
    expect(down.status).toBe(503);
    expect(down.text).toMatch(/institutes not loaded from PostgreSQL/);
    await pg.start();
    await waitFor('ingestion ready once PostgreSQL is back', async () => (await readiness(url)).status === 200, 60000);
  });
});
