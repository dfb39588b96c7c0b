/*
 * Two writers refreshing the same serving rows at once, driven through every interleaving a pause
 * between a round's statements can produce: writer A writes its batch's facts and starts its round,
 * which is held just before one of its statements; writer B writes the other batch's facts and runs
 * its whole round; then A goes on. Whatever the statement A was held at, and whichever batch A
 * holds, every view must equal one writer loading both batches (what `rebuild` computes). The
 * versions come from the production source, PostgreSQL's sequence (each writer with its own pool,
 * as two processes on two hosts), so no clock of either writer enters the result.
 *
 * The batches are the cases that broke the clock-based layer: a session moved to another
 * classroom while a student was removed from it (B's newer round must not read a session row A has
 * not rewritten yet, and A's older round must not leave the removed student's attendance behind),
 * and a payment moved to another classroom (the older round's daily revenue for the first
 * classroom must not survive).
 */

import type { ClickHouseConnection } from '@wise/clickhouse';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { PostgresVersions, ROUND_STEPS, ServingRefresh, type RoundStep } from '@wise/serving';
import { dropTestDatabase, ENGINES, loadEnvelopes, readAnalyticsSnapshot } from './analytics-db';
import { anonymous, first, gate, MIA, NEW, OLD, PG_URL, S, second, writeFacts } from './race-scenario';

describe.each(ENGINES)('two writers racing on the same serving rows, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };
  let pgA: Postgres;
  let pgB: Postgres;
  let expected: ReturnType<typeof anonymous>;
  let n = 0;

  beforeAll(async () => {
    ch = await createDatabase();
    await ensurePostgresDatabase(PG_URL);
    pgA = new Postgres(PG_URL, 1);
    // Two connections: unheld, B's refresh runs its two chains at once, each holding a lease.
    pgB = new Postgres(PG_URL, 2);
    await migratePostgres(pgA);
    const reference = 'race-reference';
    await loadEnvelopes(ch, [...first(reference), ...second(reference)], 100);
    expected = anonymous(await readAnalyticsSnapshot(ch, reference));
  });
  afterAll(async () => {
    await Promise.all([pgA?.close(), pgB?.close()]);
    if (ch) await dropTestDatabase(ch);
  });

  it('the reference is the hand-computed outcome: one session in the new room, Mia present, Noah not enrolled, the payment in the new room', () => {
    expect(expected.sessions).toEqual([expect.objectContaining({ session_id: S, classroom_id: NEW._id, status: 'held' })]);
    // Rescheduled to 10:30, but the class ran 10:05-11:00: Mia, there from 10:10 to 10:55, is in class
    // 45 minutes, 5 minutes after it started (and before the scheduled start); judged on the 30
    // scheduled minutes, shorter than the 55 it ran.
    expect(expected.attendance).toEqual([
      expect.objectContaining({
        student_id: MIA._id,
        classroom_id: NEW._id,
        present: 1,
        minutes_present: 45,
        minutes_late: 5,
        minutes_late_scheduled: 0,
        class_minutes: 30,
      }),
    ]);
    // The invoice stays in the old room (2 June); the payment, first received on 3 June, is in the new one.
    // (64-bit counts arrive as strings from the 18.16 server and as numbers from chDB.)
    const money = expected.revenue_daily.map((r) => [
      r.day,
      r.classroom_id,
      ...[r.invoiced_minor, r.invoices, r.collected_minor, r.payments].map(Number),
    ]);
    expect(money).toEqual([
      ['2024-06-02', OLD._id, 5000, 1, 0, 0],
      ['2024-06-03', NEW._id, 0, 0, 5000, 1],
    ]);
  });

  const cases = (['first', 'second'] as const).flatMap((held) => ROUND_STEPS.map((step) => [held, step] as const));

  it.each(cases)('the %s batch held before %s, the other run whole: every view equals one writer', async (heldBatch, step) => {
    const institute = `race-${++n}`;
    const [heldEvents, otherEvents] = heldBatch === 'first' ? [first(institute), second(institute)] : [second(institute), first(institute)];
    const g = gate(step);
    const a = new ServingRefresh(ch, { versions: new PostgresVersions(pgA, ch), between: g.between });
    const b = new ServingRefresh(ch, { versions: new PostgresVersions(pgB, ch) });

    const roundA = a.refresh(await writeFacts(ch, heldEvents));
    await Promise.race([g.reached, roundA]);
    try {
      await b.refresh(await writeFacts(ch, otherEvents));
    } finally {
      // A held round holds its lease and pgA's connection: a failure here must not keep it held.
      g.release();
    }
    await roundA;

    expect(anonymous(await readAnalyticsSnapshot(ch, institute))).toEqual(expected);
  });

  it('each step is one a round of these batches reaches, so each case above held a round', async () => {
    const institute = `race-steps-${++n}`;
    const seen = new Set<RoundStep>();
    const serving = new ServingRefresh(ch, { versions: new PostgresVersions(pgA, ch), between: async (s) => void seen.add(s) });
    const touched = await writeFacts(ch, first(institute));
    touched.addAll(await writeFacts(ch, second(institute)));
    await serving.refresh(touched);
    expect([...seen].sort()).toEqual([...ROUND_STEPS].sort());
  });
});
