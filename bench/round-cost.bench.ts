import { migrateClickHouse, type ClickHouse } from '@wise/clickhouse';
import { projectEvents } from '@wise/projections';
import { PROJECTED_FACTS, SERVING_STORES, ServingRefresh, SingleWriterVersions, Touched } from '@wise/serving';
import { generateTraffic } from '../tools/simulate/generate';
import type { WorldOptions } from '../tools/simulate/world';
import type { BenchRun } from './bench-env';
import { load, storedOf } from './queries.bench';

/** What one live refresh round read and wrote, from system.query_log, at one length of history. */
export interface RoundCost {
  weeks: number;
  events: number;
  statements: number;
  readRows: number;
  writtenRows: number;
  ms: number;
}

export interface RoundCostFigures {
  /** Deliveries whose keys the measured round recomputes (the institute's latest). */
  lastEvents: number;
  sizes: RoundCost[];
}

/**
 * The cost of a live round as history grows: one institute loaded with `weeks` of history and
 * with four times as many, then one round for the keys of its latest `lastEvents` deliveries (a
 * projector batch's worth: participants, rosters, fees, schedules), its statements read back from
 * system.query_log. Upkeep that costs what changed reads and writes about as much at both.
 */
export async function benchRoundCost(
  run: BenchRun,
  plan: { weeks: number; lastEvents: number },
  say: (line: string) => void,
): Promise<RoundCostFigures> {
  const sizes: RoundCost[] = [];
  for (const weeks of [plan.weeks, plan.weeks * 4]) {
    const phase = `rounds${weeks}`;
    run.ownPhase(phase);
    const ch = run.clickhouse(phase);
    try {
      await migrateClickHouse(ch);
      const world: WorldOptions = {
        seed: 'rounds',
        institutes: 1,
        weeks,
        classrooms: 4,
        students: 25,
        startMs: Date.UTC(2024, 0, 1),
        prefix: run.slugPrefix(`r${weeks}`),
      };
      const serving = new ServingRefresh(ch);
      const events = await load(ch, serving, world, 0, (l) => say(l.replace('queries:', `rounds (${weeks} weeks):`)));
      const all = [...generateTraffic(world)];
      const { tables } = projectEvents(storedOf(all.slice(-plan.lastEvents)), { eventStore: false });
      const touched = Touched.byRows(tables);
      // As a store that has run a while has: its parts merged (a part read for one key costs at
      // least a granule of 8,192 rows, so unmerged load batches would blur what history costs).
      for (const table of [...PROJECTED_FACTS, ...SERVING_STORES]) await ch.command('bench:rounds', `OPTIMIZE TABLE ${table} FINAL`);
      // The version source's first use reads every store's highest version (a projector does that
      // once when it starts): taken here, outside the measured round.
      const versions = new SingleWriterVersions(ch);
      await versions.next();
      // The measured round on a client of its own, whose statements the query log tags `round:`.
      const measured = run.clickhouse(phase, 'round');
      const since = await serverNow(ch);
      const t0 = Date.now();
      try {
        await new ServingRefresh(measured, { versions }).refresh(touched);
      } finally {
        await measured.close();
      }
      const ms = Date.now() - t0;
      await ch.command('bench:rounds', 'SYSTEM FLUSH LOGS');
      const [c] = await ch.query<{ n: string; r: string; w: string }>(
        'bench:rounds',
        `SELECT toString(count()) AS n, toString(sum(read_rows)) AS r, toString(sum(written_rows)) AS w FROM system.query_log
         WHERE type = 2 AND event_time >= toDateTime(${since}) AND query LIKE '/* round:serving:%'`,
      );
      const cost = { weeks, events, statements: Number(c.n), readRows: Number(c.r), writtenRows: Number(c.w), ms };
      const t = touched;
      say(
        `[bench] rounds: ${weeks} weeks (${events} events): a round for the last ${plan.lastEvents} deliveries (sessions ${t.schedules.size} scheduled / ${t.participants.size} with participants, ${t.rosterClassrooms.size} roster changes, ${t.invoiceOwners.size} fee payers, ${t.payments.size} payments) ran ${cost.statements} statements, read ${cost.readRows} rows, wrote ${cost.writtenRows} in ${ms} ms`,
      );
      sizes.push(cost);
    } finally {
      await ch.close();
    }
  }
  return { lastEvents: plan.lastEvents, sizes };
}

async function serverNow(ch: ClickHouse): Promise<number> {
  const [r] = await ch.query<{ t: string }>('bench:rounds', 'SELECT toString(toUInt32(now())) AS t');
  return Number(r.t);
}
