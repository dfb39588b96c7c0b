import { ReplicaCurrency, ReplicasBehind, type ClickHouse } from '@wise/clickhouse';
import { projectEvents } from '@wise/projections';
import { ServingRefresh, Touched } from '@wise/serving';
import { storedEventOf } from '../analytics/analytics-db';
import { EVENING_INSTITUTE, eveningsInIndia, SA, SB, SC, SD } from '../analytics/evening-scenario';
import { runCli } from '../projector/harness';
import { clickhouseFor, clusterEnv, dropClusterDatabases, nodeClickHouse } from './cluster-env';

/*
 * The window a serving round must not read in: the replica the reads of a shard go to lacks parts
 * its shard-mate took (a first replica back from a restart, before it fetched what the second took
 * meanwhile). Made deterministic here: ch-1a, the first replica of shard 1 and the one the reads
 * go to, has its fetches stopped, and the hand-computed evenings' facts are written to ch-1b only,
 * as while ch-1a was down.
 */
describe('serving rounds on a cluster read only from current replicas', () => {
  const env = clusterEnv();
  const database = env.CLICKHOUSE_DATABASE!;
  let ch: ClickHouse;
  let first: ClickHouse;
  let second: ClickHouse;
  let tables: string[] = [];

  const fetches = async (verb: 'STOP' | 'START') => {
    for (const t of tables) await first.command('test', `SYSTEM ${verb} FETCHES ${t}`);
  };

  beforeAll(async () => {
    const migrated = await runCli(env, ['migrate']);
    expect([migrated.code, migrated.stderr]).toEqual([0, '']);
    ch = clickhouseFor(env);
    first = nodeClickHouse('ch-1a', database);
    second = nodeClickHouse('ch-1b', database);
    const rows = await first.query<{ t: string }>(
      'test',
      `SELECT concat(database, '.', table) AS t FROM system.replicas WHERE database IN ('${database}', '${database}_raw')`,
    );
    tables = rows.map((r) => r.t);
  });
  afterAll(async () => {
    if (first) await fetches('START').catch(() => undefined);
    await Promise.all([ch?.close(), first?.close(), second?.close()]);
    await dropClusterDatabases(env);
  });

  it('waits while the first replica lacks its shard-mate’s parts, then computes the hand-computed figures', async () => {
    await fetches('STOP');
    const { tables: facts } = projectEvents(eveningsInIndia().map(storedEventOf), { eventStore: false });
    for (const [table, rows] of facts) await second.insert(`${table}_local`, rows);
    const sessionFacts = facts.get('session_events')!.length;

    // The hazard: through the balancer, shard 1's reads go to ch-1a, which has none of them yet.
    const count = async (c: ClickHouse, table: string) =>
      Number((await c.query<{ n: string }>('test', `SELECT count() AS n FROM ${table}`))[0].n);
    expect([await count(second, 'session_events_local'), await count(ch, 'session_events')]).toEqual([sessionFacts, 0]);

    const look = new ReplicaCurrency(ch, env.CLICKHOUSE_CLUSTER!, { waitMs: 300 });
    await expect(look.current()).rejects.toThrow(ReplicasBehind);
    await expect(look.current()).rejects.toThrow(/\(ch-1a: \S+_local has 1 part to fetch from its shard-mate, .*\)/);

    const serving = new ServingRefresh(ch, { cluster: env.CLICKHOUSE_CLUSTER, replicaWaitMs: 120_000 });
    let done = false;
    const round = serving.refresh(Touched.byRows(facts)).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 2000));
    expect(done).toBe(false);
    expect(await count(ch, 'sessions_store')).toBe(0);

    await fetches('START');
    await round;
    await serving.close();
    // Hand-computed in evening-scenario.ts (and local-time.test.ts), the institute in UTC.
    const sessions = await ch.query<{ session_id: string; status: string; local_day: string }>(
      'test',
      `SELECT session_id, status, toString(local_day) AS local_day FROM sessions WHERE institute_id = '${EVENING_INSTITUTE}' ORDER BY session_id`,
    );
    expect(sessions.map((s) => [s.session_id, s.status, s.local_day])).toEqual([
      [SA, 'held', '2024-06-09'],
      [SB, 'held', '2024-06-30'],
      [SC, 'not_held', '2024-06-12'],
      [SD, 'scheduled', '2099-01-05'],
    ]);
    const weeks = await ch.query<Record<string, string | number>>(
      'test',
      `SELECT toString(week) AS week, sessions, enrolled_slots, present, attendance_rate FROM attendance_by_week WHERE institute_id = '${EVENING_INSTITUTE}' ORDER BY week`,
    );
    expect(weeks.map((w) => [w.week, Number(w.sessions), Number(w.enrolled_slots), Number(w.present), Number(w.attendance_rate)])).toEqual([
      ['2024-06-03', 1, 2, 1, 0.5],
      ['2024-06-24', 1, 2, 1, 0.5],
    ]);
    expect(await look.current()).toBeInstanceOf(Map);
  });
});
