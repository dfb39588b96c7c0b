import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouse } from '@wise/clickhouse';
import { createTestDatabase, dropTestDatabase, loadEnvelopes } from './analytics-db';
import { C1, C2, S1, classroomWeek } from './scenario';

const DOCS = ['docs/bi.md', 'docs/scaling.md'];
const read = (doc: string) => readFileSync(join(__dirname, '..', '..', doc), 'utf8');

/** The ```sql blocks of a document that start with `-- bi: <name>`. */
function docQueries(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const name = /^-- bi: ([a-z0-9-]+)/.exec(m[1])?.[1];
    if (name) out.set(name, m[1].trim());
  }
  return out;
}

const A = 'acme-academy';
/** Hand-computed answers for the scenario; the working is in test/analytics/expected.ts. */
const ANSWERS: Record<string, unknown[][]> = {
  // expected.ts ATTENDANCE_BY_SESSION, in order of start: S1 Mon 10:00, S2 Tue 10:00, S6 Tue 15:00, S4 Thu.
  'attendance-per-session': [
    [A, 'Optics 1', '2024-06-03 10:00:00', 3, 2, 0.6667],
    [A, 'Optics 2: Lenses', '2024-06-04 10:00:00', 3, 2, 0.6667],
    [A, 'Titration', '2024-06-04 15:00:00', 1, 1, 1],
    [A, 'Optics 4', '2024-06-06 10:00:00', 2, 1, 0.5],
  ],
  // ATTENDANCE_BY_STUDENT: Dev 1 of 3; Chitra is 1 of 2 = 0.5, not below half; Bob, suspended all
  // week, has no rate.
  'students-below-half-attendance': [[A, C1, 'Dev Mehta', 3, 1, 0.3333]],
  // ATTENDANCE rows with status absent; the rule is 50 % of the time the class ran (S1 58 min, S4 50).
  absences: [
    [A, 'Optics 1', 'Dev Mehta', 15, 29],
    [A, 'Optics 2: Lenses', 'Chitra Rao', 20, 30],
    [A, 'Optics 4', 'Dev Mehta', 0, 25],
  ],
  // ATTENDANCE_BY_WEEK: C1 8 slots 5 present, C2 1 slot 1 present -> 6 / 9 = 0.66667.
  'weekly-attendance-trend': [[A, '2024-06-03', 9, 6, 0.6667]],
  // SESSIONS: C1 held S1, S2, S4; cancelled S3, S5 (deleted). C2: S6 held (its end never came).
  'sessions-held-and-cancelled': [
    [A, C1, 3, 2],
    [A, C2, 1, 0],
  ],
  // ENGAGEMENT: alice 5 min of application, tara 20 min of desktop, both in S1.
  'screen-sharing': [
    [A, S1, 'alice@acme.test', 5, 'application'],
    [A, S1, 'tara@acme.test', 20, 'desktop'],
  ],
  // ROSTER: C1 alice, bob, dev in, chitra removed, tara teaching; C2 erin.
  'classroom-sizes': [
    [A, C1, 3, 1, 1],
    [A, C2, 1, 0, 0],
  ],
  // RECORDINGS_BY_MONTH's parts: S1 1800 + 1500 s = 30 + 25 min; S2 3900 s = 65 min.
  'recordings-per-session': [
    [A, 'Optics 1', 2, 55],
    [A, 'Optics 2: Lenses', 1, 65],
  ],
  // REVENUE_MONTHLY summed over classrooms: INR 650000 / 1300000 = 0.5; USD 17000 / 15000.
  'collection-rate': [
    [A, '2024-06-01', 'INR', 1300000, 650000, 0.5],
    [A, '2024-06-01', 'USD', 15000, 17000, 1.1333],
  ],
  // INVOICES: alice inst-a0 + inst-a1 (re-sends collapse), bob index:0, erin inst-e0.
  'invoiced-per-student': [
    [A, 'Alice Anand', 'INR', 2, 1000000],
    [A, 'Bob Bose', 'INR', 1, 300000],
    [A, 'Erin Iyer', 'USD', 1, 15000],
  ],
  // DUES: Bob's latest suspension (FEE_DELAY) with 150000 INR; Dev was unsuspended.
  'overdue-students': [[A, 'Bob Bose', 'FEE_DELAY', 150000, 'INR']],
  // CERTIFICATES: issuedOn 2024-06-07T12:00Z.
  'certificates-issued': [[A, 'Alice Anand', 'CERT-2024-001', '2024-06-07 12:00:00']],
};

function norm(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

describe('SQL in docs/bi.md and docs/scaling.md', () => {
  let ch: ClickHouse;
  const queries = new Map(DOCS.flatMap((doc) => [...docQueries(read(doc))]));

  beforeAll(async () => {
    ch = await createTestDatabase();
    await loadEnvelopes(ch, classroomWeek());
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it.each(DOCS)('%s has no untested SQL: every sql block is a named query with an answer here', (doc) => {
    const blocks = [...read(doc).matchAll(/```sql\n([\s\S]*?)```/g)];
    for (const b of blocks) expect(b[1]).toMatch(/^-- bi: [a-z0-9-]+\n/);
  });

  it('has a starter set of at least ten questions, each with a hand-computed answer', () => {
    expect(queries.size).toBeGreaterThanOrEqual(10);
    expect([...queries.keys()].sort()).toEqual(Object.keys(ANSWERS).sort());
  });

  it.each(Object.keys(ANSWERS))('%s answers as computed by hand', async (name) => {
    const rows = await ch.query<Record<string, unknown>>('test-bi', queries.get(name)!);
    expect(rows.map((r) => Object.values(r).map(norm))).toEqual(ANSWERS[name]);
  });
});
