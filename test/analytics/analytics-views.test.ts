import type { ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { ServingRefresh, setAttendanceRule, SERVING_STORES } from '@wise/serving';
import { ANALYTICS_TABLES } from '@wise/projections';
import { dropTestDatabase, ENGINES, loadEnvelopes, readAnalyticsSnapshot, type AnalyticsSnapshot } from './analytics-db';
import { cols, SCENARIO_CHECKS } from './scenario-numbers';
import { classroomWeek, INSTITUTE, redelivered, S1, shuffled } from './scenario';

const week = classroomWeek();
const VARIANTS: Array<[string, () => Envelope[]]> = [
  ['in order', () => week],
  ['shuffled (seed 42)', () => shuffled(week, 42)],
  ['each delivered 3 times, later copies received later, shuffled (seed 7)', () => redelivered(week, 3, 7)],
];

type Db = ClickHouseConnection & { close(): Promise<void> };

describe.each(ENGINES)('analytics views over "a classroom week", on %s', (_engine, createDatabase) => {
  const snapshots: AnalyticsSnapshot[] = [];
  const dbs: Db[] = [];

  afterAll(async () => {
    for (const ch of dbs) await dropTestDatabase(ch);
  });

  describe.each(VARIANTS)('%s', (_name, envelopes) => {
    let snap: AnalyticsSnapshot;
    let ch: Db;

    beforeAll(async () => {
      ch = await createDatabase();
      dbs.push(ch);
      await loadEnvelopes(ch, envelopes());
      snap = await readAnalyticsSnapshot(ch, INSTITUTE);
      snapshots.push(snap);
    });

    it.each(SCENARIO_CHECKS)('%s equals the hand-computed rows', (view, columns, expected) => {
      expect(cols(snap[view], columns)).toEqual(expected);
    });

    it('recordings: one row per part', () => {
      expect(snap.recordings).toHaveLength(3);
    });

    it('gives the same answers after every merge has run (OPTIMIZE ... FINAL)', async () => {
      for (const table of [...ANALYTICS_TABLES, ...SERVING_STORES]) await ch.command('test-merge', `OPTIMIZE TABLE ${table} FINAL`);
      expect(await readAnalyticsSnapshot(ch, INSTITUTE)).toEqual(snap);
    });
  });

  it('every variant gives identical results, view by view', () => {
    expect(snapshots).toHaveLength(VARIANTS.length);
    for (const s of snapshots.slice(1)) expect(s).toEqual(snapshots[0]);
  });

  it('recomputes a whole institute in rounds of two keys each, from empty stores, to the same rows', async () => {
    const ch = dbs[1];
    for (const store of SERVING_STORES) await ch.command('test-empty', `TRUNCATE TABLE ${store}`);
    expect((await readAnalyticsSnapshot(ch, INSTITUTE)).attendance).toEqual([]);
    const lines: string[] = [];
    await new ServingRefresh(ch, { keysPerRound: 2 }).refreshInstitutes([INSTITUTE], (l) => lines.push(l));
    expect(lines.filter((l) => /^ {2}part \d+\/\d+:/.test(l)).length).toBeGreaterThan(2);
    expect(await readAnalyticsSnapshot(ch, INSTITUTE)).toEqual(snapshots[0]);
  });

  it('honours a configured attendance rule (80 % and 1 minute)', async () => {
    const ch = dbs[0];
    await setAttendanceRule(ch, new ServingRefresh(ch), INSTITUTE, 80, 1);
    const rows = await ch.query(
      'test',
      `SELECT student_id, minutes_present, present FROM attendance WHERE institute_id = '${INSTITUTE}' AND session_id = '${S1}' ORDER BY student_id`,
    );
    // 80 % of 60 min = 48 min: alice 50 and chitra 50 present; bob 35 and dev 15 absent.
    expect(cols(rows, ['minutes_present', 'present'])).toEqual([
      [50, 1],
      [35, 0],
      [50, 1],
      [15, 0],
    ]);
  });
});
