import { rawDatabaseOf, tableRef } from '@wise/clickhouse';
import { rebuildState } from '@wise/rebuild';
import { ProjectorConfig } from '@wise/config';
import { consumerLag } from '@wise/kafka';
import { EVENTS_TABLE } from '@wise/projections';
import { QuarantineReplaysRepository } from '@wise/postgres';
import { CliContext } from '../cli-context';
import { escapeControl } from './quarantine.command';
import { quarantineByReason, quarantinedPerInstitute } from '../quarantine-store';

export const STATUS_USAGE = 'usage: status   (consumer lag, rebuild in progress, events and quarantine per institute)';

/** Reasons shown; the rest are counted in one line (`quarantine list` shows every row). */
const REASONS_SHOWN = 30;

/**
 * `status`: what an operator checks first. The projector's consumer lag per partition (Kafka's
 * log end against the group's committed offset), whether a rebuild is running, events and the
 * newest receipt per institute, and quarantine counts by institute and reason. A service that does
 * not answer is reported on its line; the others are still shown.
 */
export async function statusCommand(ctx: CliContext, env: NodeJS.ProcessEnv): Promise<void> {
  const config = ProjectorConfig.parse(env);
  await printLag(ctx, config);
  const ch = await ctx.clickhouse();
  ctx.print(`ClickHouse ${await ch.serverVersion()}, database ${ch.database} (raw tables in ${rawDatabaseOf(ch.database)})`);

  const rebuild = await rebuildState(ch);
  ctx.print(
    rebuild.fence
      ? `rebuild: ${rebuild.fence}`
      : rebuild.tables.length === 0
        ? 'rebuild: none in progress'
        : `rebuild: none running, but tables of one are left (${rebuild.tables.join(', ')}); \`rebuild\` finishes a half-done swap or starts over`,
  );

  const rows = await ch.query<{ institute_id: string; events: string; newest_received: string }>(
    'cli:status',
    `SELECT institute_id, uniqExact(event_id) AS events, toString(max(received_at)) AS newest_received
       FROM ${tableRef(ch.database, EVENTS_TABLE)} GROUP BY institute_id ORDER BY institute_id`,
  );
  const quarantined = await quarantinedPerInstitute(ch);
  const replayed = await new QuarantineReplaysRepository(await ctx.postgres()).countsByInstitute();
  ctx.print('');
  if (rows.length === 0) ctx.print('no events stored yet');
  else
    ctx.table(
      rows.map((r) => ({
        ...r,
        quarantined: quarantined.get(r.institute_id) ?? 0,
        replayed: replayed.get(r.institute_id) ?? 0,
      })),
    );

  const reasons = await quarantineByReason(ch, REASONS_SHOWN + 1);
  ctx.print('');
  if (reasons.length === 0) return ctx.print('quarantine: empty');
  ctx.print('quarantine by institute and reason:');
  ctx.table(
    reasons.slice(0, REASONS_SHOWN).map((r) => ({
      institute_id: escapeControl(r.instituteId),
      stage: r.stage,
      count: r.count,
      newest: r.newest,
      reason: escapeControl(r.reason),
    })),
  );
  if (reasons.length > REASONS_SHOWN) ctx.print(`… and more reasons: \`quarantine list\` shows every row`);
}

async function printLag(ctx: CliContext, config: ProjectorConfig): Promise<void> {
  const group = config.PROJECTOR_GROUP_ID;
  const kafka = ctx.kafka();
  try {
    const topics = [config.KAFKA_EVENTS_TOPIC, config.KAFKA_QUARANTINE_TOPIC];
    const lags = await kafka.withAdmin((admin) => consumerLag(admin, group, topics));
    const total = lags.reduce((n, l) => n + l.lag, 0);
    ctx.print(`projector consumer group ${group}: lag ${total} message(s) over ${lags.length} partition(s)`);
    ctx.table(lags.map((l) => ({ topic: l.topic, partition: l.partition, end: l.end, committed: l.committed ?? '-', lag: l.lag })));
  } catch (e) {
    ctx.print(`projector consumer group ${group}: lag unknown (${(e as Error).message}; Kafka at ${config.KAFKA_BROKERS.join(',')})`);
  }
  ctx.print('');
}
