import { ClickHouse } from '@wise/clickhouse';
import { takeEvents } from '../../tools/simulate/generate';
import { registerInstitutes } from '../../tools/simulate/register';
import { instituteCredentials, type WorldOptions } from '../../tools/simulate/world';
import { readAnalyticsSnapshot, type AnalyticsSnapshot } from '../analytics/analytics-db';
import { classroomWeek, INSTITUTE, redelivered } from '../analytics/scenario';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';
import { SIGNOFF_EXPECTED, signoffAnswers } from '../analytics/signoff-expected';
import { signoffWeek } from '../analytics/signoff-scenario';
import { AppProcess, post, startIngestion, startProjector, type RunningIngestion } from '../helpers';
import { publishEnvelopes } from '../projector/harness';
import { clickhouseFor, clusterEnv, dropBothSides, singleNodeEnv, waitUntilCommitted } from './cluster-env';

/*
 * The pipeline on the cluster stack: webhooks through two ingestion processes into three Kafka
 * brokers, projected by two projectors (one consumer group) into ClickHouse 2 shards x 2 replicas
 * behind a load balancer. A third projector, in a group of its own, projects the very same topic
 * into one server (the native stack's), so that both see the same messages, receive times included.
 *
 * The simulator's traffic goes through the ingestion processes' HTTP. The two hand-computed weeks
 * go straight to the topic, as ingestion would publish them: their figures depend on the receive
 * times their envelopes carry (events with no time of their own are placed at them), which through
 * HTTP would be today's.
 */
const WORLD: WorldOptions = {
  seed: 'cluster',
  prefix: 'cl',
  institutes: 3,
  weeks: 2,
  classrooms: 3,
  students: 12,
  startMs: Date.UTC(2024, 5, 3),
};
const SIMULATED = 1200;
const CONCURRENCY = 8;

describe('the pipeline on a cluster: two ingestion processes, two projectors, 2 shards x 2 replicas', () => {
  const env = clusterEnv({ PROJECTOR_BATCH_MAX_BYTES: '32768', PROJECTOR_REFRESH_INTERVAL_MS: '200' });
  const single = singleNodeEnv(env);
  const ingestions: RunningIngestion[] = [];
  const projectors: AppProcess[] = [];
  let cluster: ClickHouse;
  let reference: ClickHouse;
  let accepted = 0;

  beforeAll(async () => {
    cluster = clickhouseFor(env);
    reference = clickhouseFor(single);
    await registerInstitutes(env.DATABASE_URL!, instituteCredentials(WORLD));
  });

  afterAll(async () => {
    for (const p of [...projectors, ...ingestions.map((i) => i.proc)]) await p.stop('SIGKILL');
    await cluster?.close();
    await reference?.close();
    await dropBothSides(env, single);
  });

  it('takes every webhook and projects it on both sides', async () => {
    const started = Date.now();
    // The first projector migrates (ON CLUSTER); the second finds the schema there.
    projectors.push(await startProjector(env, 180_000));
    projectors.push(await startProjector(env), await startProjector(single));
    ingestions.push(await startIngestion(env), await startIngestion(env));
    const startedMs = Date.now() - started;

    const creds = new Map(instituteCredentials(WORLD).map((c) => [c.slug, c]));
    const events = takeEvents(WORLD, SIMULATED);
    let next = 0;
    const refused: string[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        while (next < events.length) {
          const e = events[next++];
          const c = creds.get(e.slug)!;
          const via = ingestions[(next + worker) % ingestions.length];
          const res = await post(`${via.url}/webhooks/wise/${e.slug}`, e.body, { [c.keyHeader]: c.key });
          if (res.status === 200) accepted++;
          else refused.push(`${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
        }
      }),
    );
    expect(refused).toEqual([]);
    await publishEnvelopes(env, redelivered(classroomWeek(), 3, 7));
    await publishEnvelopes(env, redelivered(signoffWeek(), 2, 9));

    const sent = Date.now();
    // Both groups drain the same topic side by side, so their times compare (on the same two cores).
    const [clusterMs, singleMs] = await Promise.all([
      waitUntilCommitted(env, 'the cluster projectors').then(() => Date.now() - sent),
      waitUntilCommitted(single, 'the single-server projector').then(() => Date.now() - sent),
    ]);
    console.log(
      `cluster pipeline: apps up in ${startedMs} ms; ${accepted} webhooks posted (${events.length} events); committed after the last was sent: ` +
        `cluster (two projectors) ${clusterMs} ms, single server (one projector) ${singleMs} ms`,
    );
    expect(accepted).toBe(SIMULATED);
    // A round given up is committed with stale serving rows: on a cluster none may be.
    const problems = projectors.flatMap((p) => p.lines.filter((l) => /"level":"(error|fatal)"/.test(l)));
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('gives the hand-computed figures of both weeks on the cluster', async () => {
    expectScenarioNumbers(await readAnalyticsSnapshot(cluster, INSTITUTE));
    expect(await signoffAnswers(cluster)).toEqual(SIGNOFF_EXPECTED);
  });

  it('every user-facing view equals the single server, row for row', async () => {
    const [onCluster, onOne]: AnalyticsSnapshot[] = [await readAnalyticsSnapshot(cluster), await readAnalyticsSnapshot(reference)];
    // Not a vacuous comparison: the single server's views hold this run's traffic.
    expect(onOne.sessions.length).toBeGreaterThan(20);
    expect(onOne.attendance.length).toBeGreaterThan(20);
    for (const view of Object.keys(onOne)) expect([view, onCluster[view]]).toEqual([view, onOne[view]]);
  });
});
