/*
 * Purging dead keys (libs/serving/src/purge.ts, docs/serving.md "Purging dead keys") on the race
 * scenario: batch two moves the session to the new room, where Noah is removed before it, so his
 * attendance dies, and moves the payment's day to the new room, so the old room's day dies. The
 * purge must remove every row of those keys and leave every view as one writer computes it, also
 * when a round that began before it (a replay of batch one, stale) writes after it started.
 */
import type { ClickHouseConnection } from '@wise/clickhouse';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { PostgresVersions, purgeDeadKeys, roundLockOf, ServingRefresh, type ServingVersions, type StorePurge } from '@wise/serving';
import { dropTestDatabase, ENGINES, loadEnvelopes, readAnalyticsSnapshot } from './analytics-db';
import { anonymous, first, gate, NOAH, PG_URL, second, writeFacts } from './race-scenario';

/** Keys of `institute` whose newest row is a tombstone or a marker, per store that has any (the stores with `_deleted`). */
async function deadKeys(ch: ClickHouseConnection, institute: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const store of ['attendance_store', 'revenue_daily_store', 'attendance_weekly_store', 'revenue_monthly_store']) {
    const [{ sorting_key }] = await ch.query<{ sorting_key: string }>(
      'test',
      `SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = '${store}'`,
    );
    const [{ n }] = await ch.query<{ n: string }>(
      'test',
      `SELECT count() AS n FROM (SELECT ${sorting_key} FROM ${store} WHERE institute_id = '${institute}'
       GROUP BY ${sorting_key} HAVING argMax(_deleted, _version) = 1)`,
    );
    if (Number(n) > 0) out[store] = Number(n);
  }
  return out;
}

const purged = (report: StorePurge[]) => Object.fromEntries(report.filter((r) => r.deadKeys > 0).map((r) => [r.store, r.deadKeys]));

describe.each(ENGINES)('purging dead keys, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };
  const pools: Postgres[] = [];
  let expected: ReturnType<typeof anonymous>;
  let n = 0;
  /** Versions as a process of its own takes them (its own pool, as on another host). */
  const processVersions = () => {
    // Two connections: unheld, a refresh's two chains hold a lease each at once.
    const pg = new Postgres(PG_URL, 2);
    pools.push(pg);
    return new PostgresVersions(pg, ch);
  };

  beforeAll(async () => {
    ch = await createDatabase();
    await ensurePostgresDatabase(PG_URL);
    const pg = new Postgres(PG_URL, 1);
    pools.push(pg);
    await migratePostgres(pg);
    const reference = 'purge-reference';
    await loadEnvelopes(ch, [...first(reference), ...second(reference)], 100);
    expected = anonymous(await readAnalyticsSnapshot(ch, reference));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    if (ch) await dropTestDatabase(ch);
  });

  /** Batch one by one process, batch two by another: Noah's attendance and the old room's day die. */
  async function twoBatches(institute: string): Promise<void> {
    await new ServingRefresh(ch, { versions: processVersions() }).refresh(await writeFacts(ch, first(institute)));
    await new ServingRefresh(ch, { versions: processVersions() }).refresh(await writeFacts(ch, second(institute)));
  }

  it('removes every row of the keys that died, and every view stays what one writer computes', async () => {
    const institute = `purge-${++n}`;
    await twoBatches(institute);
    const before = await deadKeys(ch, institute);
    // Noah's attendance, tombstoned by batch two's sweep, and the session's attendance marker;
    // markers and moved money in the daily and monthly money, and in the weekly rollup.
    expect(before.attendance_store).toBe(2);
    expect(Object.keys(before).sort()).toEqual([
      'attendance_store',
      'attendance_weekly_store',
      'revenue_daily_store',
      'revenue_monthly_store',
    ]);
    const noah = `SELECT count() AS n FROM attendance_store WHERE institute_id = '${institute}' AND student_id = '${NOAH._id}'`;
    expect(Number((await ch.query<{ n: string }>('test', noah))[0].n)).toBeGreaterThan(0);

    const report = await purgeDeadKeys(ch, processVersions());

    expect(purged(report)).toEqual(
      expect.objectContaining({ attendance_store: expect.any(Number), revenue_daily_store: expect.any(Number) }),
    );
    expect(await deadKeys(ch, institute)).toEqual({});
    expect(Number((await ch.query<{ n: string }>('test', noah))[0].n)).toBe(0);
    expect(anonymous(await readAnalyticsSnapshot(ch, institute))).toEqual(expected);
    // Nothing left to purge: a second purge removes nothing.
    expect(purged(await purgeDeadKeys(ch, processVersions()))).toEqual({});
  });

  /**
   * A replay of batch one (its round taken before batch two's facts, so what it computes is stale)
   * held before it writes attendance; batch two's round runs whole; then the purge starts, and the
   * replay goes on once the purge ended or `holdMs` passed. `purgeVersions` is where the purge's
   * watermark comes from.
   */
  async function staleRoundAcrossPurge(institute: string, purgeVersions: ServingVersions, holdMs: number) {
    await new ServingRefresh(ch, { versions: processVersions() }).refresh(await writeFacts(ch, first(institute)));
    const g = gate('write:attendance_store');
    const replay = new ServingRefresh(ch, { versions: processVersions(), between: g.between }).refresh(
      await writeFacts(ch, first(institute)),
    );
    await Promise.race([g.reached, replay]);
    try {
      expect(g.wasHeld()).toBe(true);
      await new ServingRefresh(ch, { versions: processVersions() }).refresh(await writeFacts(ch, second(institute)));
      const purge = purgeDeadKeys(ch, purgeVersions);
      const endedWhileHeld = await Promise.race([purge.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), holdMs))]);
      const waitingForTheLease = await waitersOnTheLease();
      g.release();
      const [, report] = await Promise.all([replay, purge]);
      return { endedWhileHeld, waitingForTheLease, report, snapshot: anonymous(await readAnalyticsSnapshot(ch, institute)) };
    } finally {
      // A held round holds its lease: a failure here must not leave it held for the next test.
      g.release();
    }
  }

  /** Requests for the round lease of this test's database that PostgreSQL has not granted: a purge waiting. */
  async function waitersOnTheLease(): Promise<number> {
    const [classid, objid] = roundLockOf(ch.database);
    const [{ n }] = await pools[0].query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND NOT granted`,
      [classid, objid >>> 0],
    );
    return Number(n);
  }

  it('waits for the rounds in flight: the stale replay writes and sweeps before anything is deleted', async () => {
    const institute = `purge-${++n}`;
    const { endedWhileHeld, waitingForTheLease, report, snapshot } = await staleRoundAcrossPurge(institute, processVersions(), 2000);
    expect([endedWhileHeld, waitingForTheLease]).toEqual([false, 1]);
    expect(purged(report)).toEqual(expect.objectContaining({ attendance_store: expect.any(Number) }));
    // The held round's attendance keys were purged once it ended. (Its fee chain, a round of its
    // own, took its lease after the purge and wrote markers above the watermark: those stay.)
    expect(Object.keys(await deadKeys(ch, institute))).not.toContain('attendance_store');
    expect(snapshot).toEqual(expected);
  });

  // What the wait rules out: purged while the replay is held, Noah's tombstone and the markers of
  // batch two's round are gone when the replay writes his stale attendance, and its own sweep,
  // finding its own marker the newest, leaves it live.
  it('without that wait, the same interleaving brings a purged row back', async () => {
    const versions = processVersions();
    const noWait: ServingVersions = {
      next: () => versions.next(),
      round: (work) => versions.round(work),
      watermark: () => versions.next(),
    };
    const { endedWhileHeld, waitingForTheLease, snapshot } = await staleRoundAcrossPurge(`purge-${++n}`, noWait, 60_000);
    expect([endedWhileHeld, waitingForTheLease]).toEqual([true, 0]);
    expect(snapshot.attendance).toEqual(expect.arrayContaining([expect.objectContaining({ student_id: NOAH._id })]));
    expect(snapshot).not.toEqual(expected);
  });
});
