import { fenceReason, RebuildFence } from '@wise/rebuild';
import type { ClickHouse } from '@wise/clickhouse';
import { InvalidSetting, setAttendanceRule, setInstituteTimeZone } from '@wise/serving';
import { CliContext, CliError } from '../cli-context';

/**
 * A rebuild recomputes every institute into copies it then swaps in: a setting changed while it
 * runs would recompute the live rows the swap throws away, and the copies keep the old setting;
 * a purge would rewrite stores the swap throws away.
 */
export async function refuseDuringRebuild(ch: ClickHouse, what: string, when = 'change the setting when it has finished'): Promise<void> {
  const fence = await new RebuildFence(ch).current();
  if (fence) throw new CliError(`cannot ${what} while a rebuild runs: ${fenceReason(fence)}; ${when}`);
}

/**
 * The analytics settings of an institute, which live in ClickHouse beside the rows they shape:
 * its time zone (day, week and month buckets) and its attendance rule. Each change recomputes the
 * institute's stored rows before returning, so every view answers with the new setting at once.
 */
export async function setTimeZoneCommand(ctx: CliContext, slug: string, zone: string): Promise<void> {
  const ch = await ctx.clickhouse();
  await refuseDuringRebuild(ch, 'change a time zone');
  try {
    await setInstituteTimeZone(ch, await ctx.servingRefresh(), slug, zone, ctx.print);
  } catch (e) {
    if (e instanceof InvalidSetting) throw new CliError(e.message);
    throw e;
  }
  ctx.print(`institute "${slug}" now counts days, weeks and months in ${zone}; its analytics rows were recomputed.`);
}

export async function setAttendanceRuleCommand(
  ctx: CliContext,
  slug: string,
  rule: { minPercent: number; minMinutes: number; judgeOn?: string },
): Promise<void> {
  const ch = await ctx.clickhouse();
  await refuseDuringRebuild(ch, 'change an attendance rule');
  try {
    await setAttendanceRule(ch, await ctx.servingRefresh(), slug, rule, ctx.print);
  } catch (e) {
    if (e instanceof InvalidSetting) throw new CliError(e.message);
    throw e;
  }
  const of = rule.judgeOn === 'scheduled' ? 'the scheduled duration' : "the class's duration (shorter of scheduled and actual)";
  ctx.print(
    `institute "${slug}": present when time in class >= ${rule.minPercent} % of ${of} and >= ${rule.minMinutes} min; attendance recomputed.`,
  );
}
