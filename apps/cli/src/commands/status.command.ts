import { CliContext } from '../cli-context';

/** `status`: institutes, events stored, quarantine size, newest event, per institute. */
export async function statusCommand(ctx: CliContext): Promise<void> {
  const ch = await ctx.clickhouse();
  ctx.print(`ClickHouse ${await ch.serverVersion()}, database ${ch.database}`);
  const rows = await ch.query<Record<string, unknown>>(
    'cli:status',
    `SELECT institute_id, uniqExact(event_id) AS events, toString(max(received_at)) AS newest_received
       FROM events GROUP BY institute_id ORDER BY institute_id`,
  );
  const q = await ch.query<{ institute_id: string; n: string }>(
    'cli:status',
    'SELECT institute_id, uniqExact(quarantine_id) AS n FROM quarantine GROUP BY institute_id',
  );
  const quarantined = new Map(q.map((r) => [r.institute_id, r.n]));
  if (rows.length === 0) ctx.print('no events stored yet');
  else ctx.table(rows.map((r) => ({ ...r, quarantined: quarantined.get(String(r.institute_id)) ?? 0 })));
}
