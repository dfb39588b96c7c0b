import { purgeDeadKeys } from '@wise/serving';
import { CliContext } from '../cli-context';
import { refuseDuringRebuild } from './institute-analytics.command';

export const PURGE_USAGE = `usage: purge   (deletes every row of the serving keys that died: tombstones, scope markers and the rows they hide)
  Waits for the serving rounds in flight to end (new rounds wait for it, up to 30 s), then deletes
  in two ClickHouse mutations per store. Safe with projectors running; not on a cluster.`;

/** `purge`: the rows of dead keys, which rounds tombstone and never delete (docs/serving.md, "Purging dead keys"). */
export async function purgeCommand(ctx: CliContext): Promise<void> {
  const ch = await ctx.clickhouse();
  await refuseDuringRebuild(ch, 'purge dead keys', 'run it when the rebuild has finished');
  const report = await purgeDeadKeys(ch, await ctx.servingVersions(), { cluster: ctx.config.CLICKHOUSE_CLUSTER, progress: ctx.print });
  ctx.table(report.map((r) => ({ store: r.store, dead_keys: r.deadKeys, rows_removed: r.rowsRemoved })));
}
