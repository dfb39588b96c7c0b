import { Logger } from '@wise/observability';
import { ANALYTICS_TABLES, projectEvents, type TableRows } from '@wise/projections';
import type { ClickHouse } from '@wise/clickhouse';
import { planEventPages, readEventPage } from './event-store-reader';
import { OLD_SUFFIX, REBUILD_SUFFIX, swapIn, SwapStateError } from './rebuild-swap';
import { rebuildTables, type RebuildTables } from './rebuild-tables';
import { ClickHouseWriter, type WriterMetrics } from '@wise/projection-writer';

/*
 * Rebuild: every analytics table is projected again from the event store (`events`) into a fresh
 * `<table>__rebuild`, through the projector's own step (`projectEvents`: contract, projection,
 * quarantine) and its writer (retries, refused rows isolated into quarantine), and the fresh tables
 * are swapped in for the live ones (rebuild-swap.ts).
 *
 * Guarantee, and its condition: the rebuilt tables hold exactly the projection of every event in
 * `events` when the rebuild read it. That is all history only if nothing writes to the live tables
 * meanwhile: the caller holds the rebuild fence (rebuild-fence.ts), under which projectors write
 * nothing, so no other rebuild runs either and leftovers of an earlier one are dropped. Events that
 * wait in Kafka are projected into the new tables once the fence is lifted; a batch written but not
 * committed before the projectors paused is in `events` (rebuilt) and is replayed harmlessly.
 *
 * A bad event or row never stops a rebuild: it is quarantined (source `rebuild`) and counted. If
 * the rebuild fails before the swap (ClickHouse away for longer than `retryForMs`, say), its
 * `__rebuild` tables are dropped before the error is reported, for at most CLEANUP_WITHIN_MS; what
 * that leaves (a copy, or on 18.16 the data folder of a DROP cut short) the next rebuild clears
 * before it starts. Once the swap has begun they are kept, and running the swap again finishes it
 * (SwapUnfinished).
 */

const SOURCE = 'rebuild';

/** What the rebuild needs of a connection: statements, reads and inserts. */
type Connection = Pick<ClickHouse, 'query' | 'command' | 'insert' | 'database'>;

/** The swap began and did not finish: the fresh tables are kept, and running the swap again finishes it. */
export class SwapUnfinished extends Error {}

export interface RebuildOptions {
  pageSize: number;
  progress: (line: string) => void;
  /** How long one page's writes are retried while ClickHouse fails before the rebuild gives up. */
  retryForMs?: number;
  logger: Logger;
  metrics?: WriterMetrics;
  /**
   * Runs once every fact table's `__rebuild` copy is filled, before the swap: tables derived from
   * the facts (the serving layer's stores) are recomputed here, from the `<fact>__rebuild` tables
   * into their own `<table>__rebuild` copies, which the rebuild creates (listed in
   * `derivedTables`) and swaps in the same RENAME. Nothing by default.
   */
  beforeSwap?: (ch: Connection, suffix: string) => Promise<void>;
  /** Derived tables rebuilt by beforeSwap; created empty as `<table>__rebuild` beside the facts'. */
  derivedTables?: readonly string[];
  /**
   * Runs just before the swap, with every table about to be swapped: where the caller records that
   * the swap began (so a rerun finishes it), or refuses if it no longer holds the fence.
   */
  swapBegins?: (tables: readonly string[]) => Promise<void>;
  /**
   * Whether this rebuild still holds its fence; asked before it drops its copies after a failure,
   * since a rebuild presumed dead and taken over would drop its successor's.
   */
  stillHeld?: () => Promise<boolean>;
  /**
   * CLICKHOUSE_CLUSTER: the copies are made, swapped and dropped ON CLUSTER, local tables and
   * Distributed tables both (rebuild-tables.ts); one server when empty.
   */
  cluster?: string;
  /** How long dropping the copies after a failure may take in all (CLEANUP_WITHIN_MS by default). */
  cleanupWithinMs?: number;
}

export interface RebuildResult {
  events: number;
  quarantined: number;
  rows: Record<string, number>;
}

/**
 * Drops what an earlier rebuild that stopped before its swap left behind. A live table that is
 * missing means a swap stopped half-way without its record (a rebuild older than the fence): that
 * is left for a person to judge rather than guessed at.
 */
async function dropLeftovers(tables: RebuildTables, rebuilt: readonly string[], progress: (line: string) => void): Promise<void> {
  const existing = await tables.existing(rebuilt);
  const missing = rebuilt.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new SwapStateError(
      `live tables are missing (${missing.join(', ')}) beside tables of an earlier rebuild: a swap stopped half-way. ` +
        `Rename each <table>${REBUILD_SUFFIX} (or <table>${OLD_SUFFIX}) back to <table> by hand, then run rebuild again.`,
    );
  }
  const left = await tables.leftovers(rebuilt.flatMap((t) => [t + REBUILD_SUFFIX, t + OLD_SUFFIX]));
  for (const t of left) progress(`dropping ${t} (left by an earlier rebuild)`);
  await tables.drop(left);
}

/** What `rebuild --abort` does to the tables: drops an unfinished rebuild's copies (never during a swap). */
export function dropUnfinishedRebuild(
  ch: Connection,
  derivedTables: readonly string[],
  progress: (line: string) => void,
  cluster = '',
): Promise<void> {
  return dropLeftovers(rebuildTables(ch, cluster), [...ANALYTICS_TABLES, ...derivedTables], progress);
}

/** How long a failed rebuild spends dropping its copies before it leaves them to the next run. */
export const CLEANUP_WITHIN_MS = 60_000;

/**
 * A read started ahead of its use: a failure is kept for the `await` that takes it, not reported
 * as unhandled if the rebuild fails first and never takes it.
 */
function prefetch<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/** Fact rows go to the fresh tables; quarantine rows to the live quarantine table. */
function intoFreshTables(tables: TableRows): TableRows {
  const fresh = new Set<string>(ANALYTICS_TABLES);
  return new Map([...tables].map(([t, rows]) => [fresh.has(t) ? t + REBUILD_SUFFIX : t, rows]));
}

export async function rebuildProjections(ch: Connection, options: RebuildOptions): Promise<RebuildResult> {
  const { pageSize, progress } = options;
  const retryForMs = options.retryForMs ?? 120_000;
  // Facts and derived tables are rebuilt, and swapped, together.
  const rebuilt = [...ANALYTICS_TABLES, ...(options.derivedTables ?? [])];
  const tables = rebuildTables(ch, options.cluster);
  await dropLeftovers(tables, rebuilt, progress);
  // Before the swap is recorded a failure drops the fresh tables; after, they are what a rerun swaps in.
  let stage: 'filling' | 'recording' | 'swapping' = 'filling';
  let refusedRows = 0;
  const metrics: WriterMetrics = {
    written: (t, n) => options.metrics?.written(t, n),
    retried: (t) => options.metrics?.retried(t),
    refused: (t) => {
      refusedRows++;
      options.metrics?.refused(t);
    },
  };
  const writer = new ClickHouseWriter(ch, options.logger, Math.min(5_000, retryForMs), metrics);
  const result: RebuildResult = { events: 0, quarantined: 0, rows: Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, 0])) };
  try {
    await tables.createFresh(rebuilt, progress);
    const { total, pages } = await planEventPages(ch, pageSize);
    progress(`rebuilding ${ANALYTICS_TABLES.length} tables from ${total} stored events, in ${pages.length} pages of up to ${pageSize}`);
    // The next page is read while this one is projected and written: ClickHouse groups the store's
    // rows on its own threads while Node projects, instead of each waiting on the other.
    let next = pages.length > 0 ? prefetch(readEventPage(ch, pages[0], SOURCE)) : null;
    for (let i = 0; next !== null; i++) {
      const events = await next;
      next = i + 1 < pages.length ? prefetch(readEventPage(ch, pages[i + 1], SOURCE)) : null;
      const { tables, quarantined } = projectEvents(events, { eventStore: false });
      const giveUpAt = Date.now() + retryForMs;
      await writer.write(intoFreshTables(tables), {
        isActive: () => Date.now() < giveUpAt,
        heartbeat: async () => undefined,
        source: SOURCE,
        inactiveBecause: `a page's writes took longer than ${retryForMs} ms (ClickHouse away or too slow)`,
      });
      for (const t of ANALYTICS_TABLES) result.rows[t] += tables.get(t)?.length ?? 0;
      result.events += events.length;
      result.quarantined += quarantined + refusedRows;
      refusedRows = 0;
      const pct = total === 0 ? 100 : Math.floor((result.events / total) * 100);
      progress(`page ${i + 1}/${pages.length}: ${result.events}/${total} events (${pct}%), ${result.quarantined} quarantined`);
    }
    if (options.beforeSwap) await options.beforeSwap(ch, REBUILD_SUFFIX);
    stage = 'recording';
    if (options.swapBegins) await options.swapBegins(rebuilt);
    stage = 'swapping';
    await swapIn(ch, rebuilt, options.cluster);
  } catch (e) {
    if (stage === 'swapping') {
      throw new SwapUnfinished(
        `the swap began and did not finish (${(e as Error).message}); the rebuilt tables are kept, run rebuild again to finish it`,
      );
    }
    // Whether the swap was recorded is unknown: the fresh tables stay for the next run to swap in or drop.
    if (stage === 'recording') throw e;
    if (options.stillHeld && !(await options.stillHeld().catch(() => false))) throw e;
    progress(`failed (${(e as Error).message}); dropping the ${REBUILD_SUFFIX} tables, the live tables are untouched`);
    const fresh = rebuilt.map((t) => t + REBUILD_SUFFIX);
    await tables
      .drop(fresh, options.cleanupWithinMs ?? CLEANUP_WITHIN_MS)
      .catch((dropError: Error) =>
        progress(`could not drop the ${REBUILD_SUFFIX} tables: ${dropError.message}; the next rebuild drops them`),
      );
    throw e;
  }
  progress('swapped the rebuilt tables in');
  return result;
}
