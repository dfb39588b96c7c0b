import { Logger } from '@wise/observability';
import { QUARANTINE_TABLE, refusedRowQuarantine, wellFormedQuarantineRow, type Row, type TableRows } from '@wise/projections';
import { ClickHouse } from './clickhouse.service';
import { classifyClickHouseError, clickhouseErrorCode } from './errors';

// Isolating rows one by one can take long: keep the group membership alive meanwhile.
const HEARTBEAT_EVERY_ROWS = 100;
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
}

/** The writer gave the batch up before it was written: nothing may be committed for it. */
export class WriteAbandoned extends Error {}

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
 * batch is ours, so nothing is skipped; rows the server refuses as malformed are isolated one by
 * one and moved to quarantine with the server's reason, so one bad row never blocks a partition or
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
      this.logger.warn('ClickHouse refused a batch as malformed; isolating the rows it refuses', {
        table,
        source: ctx.source,
        rows: rows.length,
        error: e as Error,
      });
      for (const [i, row] of rows.entries()) {
        if (i % HEARTBEAT_EVERY_ROWS === HEARTBEAT_EVERY_ROWS - 1) await this.stillOurs(ctx, table);
        try {
          await this.withRetry(table, ctx, () => this.ch.insert(table, [row]));
          this.metrics.written(table, 1);
        } catch (rowError) {
          if (classifyClickHouseError(rowError) !== 'row') throw rowError;
          refused.push(table === QUARANTINE_TABLE ? row : refusedRowQuarantine(table, row, rowError as Error, ctx.source));
          this.metrics.refused(table);
        }
      }
    }
  }

  private async stillOurs(ctx: WriteContext, table: string): Promise<void> {
    try {
      await ctx.heartbeat();
    } catch (e) {
      throw new WriteAbandoned(
        `stopped writing ${table} for ${ctx.source}: heartbeat failed (${(e as Error).message}); the partition may have moved`,
      );
    }
    if (!ctx.isActive()) throw new WriteAbandoned(`stopped writing ${table} for ${ctx.source}: partition revoked or shutting down`);
  }

  private async withRetry(table: string, ctx: WriteContext, insert: () => Promise<void>): Promise<void> {
    let delay = FIRST_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await insert();
        return;
      } catch (e) {
        const kind = classifyClickHouseError(e);
        if (kind === 'row') throw e;
        if (!ctx.isActive()) throw new WriteAbandoned(`stopped retrying ${table} for ${ctx.source}: partition revoked or shutting down`);
        this.metrics.retried(table);
        this.logger[attempt === 1 ? 'warn' : 'error'](
          kind === 'transient'
            ? 'ClickHouse unavailable; retrying the batch (nothing is committed until it is written)'
            : 'ClickHouse refused the insert for a reason that is not the data (schema missing? permissions?); retrying. Check the error and the ClickHouse log',
          { table, source: ctx.source, attempt, retryInMs: delay, code: clickhouseErrorCode(e), error: e as Error },
        );
        await sleep(delay);
        await this.stillOurs(ctx, table);
        delay = Math.min(delay * 2, this.retryMaxMs);
      }
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
