import { rebuildProjections, RebuildRefused } from '@wise/clickhouse';
import { ProjectorConfig } from '@wise/config';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { servingRebuild } from '@wise/serving';
import { CliContext, CliError, Flags } from '../cli-context';

export const REBUILD_USAGE = 'usage: rebuild [--page-size N] [--force]';
const DEFAULT_PAGE_SIZE = 5000;

/**
 * `rebuild`: the analytics tables projected again from the event store and swapped in (see
 * libs/clickhouse/src/rebuild.ts for what is guaranteed). The projector must be stopped: rows it
 * wrote meanwhile would vanish at the swap. --force skips that check and drops the leftovers of an
 * earlier rebuild.
 */
export async function rebuildCommand(ctx: CliContext, flags: Flags, env: NodeJS.ProcessEnv): Promise<void> {
  const pageSize = Number(flags['page-size'] ?? DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000_000)
    throw new CliError(`--page-size must be a whole number from 1 to 1000000\n${REBUILD_USAGE}`);
  const force = flags.force === true;
  // The projector's settings say which consumer group to check.
  const config = ProjectorConfig.parse(env);
  // `CREATE TABLE t__rebuild AS t` over a Distributed `t` would write into the live shards, and
  // RENAME cannot swap a Distributed table with its local tables: rebuild is for one server.
  if (config.CLICKHOUSE_CLUSTER) {
    throw new CliError(
      `rebuild works on one ClickHouse server; CLICKHOUSE_CLUSTER is "${config.CLICKHOUSE_CLUSTER}". On a cluster, rebuild by replaying Kafka into fresh tables (docs/scaling.md).`,
    );
  }
  const logger = new Logger('cli', 'error');
  if (force) {
    ctx.print(
      '--force: not checking that the projector is stopped; rows it writes during the rebuild are lost at the swap (a later rebuild restores them)',
    );
  } else {
    const kafka = new KafkaConnection({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-cli`, logger });
    const group = await kafka.groupState(config.PROJECTOR_GROUP_ID);
    if (group.members > 0) {
      throw new CliError(
        `the projector is running: consumer group "${config.PROJECTOR_GROUP_ID}" has ${group.members} member(s) (state ${group.state}).\n` +
          'Stop every projector first (after a crash, wait 30 s for its session to expire), or pass --force.',
      );
    }
    ctx.print(`projector group "${config.PROJECTOR_GROUP_ID}" has no members (state ${group.state}); rebuilding`);
  }
  const ch = await ctx.clickhouse();
  try {
    const progress = (line: string) => ctx.print(`rebuild: ${line}`);
    // The serving tables are recomputed from the rebuilt facts and swapped in with them.
    const result = await rebuildProjections(ch, { pageSize, force, logger, progress, ...servingRebuild(ch, progress) });
    ctx.print(`rebuild done: ${result.events} events, ${result.quarantined} quarantined`);
    ctx.table(Object.entries(result.rows).map(([table, rows]) => ({ table, rows })));
  } catch (e) {
    if (e instanceof RebuildRefused) throw new CliError(e.message);
    throw e;
  }
}
