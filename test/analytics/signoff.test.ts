import type { ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { ServingRefresh, setAttendanceRule } from '@wise/serving';
import { dropTestDatabase, ENGINES, loadEnvelopes } from './analytics-db';
import { cols } from './scenario-numbers';
import { SIGNOFF_EXPECTED, signoffAnswers } from './signoff-expected';
import { redelivered, shuffled } from './scenario';
import { ASHA, BEN, CARA, DINA, ELI, K, SIGNOFF_INSTITUTE as I, signoffWeek, T1, T2, T3, T4, T5, T6, TINA } from './signoff-scenario';

type Db = ClickHouseConnection & { close(): Promise<void> };
const week = signoffWeek();
const VARIANTS: Array<[string, () => Envelope[], number]> = [
  ['in order, five events per batch', () => week, 5],
  ['shuffled (seed 5)', () => shuffled(week, 5), 7],
  ['each delivered 3 times, later copies received later, shuffled (seed 9)', () => redelivered(week, 3, 9), 25],
];

describe.each(ENGINES)('"a week an institute would sign off", on %s', (_engine, createDatabase) => {
  describe.each(VARIANTS)('%s', (_name, envelopes, batchSize) => {
    let ch: Db;
    beforeAll(async () => {
      ch = await createDatabase();
      await loadEnvelopes(ch, envelopes(), batchSize);
    });
    afterAll(async () => {
      await dropTestDatabase(ch);
    });

    it('every view gives the hand-computed figures', async () => {
      expect(await signoffAnswers(ch)).toEqual(SIGNOFF_EXPECTED);
    });

    it('an institute that judges on the scheduled duration gets that, and can go back', async () => {
      const serving = new ServingRefresh(ch);
      await setAttendanceRule(ch, serving, I, { minPercent: 50, minMinutes: 1, judgeOn: 'scheduled' });
      const asha = await ch.query<Record<string, unknown>>(
        'test',
        `SELECT session_id, minutes_present, present, class_minutes FROM attendance WHERE institute_id = '${I}' AND student_id = '${ASHA._id}' ORDER BY session_id`,
      );
      // 30 of every 60 scheduled minutes: the 25 minutes Asha spent in the short T2 and the late T3 no longer suffice.
      expect(cols(asha, ['session_id', 'minutes_present', 'present', 'class_minutes'])).toEqual([
        [T1, 48, 1, 60],
        [T2, 25, 0, 60],
        [T3, 25, 0, 60],
        [T4, 60, 1, 60],
        [T5, 55, 1, 60],
        [T6, 45, 1, 60],
      ]);
      expect(await ch.query('test', `SELECT judge_on FROM attendance_rule WHERE institute_id = '${I}'`)).toEqual([
        { judge_on: 'scheduled' },
      ]);
      await setAttendanceRule(ch, serving, I, { minPercent: 50, minMinutes: 1, judgeOn: 'class' });
      expect(await signoffAnswers(ch)).toEqual(SIGNOFF_EXPECTED);
    });
  });
});
