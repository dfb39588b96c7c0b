import { classifyClickHouseError, clickhouseErrorCode, type ClickHouse } from '@wise/clickhouse';
import { Logger } from '@wise/observability';
import { QUARANTINE_TABLE, refusedRowQuarantine, wellFormedQuarantineRow, type Row, type TableRows } from '@wise/projections';

/** What the writer reports as it goes; the projector counts these in its metrics. */
export interface WriterMetrics {
  written(table: string, rows: number): void;
  retried(table: string): void;
  refused(table: string): void;
}

export const NO_WRITER_METRICS: WriterMetrics = { written: () => undefined, retried: () => undefined, refused: () => undefined };

/**
 * Writes one batch of rows per table: one INSERT per table. Serves the live projector, the
 * rebuild and the tests alike. Transient failures (server away, overloaded) and failures that are
 * not the data's fault are retried in place with capped exponential backoff for as long as the
 * batch is ours, so nothing is skipped; rows the server refuses as malformed are isolated by
 * bisection (isolate) and moved to quarantine with the server's reason, so one bad row never blocks a partition or
 * aborts a rebuild. Quarantine rows are written last, after every other table.
 */
export class ClickHouseWriter {
  constructor(
    // Only inserts: any connection that can run one will do (the server client, or a test engine).
    private readonly ch: Pick<ClickHouse, 'insert'>,
    private readonly logger: Logger,
    private readonly retryMaxMs: number,
    private readonly metrics: WriterMetrics = NO_WRITER_METRICS,
  ) {}

  async write(tables: TableRows, ctx: WriteContext): Promise<void> {
    const refused: Row[] = [];
    const work = [...tables].filter(([table]) => table !== QUARANTINE_TABLE);
    // allSettled: no insert may still be retrying in the background once the batch is given up.
    const results = await Promise.allSettled(work.map(([table, rows]) => this.insertTable(table, rows, ctx, refused)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const quarantine = [...(tables.get(QUARANTINE_TABLE) ?? []), ...refused];
    const unstorable: Row[] = [];
    await this.insertTable(QUARANTINE_TABLE, quarantine, ctx, unstorable);
    // Last resort: the quarantine row itself is refused (a value ClickHouse cannot read).
    if (unstorable.length > 0) await this.insertTable(QUARANTINE_TABLE, unstorable.map(wellFormedQuarantineRow), ctx, []);
  }

  private async insertTable(table: string, rows: Row[], ctx: WriteContext, refused: Row[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.withRetry(table, ctx, () => this.ch.insert(table, rows));
      this.metrics.written(table, rows.length);
    } catch (e) {
      if (classifyClickHouseError(e) !== 'row') throw e;
      this.logger.warn('ClickHouse refused a batch as malformed; isolating the rows it refuses by bisection', {
        table,
        source: ctx.source,
        rows: rows.length,
        error: e as Error,
      });
      await this.isolate(table, rows, e as Error, ctx, refused);
    }
  }

  /**
   * Writes what it can of `rows`, which the server refused as a whole (`failed`: its error) or
   * must refuse because the other half of their chunk was written (`inferred`), by halves: each
   * half is tried in one INSERT and only a failing half is split again. A bad row costs about two
   * INSERTs per halving (log2 of the batch), not one INSERT per row of the batch; only a row
   * refused on its own is quarantined.
   */
  private async isolate(table: string, rows: Row[], failed: Error | 'inferred', ctx: WriteContext, refused: Row[]): Promise<void> {
    if (rows.length === 1) {
      // A row is quarantined only once it was refused on its own.
      const reason = failed === 'inferred' ? await this.tryInsert(table, rows, ctx) : failed;
      if (reason === null) return;
      refused.push(table === QUARANTINE_TABLE ? rows[0] : refusedRowQuarantine(table, rows[0], reason, ctx.source));
      this.metrics.refused(table);
      return;
    }
    const mid = Math.ceil(rows.length / 2);
    const [left, right] = [rows.slice(0, mid), rows.slice(mid)];
    const leftRefused = await this.tryInsert(table, left, ctx);
    if (leftRefused) await this.isolate(table, left, leftRefused, ctx, refused);
    // The whole chunk was refused and its left half was not: the right half holds the bad row.
    if (!leftRefused) return this.isolate(table, right, 'inferred', ctx, refused);
    const rightRefused = await this.tryInsert(table, right, ctx);
    if (rightRefused) await this.isolate(table, right, rightRefused, ctx, refused);
  }

  /** One INSERT of `rows` (retried while the server is away): null once written, else the server's refusal. */
  private async tryInsert(table: string, rows: Row[], ctx: WriteContext): Promise<Error | null> {
    // Isolation can take a while: keep the batch ours, and stop once it is not.
    await stillOurs(ctx, `writing ${table}`);
    try {
      await this.withRetry(table, ctx, () => this.ch.insert(table, rows));
      this.metrics.written(table, rows.length);
      return null;
    } catch (e) {
      if (classifyClickHouseError(e) !== 'row') throw e;
      return e as Error;
    }
  }

  private withRetry(table: string, ctx: WriteContext, insert: () => Promise<void>): Promise<void> {
    return retryInPlace(
      ctx,
      {
        what: `writing ${table}`,
        // A refused row is the data's fault: isolate() takes it from here. Anything else is waited out.
        decide: (e) => (classifyClickHouseError(e) === 'row' ? 'throw' : 'retry'),
        onRetry: (e, attempt, retryInMs) => {
          this.metrics.retried(table);
          this.logger[attempt === 1 ? 'warn' : 'error'](
            classifyClickHouseError(e) === 'transient'
              ? 'ClickHouse unavailable; retrying the batch (nothing is committed until it is written)'
              : 'ClickHouse refused the insert for a reason that is not the data (schema missing? permissions?); retrying. Check the error and the ClickHouse log',
            { table, source: ctx.source, attempt, retryInMs, code: clickhouseErrorCode(e), error: e as Error },
          );
        },
        maxDelayMs: this.retryMaxMs,
      },
      insert,
    );
  }
}

/** A step run after a batch's rows are written, with the batch's rows per table. */
export type AfterWrite = (tables: TableRows, ctx: WriteContext) => Promise<void>;

const nothing: AfterWrite = async () => undefined;

/** A written batch: `derived` is its after-write step, started once the rows were stored. */
export interface WrittenBatch {
  derived: Promise<void>;
}

/**
 * Where a projected batch goes, in the live projector and in the tests that load data like it:
 * the batch's rows through the writer, then `afterWrite`, which `write` starts but does not wait
 * for. The projector commits a batch's offsets only once `derived` settled, so whatever afterWrite
 * does happens after the batch's fact rows are stored and before its offsets are committed, while
 * the next batches are already being written; if it throws, the batch is not committed and is
 * consumed again (so it must be safe to repeat).
 *
 * afterWrite is where tables derived from the facts are kept current per batch (the serving
 * layer's refresh of what the batch touched: `Touched.byRows(tables)`). It is given by whoever
 * builds the sink (apps/projector/src/consumer/projector-sink.ts, test/analytics/analytics-db.ts),
 * so this lib depends on no derived-table lib; nothing by default.
 */
export class BatchSink {
  constructor(
    private readonly writer: Pick<ClickHouseWriter, 'write'>,
    private readonly afterWrite: AfterWrite = nothing,
    private readonly beside?: { tables: ReadonlySet<string>; writer: Pick<ClickHouseWriter, 'write'> },
  ) {}

  /**
   * `beside`: tables that afterWrite does not read (the event store), written by their own writer
   * alongside the rest and afterWrite; `derived` settles once they are written too, so the batch
   * is still committed only once every row of it is stored.
   */
  async write(tables: TableRows, ctx: WriteContext): Promise<WrittenBatch> {
    const [aside, rest] = this.beside ? splitTables(tables, this.beside.tables) : [new Map() as TableRows, tables];
    const stored = aside.size > 0 ? this.beside!.writer.write(aside, ctx) : Promise.resolve();
    stored.catch(() => undefined); // awaited below or with `derived`
    try {
      await this.writer.write(rest, ctx);
    } catch (e) {
      // Nothing of a batch given up may still be writing once write() has thrown.
      await stored.catch(() => undefined);
      throw e;
    }
    // An async call, so that a step that throws at once still waits for `stored` below; allSettled:
    // `derived` settles only once nothing of the batch is writing any more.
    const after = (async () => this.afterWrite(rest, ctx))();
    const derived = Promise.allSettled([after, stored]).then((results) => {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    derived.catch(() => undefined); // the caller awaits it; never an unhandled rejection meanwhile
    return { derived };
  }
}

/** The rows of `names`, and the others. */
function splitTables(tables: TableRows, names: ReadonlySet<string>): [TableRows, TableRows] {
  const inNames = new Map<string, Row[]>();
  const others = new Map<string, Row[]>();
  for (const [table, rows] of tables) (names.has(table) ? inNames : others).set(table, rows);
  return [inNames, others];
}

/*
 * Retry in place: how the writer (and the projector's serving step) wait out a failure without
 * giving the batch up. Here, beside the writer, because the batch it keeps is the writer's
 * (WriteContext); one file so that following a batch's INSERT does not take two.
 */

const FIRST_RETRY_MS = 200;

export interface WriteContext {
  /** False once the batch is no longer ours (partition revoked, app stopping, rebuild out of time): give up. */
  isActive: () => boolean;
  /**
   * Keeps the batch ours during long retries (the consumer's heartbeat). A failure means the
   * partition may be someone else's now, so the batch is given up uncommitted and consumed again
   * by its new owner.
   */
  heartbeat: () => Promise<void>;
  /** Names the batch in logs and in quarantine rows (topic/partition/first-last, or `rebuild`). */
  source: string;
  /** Why isActive turned false, for the error; a partition's batch by default. */
  inactiveBecause?: string;
}

/** The writer gave the batch up before it was written: nothing may be committed for it. */
export class WriteAbandoned extends Error {}

export const inactiveReason = (ctx: WriteContext): string => ctx.inactiveBecause ?? 'partition revoked or shutting down';

/** Keeps the batch ours (the consumer's heartbeat), or gives it up: the partition may have moved. */
export async function stillOurs(ctx: WriteContext, what: string): Promise<void> {
  try {
    await ctx.heartbeat();
  } catch (e) {
    throw new WriteAbandoned(`stopped ${what} for ${ctx.source}: heartbeat failed (${(e as Error).message}); the partition may have moved`);
  }
  if (!ctx.isActive()) throw new WriteAbandoned(`stopped ${what} for ${ctx.source}: ${inactiveReason(ctx)}`);
}

export interface RetryPolicy {
  /** What is being done, for the abandonment's message ("writing sessions", "refreshing serving rows"). */
  what: string;
  /** After a failure: `throw` ends the retries with that error; `retry` waits and tries again. */
  decide: (error: unknown, attempt: number) => 'retry' | 'throw';
  /** Told before each wait (the caller logs and counts). */
  onRetry: (error: unknown, attempt: number, retryInMs: number) => void;
  /** The cap of the doubling wait. */
  maxDelayMs: number;
}

/**
 * The projector's one way of waiting out a failure without giving its batch up: the same work is
 * tried again after a doubling, capped wait, for as long as the batch is ours (heartbeats keep it
 * so; a revoked partition or a shutdown ends it with WriteAbandoned, and the batch, uncommitted,
 * is consumed again by whoever owns it). Used by the fact writer and by the serving step.
 */
export async function retryInPlace<T>(ctx: WriteContext, policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  let delay = FIRST_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (policy.decide(e, attempt) === 'throw') throw e;
      if (!ctx.isActive()) throw new WriteAbandoned(`stopped ${policy.what} for ${ctx.source}: ${inactiveReason(ctx)}`);
      policy.onRetry(e, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
      await stillOurs(ctx, policy.what);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
