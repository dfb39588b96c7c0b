import type { ClickHouse } from '@wise/clickhouse';

const EVENTS = [
  'InsertQuery',
  'SelectQuery',
  'InsertedRows',
  'MergedRows',
  'UserTimeMicroseconds',
  'SystemTimeMicroseconds',
  'IOBufferAllocBytes',
] as const;
export type ClickHouseCounters = Partial<Record<(typeof EVENTS)[number], number>>;

/** The server's cumulative counters (system.events) that show how it is being written to. */
export async function readCounters(ch: ClickHouse): Promise<ClickHouseCounters> {
  const list = EVENTS.map((e) => `'${e}'`).join(',');
  const rows = await ch
    .query<{ event: string; value: string | number }>('bench', `SELECT event, value FROM system.events WHERE event IN (${list})`)
    .catch(() => []);
  return Object.fromEntries(rows.map((r) => [r.event, Number(r.value)]));
}

/** Share of the CPU of ClickHouse's query threads spent in the kernel (file creation, page faults). */
export function kernelShare(c: ClickHouseCounters): number {
  const user = c.UserTimeMicroseconds ?? 0;
  const system = c.SystemTimeMicroseconds ?? 0;
  return user + system > 0 ? system / (user + system) : NaN;
}

/** Per-second rates of the counters between two readings (the whole server, not one database). */
export function counterRates(before: ClickHouseCounters, after: ClickHouseCounters, seconds: number): ClickHouseCounters {
  return Object.fromEntries(EVENTS.filter((e) => after[e] !== undefined).map((e) => [e, ((after[e] ?? 0) - (before[e] ?? 0)) / seconds]));
}

/**
 * CPU seconds ClickHouse spent on the bench's own queries (named `bench`: its polls of `events`
 * and of the views) that finished between the two times, from system.query_log. The server's
 * cores measure the pipeline and the watching together; this is what to take off. Null where the
 * log cannot say (query logging off, or a server whose query_log has no ProfileEvents arrays).
 */
export async function benchQueriesCpuSeconds(ch: ClickHouse, fromMs: number, toMs: number): Promise<number | null> {
  try {
    await ch.command('bench', 'SYSTEM FLUSH LOGS');
    const rows = await ch.query<{ us: string | number }>(
      'bench',
      `SELECT sum(arraySum(arrayFilter((v, n) -> n IN ('UserTimeMicroseconds', 'SystemTimeMicroseconds'), ProfileEvents.Values, ProfileEvents.Names))) AS us
       FROM system.query_log
       WHERE type = 2 AND query LIKE '/* bench:%' AND event_time >= toDateTime(${Math.floor(fromMs / 1000)}) AND event_time <= toDateTime(${Math.ceil(toMs / 1000)})`,
    );
    return Number(rows[0]?.us ?? 0) / 1e6;
  } catch {
    return null;
  }
}
