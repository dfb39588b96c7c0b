import type { ClickHouseConnection } from '@wise/clickhouse';
import { daySpanOf, DeferredDrops, Round, ROUND_TABLES } from './round';
import { inFilter, KeySet } from './keys';
import { localDate } from './sql/local-time';
import { Touched } from './touched';
import { SingleWriterVersions } from './versions';
import { isIanaZone } from './institute-settings';

describe('inFilter', () => {
  it.each([
    [['institute_id'], [['a']], "institute_id IN ('a')"],
    [
      ['institute_id', 'session_id'],
      [
        ['a', 's1'],
        ['a', "s'2"],
      ],
      "(institute_id, session_id) IN (('a', 's1'), ('a', 's\\'2'))",
    ],
    [['institute_id', 'session_id'], [], '0'],
  ])('%j %j -> %s', (columns, keys, sql) => expect(inFilter(columns, keys)).toBe(sql));
});

describe('KeySet', () => {
  it('keeps each key once, in a stable order', () => {
    const k = new KeySet(['institute_id', 'session_id']);
    for (const s of ['s3', 's1', 's2', 's1']) k.add('i', s);
    expect(k.size).toBe(3);
    expect(k.list()).toEqual([
      ['i', 's1'],
      ['i', 's2'],
      ['i', 's3'],
    ]);
  });

  it('keeps ids with any characters apart (no separator to collide with)', () => {
    const k = new KeySet(['a', 'b']);
    k.add('x\u0000y', 'z');
    k.add('x', 'y\u0000z');
    expect(k.size).toBe(2);
  });

  it('refuses a key with the wrong number of parts', () => {
    expect(() => new KeySet(['a', 'b']).add('only-one')).toThrow(/got 1 parts/);
  });
});

describe('Touched.byRows', () => {
  it.each([
    ['session_events', { institute_id: 'i', session_id: 's' }, 'schedules', [['i', 's']]],
    ['meeting_events', { institute_id: 'i', session_id: 's' }, 'schedules', [['i', 's']]],
    ['participant_events', { institute_id: 'i', session_id: 's' }, 'participants', [['i', 's']]],
    ['recording_events', { institute_id: 'i', session_id: 's' }, 'recordings', [['i', 's']]],
    ['recording_events', { institute_id: 'i', session_id: 's' }, 'sessions', [['i', 's']]],
    [
      'roster_events',
      { institute_id: 'i', classroom_id: 'c', member_role: 'student', at_ms: 1500 },
      'rosterClassrooms',
      [['i', 'c', '1500']],
    ],
    ['suspension_events', { institute_id: 'i', classroom_id: 'c', student_id: 'u', at_ms: 1500 }, 'rosterClassrooms', [['i', 'c', '1500']]],
    ['invoice_events', { institute_id: 'i', student_id: 'u', classroom_id: 'c' }, 'invoiceOwners', [['i', 'u', 'c']]],
    ['payment_events', { institute_id: 'i', transaction_id: 't', classroom_id: 'c' }, 'payments', [['i', 't']]],
  ] as const)('%s rows touch %s', (table, row, kind, keys) => {
    expect(Touched.byRows([[table, [row]]])[kind].list()).toEqual(keys);
  });

  it("touches no key for a teacher's roster rows: the views read who is a teacher when queried", () => {
    const teacher = { institute_id: 'i', classroom_id: 'c', member_role: 'teacher', at_ms: 1500 };
    expect(Touched.byRows([['roster_events', [teacher, { ...teacher, action: 'removed' }]]]).isEmpty).toBe(true);
    const student = { ...teacher, member_role: 'student', at_ms: 2500 };
    expect(Touched.byRows([['roster_events', [teacher, student]]]).rosterClassrooms.list()).toEqual([['i', 'c', '2500']]);
  });

  it('ignores the event store, certificates and quarantine', () => {
    const t = Touched.byRows([
      ['events', [{ institute_id: 'i' }]],
      ['certificate_events', [{ institute_id: 'i' }]],
      ['quarantine', [{}]],
    ]);
    expect(t.isEmpty).toBe(true);
  });
});

describe('Touched.split', () => {
  it('parts hold at most the given number of keys of each kind, and together every key once', () => {
    const t = new Touched();
    for (let i = 0; i < 5; i++) t.schedules.add('i', `s${i}`);
    for (let i = 0; i < 2; i++) t.payments.add('i', `p${i}`);
    t.revenueClassrooms.add('i', 'c');
    const parts = t.split(2);
    expect(parts.map((p) => [p.schedules.size, p.payments.size, p.revenueClassrooms.size])).toEqual([
      [2, 2, 1],
      [2, 0, 0],
      [1, 0, 0],
    ]);
    const whole = new Touched();
    for (const p of parts) whole.addAll(p);
    expect([whole.schedules.list(), whole.payments.list(), whole.revenueClassrooms.list()]).toEqual([
      t.schedules.list(),
      t.payments.list(),
      t.revenueClassrooms.list(),
    ]);
  });

  it('an empty set of keys is one empty part', () => {
    expect(new Touched().split(10).map((p) => p.isEmpty)).toEqual([true]);
  });
});

describe('localDate', () => {
  it('is a plain UTC date when every institute is on UTC', () => {
    expect(localDate('t', new Map([['a', 'UTC']]))).toBe("toDate(t, 'UTC')");
  });

  it('branches once per distinct zone, institutes of one zone together', () => {
    const sql = localDate(
      't',
      new Map([
        ['b', 'Asia/Kolkata'],
        ['a', 'Asia/Kolkata'],
        ['c', 'Europe/London'],
      ]),
    );
    expect(sql).toBe(
      "multiIf(institute_id IN ('a', 'b'), toDate(t, 'Asia/Kolkata'), institute_id IN ('c'), toDate(t, 'Europe/London'), toDate(t, 'UTC'))",
    );
  });
});

describe('SingleWriterVersions', () => {
  const stored = (v: string) => ({ query: async () => [{ v }] }) as unknown as ClickHouseConnection;

  it('starts above the highest stored version, whatever its parity, and gives even, increasing versions', async () => {
    for (const highest of ['0', '7', '8']) {
      const versions = new SingleWriterVersions(stored(highest));
      const vs = await Promise.all(Array.from({ length: 5 }, () => versions.next()));
      expect(vs[0]).toBeGreaterThan(Number(highest));
      for (const [i, v] of vs.entries()) {
        expect(v % 2).toBe(0);
        if (i > 0) expect(v).toBe(vs[i - 1] + 2);
      }
    }
  });

  it('refuses a stored version JavaScript cannot hold exactly', async () => {
    await expect(new SingleWriterVersions(stored('18446744073709551615')).next()).rejects.toThrow(/beyond 2\^53/);
  });
});

describe('isIanaZone', () => {
  it.each([
    ['Asia/Kolkata', true],
    ['UTC', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus', false],
    ["UTC'; DROP TABLE events; --", false],
    ['', false],
  ])('%j -> %s', (zone, ok) => expect(isIanaZone(zone)).toBe(ok));
});

describe('Round', () => {
  const recorder = () => {
    const sql: string[] = [];
    const ch = {
      command: async (_: string, s: string) => void sql.push(s),
      commandOnEachShard: async (_: string, s: string) => void sql.push(`on each shard: ${s}`),
      query: async () => [],
      insert: async () => undefined,
    };
    return { sql, ch: ch as unknown as ClickHouseConnection };
  };

  it('selects its keys by round and kind, and drops its partition of the round tables it wrote to', async () => {
    const { sql, ch } = recorder();
    const r = new Round(ch, 4_000_000_000_000_002, undefined, 1_700_000_000_000);
    expect(r.round).toMatch(/^1700000000000-4000000000000002-[0-9a-f]{8}$/);
    expect(r.in('schedules', ['institute_id', 'session_id'])).toBe(
      `(institute_id, session_id) IN (SELECT institute_id, k1 FROM serving_keys WHERE round = '${r.round}' AND kind = 'schedules')`,
    );
    expect(r.in(['schedules', 'participants'], ['institute_id', 'session_id'])).toBe(
      `(institute_id, session_id) IN (SELECT institute_id, k1 FROM serving_keys WHERE round = '${r.round}' AND kind IN ('schedules', 'participants'))`,
    );
    await r.drop();
    expect(sql).toEqual([]);
    await r.derive('people_classrooms', 'SELECT 1');
    sql.length = 0;
    await r.drop();
    expect(sql).toEqual([`ALTER TABLE serving_keys DROP PARTITION '${r.round}'`]);
  });

  it('gives the first and last of its day keys as day numbers, none when it has none, and refuses a key that is no day', () => {
    expect(daySpanOf(['2026-12-07', '1970-01-02', '2000-01-01'])).toEqual({ first: 1, last: 20_794 });
    expect(daySpanOf(['0000-00-00', '1970-01-08'])).toEqual({ first: 0, last: 7 });
    expect(daySpanOf([])).toBeNull();
    expect(() => daySpanOf(['c-1', 'c-9'])).toThrow(/expected a day \(YYYY-MM-DD\) in the key, got "c-1"/);
  });

  it('on a cluster drops the partitions of ended rounds together, from the local tables on each shard, at most once per interval', async () => {
    const { sql, ch } = recorder();
    let now = 0;
    const drops = new DeferredDrops({ ...ch, database: 'wise' } as ClickHouseConnection, 'wise_cluster', 10_000, () => now);
    const [a, b, c] = [1, 2, 3].map((v) => new Round(ch, v, drops));
    for (const r of [a, b, c]) await r.derive('schedules', 'SELECT 1');
    sql.length = 0;
    await a.drop();
    now = 9_999;
    await b.drop();
    expect(sql).toEqual([]);
    now = 10_000;
    await c.drop();
    await drops.flush();
    expect(sql).toEqual(
      ROUND_TABLES.map(
        (t) =>
          `on each shard: ALTER TABLE wise.${t}_local DROP PARTITION '${a.round}', DROP PARTITION '${b.round}', DROP PARTITION '${c.round}'`,
      ),
    );
  });

  it("on one server (the projector's) drops ended rounds together from the tables themselves, at most once per interval", async () => {
    const { sql, ch } = recorder();
    let now = 0;
    const drops = new DeferredDrops(ch, '', 10_000, () => now);
    const [a, b] = [1, 2].map((v) => new Round(ch, v, drops));
    for (const r of [a, b]) await r.derive('schedules', 'SELECT 1');
    sql.length = 0;
    await a.drop();
    expect(sql).toEqual([]);
    now = 10_000;
    await b.drop();
    await drops.flush();
    expect(sql).toEqual(
      ROUND_TABLES.map((t) => `on each shard: ALTER TABLE ${t} DROP PARTITION '${a.round}', DROP PARTITION '${b.round}'`),
    );
  });

  it('on a cluster keeps the rounds whose drop failed for the next one, and names the failure on flush', async () => {
    const sql: string[] = [];
    let fail = true;
    const ch = {
      database: 'wise',
      commandOnEachShard: async (_: string, s: string) => {
        if (fail) throw new Error('ZooKeeper is away');
        sql.push(s);
      },
    } as unknown as ClickHouseConnection;
    const drops = new DeferredDrops(ch, 'wise_cluster', 0);
    await drops.drop('r1');
    await expect(drops.flush()).rejects.toThrow(/1 ended serving rounds on the shards of wise_cluster failed .*ZooKeeper is away/);
    fail = false;
    await drops.drop('r2');
    await drops.flush();
    expect(sql[0]).toBe(`ALTER TABLE wise.serving_keys_local DROP PARTITION 'r1', DROP PARTITION 'r2'`);
  });
});
