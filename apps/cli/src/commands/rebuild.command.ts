import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  dropUnfinishedRebuild,
  REBUILD_ALIVE_EVERY_MS,
  RebuildFence,
  rebuildProjections,
  swapIn,
  SwapStateError,
  SwapUnfinished,
  type OpenFence,
} from '@wise/rebuild';
import { ProjectorConfig } from '@wise/config';
import { Logger } from '@wise/observability';
import { servingRebuild } from '@wise/serving';
import { CliContext, CliError, Flags } from '../cli-context';
import { PAUSE_WAIT_MS, refuseIfRunning, waitForProjectorsToPause } from './projectors-pause';

export const REBUILD_USAGE = `usage: rebuild [--page-size N] [--pause-wait-s N] [--force]
       rebuild --abort [--force]
  Projectors keep running: they pause while the rebuild holds its fence and resume after the swap.
  A rebuild that stopped half-way (killed, or its swap interrupted) is finished by running rebuild again.
  --pause-wait-s N   how long to wait for every projector to pause (default 90)
  --abort   lift the fence of a rebuild that stopped before its swap, and drop its tables
  --force   take over (or abort) a rebuild that still looks alive; only when you know it is dead`;
// Fewer, larger pages mean fewer INSERTs (one per table per page). On 400k events (2 cores, this
// project's stack): 10,000 per page took 0.94x the time of 5,000 at 311 MB peak instead of 228;
// 20,000 took 0.89x at 474 MB.
const DEFAULT_PAGE_SIZE = 10_000;

/**
 * `rebuild`: the analytics tables projected again from the event store and swapped in (see
 * libs/rebuild/src/rebuild.ts for what is guaranteed), under the rebuild fence
 * (rebuild-fence.ts there): projectors pause, so nothing they write can be lost at the swap.
 */
export async function rebuildCommand(ctx: CliContext, flags: Flags, env: NodeJS.ProcessEnv): Promise<void> {
  const pageSize = Number(flags['page-size'] ?? DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000_000)
    throw new CliError(`--page-size must be a whole number from 1 to 1000000\n${REBUILD_USAGE}`);
  const pauseWaitS = Number(flags['pause-wait-s'] ?? PAUSE_WAIT_MS / 1000);
  if (!Number.isInteger(pauseWaitS) || pauseWaitS < 1 || pauseWaitS > 3600)
    throw new CliError(`--pause-wait-s must be a whole number of seconds from 1 to 3600\n${REBUILD_USAGE}`);
  // The projector's settings say which consumer group must pause.
  const config = ProjectorConfig.parse(env);
  // On a cluster the copies are made, filled and swapped through the cluster (rebuild-tables.ts).
  const cluster = config.CLICKHOUSE_CLUSTER ?? '';
  const ch = await ctx.clickhouse();
  const fences = new RebuildFence(ch);
  const progress = (line: string) => ctx.print(`rebuild: ${line}`);
  const serving = servingRebuild(ch, await ctx.servingVersions(), progress, cluster);
  const by = `pid ${process.pid} on ${hostname()}`;
  const found = await fences.current();
  if (found) refuseIfRunning(found, flags.force === true);

  if (flags.abort === true) {
    if (!found) return ctx.print('no rebuild in progress; nothing to abort');
    if (found.swap) {
      throw new CliError(
        'the rebuild had begun its swap: aborting would leave some tables rebuilt and some not. Run rebuild (without --abort) to finish the swap.',
      );
    }
    await dropUnfinishedRebuild(ch, serving.derivedTables, progress, cluster);
    await fences.clear(found.id, `aborted by ${by}`);
    return ctx.print(`rebuild aborted: the fence set ${new Date(found.startedAt).toISOString()} is lifted, projectors resume`);
  }

  const fenceId = await holdFence(ctx, fences, found, by);
  let swapRecorded = found?.swap != null;
  const heartbeat = setInterval(() => void fences.alive(fenceId, by).catch(() => undefined), REBUILD_ALIVE_EVERY_MS);
  try {
    if (found?.swap) {
      progress(`finishing the swap begun by ${found.by} (${found.swap.length} tables)`);
      await swapIn(ch, found.swap, cluster);
      await fences.clear(fenceId, `swap finished by ${by}`);
      return ctx.print('rebuild done: the interrupted swap is finished; projectors resume');
    }
    const kafka = ctx.kafka();
    progress(`fence set; waiting for the projectors of group "${config.PROJECTOR_GROUP_ID}" to pause`);
    await waitForProjectorsToPause(kafka, config.PROJECTOR_GROUP_ID, fences, fenceId, progress, pauseWaitS * 1000);
    const result = await rebuildProjections(ch, {
      pageSize,
      cluster,
      logger: new Logger('cli', 'error'),
      progress,
      // The serving tables are recomputed from the rebuilt facts and swapped in with them.
      ...serving,
      stillHeld: async () => (await fences.current())?.id === fenceId,
      swapBegins: async (tables) => {
        // A rebuild presumed dead and taken over must not swap.
        if ((await fences.current())?.id !== fenceId) {
          throw new Error('this rebuild no longer holds the fence (another rebuild took over); it stops without swapping');
        }
        await fences.swapBegins(fenceId, tables);
        swapRecorded = true;
      },
    });
    await fences.clear(fenceId, `done by ${by}`);
    ctx.print(`rebuild done: ${result.events} events, ${result.quarantined} quarantined; projectors resume`);
    ctx.table(Object.entries(result.rows).map(([table, rows]) => ({ table, rows })));
  } catch (e) {
    clearInterval(heartbeat);
    // A swap begun, or live tables found missing: projectors must not write until a rerun fixes it.
    await release(fences, fenceId, swapRecorded || e instanceof SwapStateError, e as Error, ctx);
    if (e instanceof SwapUnfinished || e instanceof SwapStateError) throw new CliError(`${e.message}\nProjectors stay paused until then.`);
    throw e;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Sets this run's fence. A fence left by a rebuild that stopped before its swap is replaced (the
 * new one is set first, so projectors never resume in between); one whose swap began is kept, to
 * be finished. If another rebuild set a fence at the same moment, the earlier one wins.
 */
async function holdFence(ctx: CliContext, fences: RebuildFence, found: OpenFence | null, by: string): Promise<string> {
  if (found?.swap) {
    await fences.alive(found.id, by);
    return found.id;
  }
  const id = randomUUID();
  await fences.set(id, by);
  if (found) {
    await fences.clear(found.id, `taken over by ${by} (fence ${id})`);
    ctx.print(`rebuild: taking over from the rebuild started ${new Date(found.startedAt).toISOString()} by ${found.by}, which stopped`);
  }
  const first = await fences.current();
  if (first && first.id !== id) {
    await fences.clear(id, `another rebuild (${first.by}) set its fence first`);
    throw new CliError(`another rebuild started at the same time (${first.by}); let it finish`);
  }
  return id;
}

/** After a failure: lift the fence if the live tables are whole, else leave it, saying so, for the next run to finish. */
async function release(fences: RebuildFence, fenceId: string, keep: boolean, error: Error, ctx: CliContext): Promise<void> {
  try {
    if (keep) await fences.left(fenceId, `stopped: ${error.message}`);
    else await fences.clear(fenceId, `failed: ${error.message}`);
  } catch (e) {
    ctx.print(
      `rebuild: could not update the fence (${(e as Error).message}); projectors stay paused until \`npm run cli -- rebuild\` or \`rebuild --abort\` runs`,
    );
  }
}
