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
    await setAttendanceRule(ch, new ServingRefresh(ch), INSTITUTE, { minPercent: 80, minMinutes: 1 });
    const rows = await ch.query(
      'test',
      `SELECT student_id, minutes_present, present, status FROM attendance WHERE institute_id = '${INSTITUTE}' AND session_id = '${S1}' ORDER BY student_id`,
    );
    // S1 ran 58 min (10:02-11:00), shorter than its 60 scheduled: 80 % of 58 = 46.4 min. alice 48
    // and chitra 50 present; dev 15 absent; bob (35) suspended whatever the rule.
    expect(cols(rows, ['minutes_present', 'present', 'status'])).toEqual([
      [48, 1, 'present'],
      [35, 0, 'suspended'],
      [50, 1, 'present'],
      [15, 0, 'absent'],
    ]);
  });
});
