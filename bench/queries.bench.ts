import { ClickHouseWriter } from '@wise/projection-writer';
import { migrateClickHouse, sqlString, type ClickHouse } from '@wise/clickhouse';
import { deriveEventId, ENVELOPE_SCHEMA_VERSION, parseWiseBody } from '@wise/contracts';
import { Logger } from '@wise/observability';
import { projectEvents, type StoredEvent } from '@wise/projections';
import { ServingRefresh, Touched } from '@wise/serving';
import { generateTraffic, type SimEvent } from '../tools/simulate/generate';
import { instituteSlug, type WorldOptions } from '../tools/simulate/world';
import type { BenchRun } from './bench-env';
import { exampleQueries } from './example-queries';
import { percentile } from './stats';

/** The institutes the example queries (docs/analytics-model.md) name; the bench asks the same of its dashboard institute. */
const EXAMPLE_INSTITUTES = ['acme-academy', 'ganga-tutors'];

export interface QueryTiming {
  query: string;
  p50Ms: number;
  p95Ms: number;
  rows: number;
}

export interface QueriesFigures {
  /** Events in the store and seconds it took to load them, per size. */
  sizes: Array<{ events: number; institutes: number; loadSeconds: number; timings: QueryTiming[] }>;
  /**
   * At the largest size, the dashboard's queries again while roster and fee bursts of the dashboard
   * institute are projected and refreshed as the projector does (`churn`): its rounds and how long
   * they took.
   */
  churn?: { timings: QueryTiming[]; rounds: number; events: number; roundP50Ms: number; roundP95Ms: number };
  repeats: number;
  institute: string;
}

export interface QueriesPlan {
  /** Events in the store at each size (approximately: whole institutes are added). */
  sizes: number[];
  repeats: number;
  weeks: number;
  /** Weeks of history of the dashboard institute (two years by default): what a live round must not read whole. */
  dashboardWeeks?: number;
}

/** The per-institute dashboard a Metabase user would open, besides the example queries. */
function dashboard(institute: string, student: string): Array<[string, string]> {
  const i = sqlString(institute);
  return [
    [
      'dashboard: attendance by week',
      `SELECT classroom_id, week, sessions, enrolled_slots, present, attendance_rate FROM attendance_by_week WHERE institute_id = ${i} ORDER BY classroom_id, week`,
    ],
    [
      'dashboard: engagement top participants',
      `SELECT participant, any(user_name) AS name, sum(minutes_present) AS minutes FROM engagement WHERE institute_id = ${i} GROUP BY participant ORDER BY minutes DESC LIMIT 10`,
    ],
    [
      'dashboard: revenue by month',
      `SELECT month, currency, sum(invoiced_minor) AS invoiced, sum(collected_minor) AS collected FROM revenue_monthly WHERE institute_id = ${i} GROUP BY month, currency ORDER BY month, currency`,
    ],
    [
      'dashboard: dues',
      `SELECT classroom_name, student_name, overdue_minor, currency FROM dues WHERE institute_id = ${i} ORDER BY overdue_minor DESC`,
    ],
    [
      'dashboard: recordings by month',
      `SELECT month, sum(parts) AS parts, sum(hours) AS hours FROM recordings_by_classroom_month WHERE institute_id = ${i} GROUP BY month ORDER BY month`,
    ],
    ['dashboard: sessions not held', `SELECT count() AS n FROM sessions WHERE institute_id = ${i} AND status = 'not_held'`],
    [
      'dashboard: teacher hours by month',
      `SELECT teacher_id, month, hours_taught FROM teacher_hours_by_month WHERE institute_id = ${i} ORDER BY teacher_id, month`,
    ],
    // Group-wide: every institute at once (the views read the stored weekly and monthly rollups).
    [
      'group: attendance by week, all institutes',
      `SELECT week, sum(sessions) AS sessions, sum(present) AS present, round(present / sum(enrolled_slots), 4) AS rate FROM attendance_by_week GROUP BY week ORDER BY week`,
    ],
    [
      'group: revenue by month, all institutes',
      `SELECT month, currency, sum(invoiced_minor) AS invoiced, sum(collected_minor) AS collected FROM revenue_monthly GROUP BY month, currency ORDER BY month, currency`,
    ],
    [
      'dashboard: one student by week',
      `SELECT week, sessions, present, attendance_rate FROM student_attendance_by_week WHERE institute_id = ${i} AND student_id = ${sqlString(student)} ORDER BY week`,
    ],
  ];
}

/**
 * Loads the simulator's traffic straight through the projections and the serving layer into a
 * fresh database, to each size in turn (more institutes, each with the same weeks of history), and
 * times every example query and a per-institute dashboard at each size. The dashboard institute
 * is the first one, in the store at every size: if filters prune and nothing recomputes history,
 * its queries cost the same whatever else the store holds.
 */
export async function benchQueries(run: BenchRun, plan: QueriesPlan, say: (line: string) => void): Promise<QueriesFigures> {
  run.ownPhase('queries');
  const ch = run.clickhouse('queries');
  try {
    await migrateClickHouse(ch);
    const world = (institutes: number): WorldOptions => ({
      seed: 'queries',
      institutes,
      weeks: plan.weeks,
      classrooms: 4,
      students: 25,
      startMs: Date.UTC(2024, 0, 1),
      prefix: run.slugPrefix('q'),
    });
    const perInstitute = count(generateTraffic(world(1)));
    say(`[bench] queries: the simulator gives ${perInstitute} events per institute over ${plan.weeks} weeks`);
    // The dashboard institute has the longest history: its queries and its live rounds must cost
    // what one week costs, not what its two years do.
    const dashboardWorld: WorldOptions = { ...world(1), weeks: plan.dashboardWeeks ?? 104, prefix: run.slugPrefix('qd') };
    const institute = instituteSlug(dashboardWorld, 0);
    const serving = new ServingRefresh(ch);
    const figures: QueriesFigures = { sizes: [], repeats: plan.repeats, institute };
    let loaded = 0;
    const t00 = Date.now();
    let events = await load(ch, serving, dashboardWorld, 0, say);
    let loadSeconds = (Date.now() - t00) / 1000;
    let queries: Array<[string, string]> = [];
    for (const size of plan.sizes) {
      // Institutes to add, not the total: the store already holds `events`.
      const target = loaded + Math.max(1, Math.ceil((size - events) / perInstitute));
      const t0 = Date.now();
      events += await load(ch, serving, world(target), loaded, say);
      loadSeconds += (Date.now() - t0) / 1000;
      loaded = target;
      const student = await oneStudent(ch, institute);
      queries = [
        ...[...exampleQueries()].map(([name, sql]): [string, string] => [
          `example: ${name}`,
          EXAMPLE_INSTITUTES.reduce((q, slug) => q.split(sqlString(slug)).join(sqlString(institute)), sql),
        ]),
        ...dashboard(institute, student),
      ];
      say(
        `[bench] queries: ${events} events from ${loaded + 1} institutes loaded (${loadSeconds.toFixed(0)} s in all); timing ${queries.length} queries × ${plan.repeats}`,
      );
      const timings: QueryTiming[] = [];
      for (const [name, sql] of queries) timings.push(await time(ch, name, sql, plan.repeats));
      figures.sizes.push({ events, institutes: loaded + 1, loadSeconds, timings });
    }
    figures.churn = await duringChurn(ch, serving, dashboardWorld, queries, plan.repeats, say);
    return figures;
  } finally {
    await ch.close();
  }
}

/** Roster and fee events: the changes that reach the most stored rows per event. */
const CHURN_EVENTS = new Set([
  'StudentAddedToClassroomEvent',
  'StudentRemovedFromClassroomEvent',
  'StudentSuspensionUpdatedEvent',
  'FeeInvoiceChargedEvent',
  'FeePaymentCompletedEvent',
]);
/** Events per burst, and the pause between bursts: about 100 roster and fee events a second. */
const CHURN_BURST = 50;
const CHURN_PAUSE_MS = 500;

/**
 * Times `queries` while bursts of the institute's roster and fee events (those of its last eight
 * weeks, delivered again as Wise's retries would be) are written and refreshed in rounds as the
 * projector does them: facts, then `ServingRefresh.refresh` of what they touched.
 */
async function duringChurn(
  ch: ClickHouse,
  serving: ServingRefresh,
  w: WorldOptions,
  queries: ReadonlyArray<[string, string]>,
  repeats: number,
  say: (line: string) => void,
): Promise<NonNullable<QueriesFigures['churn']>> {
  const all = [...generateTraffic(w)];
  const since = (all[all.length - 1]?.at ?? 0) - 8 * 7 * 86_400_000;
  const pool = all.filter((e) => e.at >= since && CHURN_EVENTS.has(e.name));
  if (pool.length === 0) throw new Error('queries: the dashboard institute has no roster or fee events to churn with');
  const writer = new ClickHouseWriter(ch, new Logger('bench', 'error'), 1000);
  const rounds: number[] = [];
  let sent = 0;
  let churning = true;
  const churn = (async () => {
    for (let i = 0; churning; i++) {
      const burst = Array.from({ length: CHURN_BURST }, (_, j) => pool[(i * CHURN_BURST + j) % pool.length]);
      const { tables } = projectEvents(storedOf(burst), { eventStore: true });
      await writer.write(tables, { isActive: () => true, heartbeat: async () => undefined, source: 'bench' });
      const t0 = process.hrtime.bigint();
      await serving.refresh(Touched.byRows(tables));
      rounds.push(Number(process.hrtime.bigint() - t0) / 1e6);
      sent += burst.length;
      await new Promise((r) => setTimeout(r, CHURN_PAUSE_MS));
    }
  })();
  try {
    say(
      `[bench] queries: timing the dashboard during churn (bursts of ${CHURN_BURST} roster and fee events from a pool of ${pool.length})`,
    );
    const timings: QueryTiming[] = [];
    for (const [name, sql] of queries) timings.push(await time(ch, name, sql, repeats));
    const sorted = [...rounds].sort((a, b) => a - b);
    return { timings, rounds: rounds.length, events: sent, roundP50Ms: percentile(sorted, 50), roundP95Ms: percentile(sorted, 95) };
  } finally {
    churning = false;
    await churn;
  }
}

function count(it: Iterable<unknown>): number {
  let n = 0;
  for (const _ of it) n++;
  return n;
}

async function time(ch: ClickHouse, query: string, sql: string, repeats: number): Promise<QueryTiming> {
  let rows = (await ch.query(`bench:queries`, sql)).length; // warm-up: caches as a dashboard refresh finds them
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    rows = (await ch.query(`bench:queries`, sql)).length;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { query, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), rows };
}

async function oneStudent(ch: ClickHouse, institute: string): Promise<string> {
  const rows = await ch.query<{ student_id: string }>(
    'bench:queries',
    `SELECT student_id FROM attendance WHERE institute_id = ${sqlString(institute)} ORDER BY student_id LIMIT 1`,
  );
  return rows[0]?.student_id ?? '';
}

const BATCH = 20_000;

/**
 * Projects the traffic of institutes [from, world.institutes) into the fact tables, then computes
 * their serving rows institute by institute (what `rebuild` does): the same code as the live
 * projector's per-batch refresh, in far fewer statements. Returns the events loaded.
 */
export async function load(
  ch: ClickHouse,
  serving: ServingRefresh,
  w: WorldOptions,
  from: number,
  say: (line: string) => void,
): Promise<number> {
  let batch: SimEvent[] = [];
  let n = 0;
  const t0 = Date.now();
  const writer = new ClickHouseWriter(ch, new Logger('bench', 'error'), 1000);
  const flush = async () => {
    await writeFacts(writer, batch);
    n += batch.length;
    batch = [];
    say(`[bench] queries: ${n} events projected into the fact tables (${Math.round(n / ((Date.now() - t0) / 1000))}/s)`);
  };
  for (const e of generateTraffic(w)) {
    if (e.institute < from) continue;
    batch.push(e);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  const institutes = Array.from({ length: w.institutes - from }, (_, i) => instituteSlug(w, from + i));
  const t1 = Date.now();
  await serving.refreshInstitutes(institutes, (line) => {
    if (!line.startsWith(' ')) say(`[bench] queries: ${line}`);
  });
  say(`[bench] queries: serving rows of ${institutes.length} institutes computed in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  return n;
}

/** The projector's own path without Kafka: the batch loop and the writer. */
async function writeFacts(writer: ClickHouseWriter, events: SimEvent[]): Promise<void> {
  const { tables } = projectEvents(storedOf(events), { eventStore: true });
  await writer.write(tables, { isActive: () => true, heartbeat: async () => undefined, source: 'bench' });
}

/** Simulator deliveries as the event store holds them (received at their simulated time). */
export function storedOf(events: readonly SimEvent[]): StoredEvent[] {
  return events.map((e) => {
    const raw = Buffer.from(e.body);
    const parsed = parseWiseBody(raw);
    if (!parsed.ok) throw new Error(`simulator body refused by the contract: ${parsed.reason}`);
    const l = parsed.links;
    const head = {
      v: ENVELOPE_SCHEMA_VERSION,
      eventId: deriveEventId(e.slug, raw),
      instituteId: e.slug,
      eventName: parsed.eventName,
      receivedAt: Math.floor(e.at),
      occurredAt: l.occurredAtMs,
      sessionId: l.sessionId,
      classroomId: l.classroomId,
      userId: l.userId,
    };
    return { head, rawBody: e.body, source: 'bench' };
  });
}
