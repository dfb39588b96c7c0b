import { sqlString, type ClickHouseConnection } from '@wise/clickhouse';

/*
 * The rebuild fence, kept in ClickHouse beside the tables it guards (table `rebuild_fence`,
 * migration 0005). The rebuild opens a fence, waits until every projector of the group has
 * acknowledged that it writes nothing, rebuilds, swaps, and clears the fence. Projectors read it
 * every FENCE_POLL_MS and write a batch only while their latest read, begun less than
 * FENCE_LEASE_MS ago, found no fence; the rebuild waits FENCE_LEASE_MS after opening the fence
 * before it counts acknowledgements, so no projector can start a write it has not seen fenced.
 *
 * Why ClickHouse and not PostgreSQL: the projector already needs ClickHouse to write (its
 * PostgreSQL role may only take serving versions), a fence belongs to the database whose tables it
 * guards (one per test, one per deployment), and a projector that cannot read the fence could not
 * write anyway.
 */

/** How often a projector reads the fence. */
export const FENCE_POLL_MS = 1000;
/** How long a read that found no fence lets a projector start writes; the rebuild waits this long after opening one. */
export const FENCE_LEASE_MS = 3000;
/** How often a running rebuild says it is alive. */
export const REBUILD_ALIVE_EVERY_MS = 5000;
/** A fence whose rebuild has been silent this long was left by a rebuild that died; the next one takes over. */
export const REBUILD_SILENT_AFTER_MS = 30_000;

const TABLE = 'rebuild_fence';
type Kind = 'started' | 'alive' | 'paused' | 'swap' | 'left' | 'cleared';

export interface OpenFence {
  id: string;
  /** When the fence was set (ms since the epoch). */
  startedAt: number;
  /** Who runs the rebuild now (pid and host). */
  by: string;
  /** The rebuild's latest heartbeat. */
  aliveAt: number;
  /** True once its rebuild stopped (said so, or silent for REBUILD_SILENT_AFTER_MS): the next rebuild takes over. */
  abandoned: boolean;
  /** The tables being swapped, once the swap began; null before. */
  swap: string[] | null;
}

/** What a projector says while a fence keeps it from writing (logs, /ready, `status`). */
export function fenceReason(f: OpenFence): string {
  return (
    `rebuild in progress since ${new Date(f.startedAt).toISOString()} (${f.by}); ` +
    'run `npm run cli -- rebuild` again to finish it, or `npm run cli -- rebuild --abort`'
  );
}

export class RebuildFence {
  constructor(private readonly ch: Pick<ClickHouseConnection, 'query' | 'insert'>) {}

  /** Open fences, oldest first (more than one only when two rebuilds raced to start). */
  async openFences(): Promise<OpenFence[]> {
    const rows = await this.ch.query<{
      id: string;
      started_at: string;
      owner: string;
      alive_at: string;
      left_at: string;
      swap_tables: string;
      swaps: string;
    }>(
      'rebuild-fence:open',
      `SELECT fence_id AS id, minIf(at_ms, kind = 'started') AS started_at, argMaxIf(detail, at_ms, kind = 'alive') AS owner,
              maxIf(at_ms, kind IN ('started', 'alive')) AS alive_at, maxIf(at_ms, kind = 'left') AS left_at,
              anyIf(detail, kind = 'swap') AS swap_tables, countIf(kind = 'swap') AS swaps
       FROM ${TABLE}
       GROUP BY fence_id
       HAVING countIf(kind = 'started') > 0 AND countIf(kind = 'cleared') = 0
       ORDER BY started_at, id`,
    );
    return rows.map((r) => ({
      id: r.id,
      startedAt: Number(r.started_at),
      by: r.owner,
      aliveAt: Number(r.alive_at),
      abandoned: Number(r.left_at) >= Number(r.alive_at) || Date.now() - Number(r.alive_at) >= REBUILD_SILENT_AFTER_MS,
      swap: Number(r.swaps) > 0 ? (JSON.parse(r.swap_tables) as string[]) : null,
    }));
  }

  /** The fence in force, if any. */
  async current(): Promise<OpenFence | null> {
    return (await this.openFences())[0] ?? null;
  }

  /** Group member ids that acknowledged `fenceId`. */
  async pausedMembers(fenceId: string): Promise<string[]> {
    const rows = await this.ch.query<{ member: string }>(
      'rebuild-fence:paused',
      `SELECT DISTINCT member FROM ${TABLE} WHERE fence_id = ${sqlString(fenceId)} AND kind = 'paused'`,
    );
    return rows.map((r) => r.member);
  }

  async set(fenceId: string, by: string): Promise<void> {
    await this.record(fenceId, [
      { kind: 'started', detail: by },
      { kind: 'alive', detail: by },
    ]);
  }

  alive(fenceId: string, by: string): Promise<void> {
    return this.record(fenceId, [{ kind: 'alive', detail: by }]);
  }

  paused(fenceId: string, member: string, detail: string): Promise<void> {
    return this.record(fenceId, [{ kind: 'paused', member, detail }]);
  }

  swapBegins(fenceId: string, tables: readonly string[]): Promise<void> {
    return this.record(fenceId, [{ kind: 'swap', detail: JSON.stringify(tables) }]);
  }

  /** The rebuild stops and leaves its fence for the next one to finish (or abort). */
  left(fenceId: string, why: string): Promise<void> {
    return this.record(fenceId, [{ kind: 'left', detail: why }]);
  }

  clear(fenceId: string, why: string): Promise<void> {
    return this.record(fenceId, [{ kind: 'cleared', detail: why }]);
  }

  private async record(fenceId: string, rows: Array<{ kind: Kind; member?: string; detail: string }>): Promise<void> {
    const at = Date.now();
    await this.ch.insert(
      TABLE,
      rows.map((r) => ({ fence_id: fenceId, kind: r.kind, member: r.member ?? '', detail: r.detail, at_ms: at })),
    );
  }
}
