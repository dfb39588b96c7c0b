import type { ClickHouseConnection } from '@wise/clickhouse';
import { exampleQueries } from '../../bench/example-queries';
import { dropTestDatabase, ENGINES, loadEnvelopes } from './analytics-db';
import { ServingRefresh, setInstituteTimeZone } from '@wise/serving';
import { EVENING_INSTITUTE, eveningsInIndia } from './evening-scenario';
import { classroomWeek, S1, S4, TEACHER } from './scenario';

/** Hand-computed answers for the scenario (see expected.ts for the working). */
const ANSWERS: Record<string, unknown[][]> = {
  // Physics: 11 student-sessions (S1 4, S2 4, S4 3), present 3 + 2 + 1 = 6 -> 0.5455; Chemistry 1/1.
  // Suspended student-sessions left out (Bob, all week): C1 8 slots, 5 present.
  'attendance-rate-per-classroom-per-week': [
    ['acme-academy', '665f000000000000000c1001', '2024-06-03', 8, 5, 0.625],
    ['acme-academy', '665f000000000000000c2002', '2024-06-03', 1, 1, 1],
  ],
  // Time in class: alice 48 + 60 + 50 = 158; chitra 50 + 20 = 70 (enrolled S1, S2 only); bob
  // 35 + 0 + 20 = 55 (present at none: suspended) and dev 15 + 40 + 0 = 55 tie, broken by name.
  'most-engaged-students': [
    ['acme-academy', 'Alice Anand', 158, 3],
    ['acme-academy', 'Chitra Rao', 70, 1],
    ['acme-academy', 'Bob Bose', 55, 0],
  ],
  // From each class's actual start (S1 10:02): bob 30 (S4; 3 in S1 is under 5); dev 18 (S1) + 5
  // (S2) = 23; erin 10 (S6); chitra 8 (S1).
  'late-joiners': [
    ['acme-academy', 'Bob Bose', 1, 30],
    ['acme-academy', 'Dev Mehta', 2, 23],
    ['acme-academy', 'Erin Iyer', 1, 10],
    ['acme-academy', 'Chitra Rao', 1, 8],
  ],
  // 1800 + 1500 + 3900 = 7200 s = 2 h in June.
  'recording-hours-per-month': [['acme-academy', '2024-06-01', 3, 2]],
  // INR invoiced 500000 + 500000 + 300000, collected 500000 + 150000; USD invoiced 15000, collected 15000 + 2000.
  'revenue-per-month-per-currency': [
    ['acme-academy', '2024-06-01', 'INR', 1300000, 650000],
    ['acme-academy', '2024-06-01', 'USD', 15000, 17000],
  ],
  // Bob's latest suspension: 150000 INR overdue; Dev was unsuspended.
  'outstanding-dues': [['acme-academy', 'INR', 1, 150000]],
  // Tara's held sessions in the week of 3 June: S1 58 min (10:02-11:00), S2 65, S4 50, and S6 60
  // (scheduled length: its meeting's end never arrived) = 233 min = 3.88 h.
  'teacher-hours-per-week': [[TEACHER._id, '2024-06-03', 4, 3.88]],
  // Dev: S1 15 min (absent), S2 40 (present), S4 0: 1 of 3, 55 minutes.
  'student-attendance-trend': [['Dev Mehta', '2024-06-03', 3, 1, 0.3333, 55]],
  // evening-scenario.ts in IST: SA Sunday 19:00 UTC = Monday 00:30 IST; SC never started; SB 30 June
  // 19:00 UTC = 1 July IST; SD in 2099.
  'sessions-by-local-day': [
    ['2024-06-10', 'Algebra', 'held'],
    ['2024-06-12', 'Trigonometry', 'not_held'],
    ['2024-07-01', 'Geometry', 'held'],
    ['2099-01-05', 'Calculus', 'scheduled'],
  ],
  'unmatched-participants': [
    [S1, 'guest@other.test', 'other', 15],
    [S4, 'chitra@acme.test', 'other', 50],
  ],
};

function norm(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

describe.each(ENGINES)('docs/analytics-model.md example queries, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };
  const examples = exampleQueries();

  beforeAll(async () => {
    ch = await createDatabase();
    await loadEnvelopes(ch, classroomWeek());
    await setInstituteTimeZone(ch, new ServingRefresh(ch), EVENING_INSTITUTE, 'Asia/Kolkata');
    await loadEnvelopes(ch, eveningsInIndia());
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it('has at least six examples, each with a hand-computed answer here', () => {
    expect(examples.size).toBeGreaterThanOrEqual(6);
    expect([...examples.keys()].sort()).toEqual(Object.keys(ANSWERS).sort());
  });

  it.each(Object.keys(ANSWERS))('%s answers as computed by hand', async (name) => {
    const sql = examples.get(name);
    expect(sql).toBeDefined();
    const rows = await ch.query<Record<string, unknown>>('test-example', sql!);
    expect(rows.map((r) => Object.values(r).map(norm))).toEqual(ANSWERS[name]);
  });
});
