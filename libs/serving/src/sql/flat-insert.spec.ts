import { tableNames } from '../serving-tables';
import { insertSelect, topLevelNames } from './flat-insert';
import { DEVICE_COLUMNS, participantDevices } from './devices.sql';
import { recordingFacts } from './recordings.sql';
import { monthlyRevenue, REVENUE_MONTH_COLUMNS, revenueDaysOf } from './revenue.sql';
import { rosterFacts, rosterSessionsOf, suspensionFacts } from './roster.sql';
import { toRecordingFact } from '../recording-rows';
import { toRosterFact, toSuspensionFact } from '../roster-rows';

describe('insertSelect', () => {
  it('adds the leading values to the SELECT itself when its list names the columns in order', () => {
    expect(insertSelect('s', [['_version', 'toUInt64(7)']], ['a', 'b'], "SELECT x AS a, t.b FROM t WHERE c = 'a, (b' GROUP BY a, b")).toBe(
      "INSERT INTO s (_version, a, b)\nSELECT toUInt64(7) AS _leading__version, x AS a, t.b FROM t WHERE c = 'a, (b' GROUP BY a, b",
    );
    expect(
      insertSelect(
        's',
        [['round', "'r'"]],
        ['a'],
        '\n  SELECT DISTINCT f(a, b) AS a FROM (SELECT a, b FROM t UNION ALL SELECT a, b FROM u)',
      ),
    ).toBe(
      "INSERT INTO s (round, a)\nSELECT DISTINCT 'r' AS _leading_round, f(a, b) AS a FROM (SELECT a, b FROM t UNION ALL SELECT a, b FROM u)",
    );
  });

  it('reads the columns by name from around the SELECT whenever positions could disagree', () => {
    const wrapped = (select: string) => `INSERT INTO s (_version, a, b)\nSELECT toUInt64(7), a, b FROM (${select})`;
    for (const select of [
      'SELECT b, a FROM t', // another order
      'SELECT a, b, c FROM t', // more columns
      'SELECT a, b + 1 FROM t', // an unnamed expression
      'SELECT a, b FROM t UNION ALL SELECT a, b FROM u', // a top-level UNION
      'SELECT a, b', // no FROM
      'SELECT a, b FROM t GROUP BY 1, 2', // positions, which the leading values would move
      'SELECT a, b FROM t ORDER BY  2', // the same
      'SELECT a, b FROM t INTERSECT SELECT a, b FROM u', // a set operation of current ClickHouse
      'SELECT a, b FROM t SETTINGS max_threads = 1', // a clause the INSERT's own SETTINGS would repeat
      'SELECT x -- AS a\n, b FROM t', // an alias in a comment
    ])
      expect(insertSelect('s', [['_version', 'toUInt64(7)']], ['a', 'b'], select)).toBe(wrapped(select));
  });

  it('keeps a SELECT as it is when there is nothing to add, and never reuses an alias the SELECT has', () => {
    expect(insertSelect('s', [], ['a'], 'SELECT a FROM t')).toBe('INSERT INTO s (a)\nSELECT a FROM t');
    expect(insertSelect('s', [['v', 'CAST(1 AS UInt64)']], ['a'], 'SELECT _leading_v AS a FROM t')).toBe(
      'INSERT INTO s (v, a)\nSELECT CAST(1 AS UInt64), a FROM (SELECT _leading_v AS a FROM t)',
    );
  });

  it('is flat for every statement a refresh round writes with it, and for the devices it reads by name', () => {
    const t = tableNames();
    const keyColumns = (columns: readonly string[]) => `SELECT ${columns.join(', ')} FROM serving_keys`;
    const statements: Array<[string, readonly string[], string]> = [
      ['devices', DEVICE_COLUMNS, participantDevices(t, '1')],
      ['monthly revenue', REVENUE_MONTH_COLUMNS, monthlyRevenue(t, keyColumns)],
    ];
    for (const [name, columns, select] of statements) expect([name, topLevelNames(select)]).toEqual([name, columns]);
  });

  it('names every field the roster, suspension and recording facts are read by', () => {
    const t = tableNames();
    const zones = new Map([['i1', 'Asia/Kolkata']]);
    const reads: Array<[string, string, object]> = [
      ['roster facts', rosterFacts(t, '1'), toRosterFact({})],
      ['suspension facts', suspensionFacts(t, '1'), toSuspensionFact({})],
      ['recording facts', recordingFacts(t, '1', zones), toRecordingFact({})],
    ];
    for (const [name, select, fields] of reads)
      expect([name, topLevelNames(select)]).toEqual([name, expect.arrayContaining(Object.keys(fields))]);
  });

  it('is flat for the keys a round derives', () => {
    const t = tableNames();
    const zones = new Map<string, string>();
    const derived: Array<[string, string]> = [
      ['roster sessions', rosterSessionsOf(t, { since: 'SELECT 1', classrooms: '1', institutes: '1', fromS: 0 })],
      ['revenue days', revenueDaysOf(t, '1', '1', '1', zones)],
    ];
    for (const [name, select] of derived) expect([name, topLevelNames(select)]).toEqual([name, ['institute_id', 'k1', 'k2']]);
  });
});
