/*
 * What a scenario must show after the fault, recovery and drain: every body answered 200 is in
 * `events` once, the serving views hold one row per key, and the hand-computed week is exact.
 */
import { tableRef, type ClickHouse } from '@wise/clickhouse';
import { EVENTS_TABLE } from '@wise/projections';
import { readAnalyticsSnapshot, SNAPSHOT_VIEWS } from '../analytics/analytics-db';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';

/** The views over the serving stores: one live row per key, whatever was redelivered. */
const SERVING_VIEWS = ['sessions', 'engagement', 'attendance', 'recordings', 'invoices', 'payments', 'revenue_daily'];

export interface Verdict {
  /** Bodies answered 200 whose event id is not in `events`; null when the checks could not read. */
  lost: number | null;
  /** Event ids with more than one live row in `events`, plus serving-view keys with more than one row; null when not read. */
  duplicated: number | null;
  /** Rows of `events` not yet merged away (copies from redelivery; collapsed by FINAL, not a defect). */
  copies: number | null;
  scenarioExact: boolean;
  problems: string[];
}

/** A check that failed to run is a failed scenario, and the row still keeps what the load saw. */
export function unchecked(e: Error): Verdict {
  return { lost: null, duplicated: null, copies: null, scenarioExact: false, problems: [`the checks could not run: ${e.message}`] };
}

export async function verify(ch: ClickHouse, acceptedIds: ReadonlySet<string>, scenarioInstitute: string): Promise<Verdict> {
  const problems: string[] = [];
  const events = tableRef(ch.database, EVENTS_TABLE);
  const live = await ch.query<{ event_id: string; n: string }>(
    'faults',
    `SELECT event_id, count() AS n FROM ${events} FINAL GROUP BY event_id`,
  );
  const stored = new Map(live.map((r) => [r.event_id, Number(r.n)]));
  const lostIds = [...acceptedIds].filter((id) => !stored.has(id));
  if (lostIds.length > 0) problems.push(`${lostIds.length} bodies answered 200 are not in events, e.g. ${lostIds.slice(0, 3).join(', ')}`);
  let duplicated = live.filter((r) => Number(r.n) > 1).length;
  if (duplicated > 0) problems.push(`${duplicated} event ids have more than one live row in events`);

  for (const view of SERVING_VIEWS) {
    const key = SNAPSHOT_VIEWS[view];
    const [r] = await ch.query<{ n: string }>(
      'faults',
      `SELECT count() AS n FROM (SELECT ${key}, count() AS c FROM ${view} GROUP BY ${key} HAVING c > 1)`,
    );
    if (Number(r.n) > 0) problems.push(`${view}: ${r.n} keys (${key}) have more than one row`);
    duplicated += Number(r.n);
  }

  const [raw] = await ch.query<{ n: string }>('faults', `SELECT count() AS n FROM ${events}`);
  let scenarioExact = true;
  try {
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, scenarioInstitute));
  } catch (e) {
    scenarioExact = false;
    problems.push(`the hand-computed week does not give its figures:\n${(e as Error).message}`);
  }
  return { lost: lostIds.length, duplicated, copies: Number(raw.n) - live.length, scenarioExact, problems };
}
