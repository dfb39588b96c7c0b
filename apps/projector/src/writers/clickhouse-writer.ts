import { ClickHouse, clickhouseErrorCode, isTransientClickhouseError } from '@wise/clickhouse';
import { Logger } from '@wise/observability';
import { QUARANTINE_TABLE, Row, TableRows } from '../pipeline/project-batch';
import { ProjectorMetrics } from '../projector.metrics';

// Server codes that blame the rows themselves (a value the column cannot hold), not the server.
// 25: CANNOT_PARSE_ESCAPE_SEQUENCE, e.g. a lone UTF-16 surrogate that JSON.parse accepted.
const ROW_ERROR_CODES = new Set([6, 25, 26, 27, 38, 41, 53, 69, 70, 72, 117, 130, 131, 321]);
// Isolating rows one by one can take long: keep the group membership alive meanwhile.
const HEARTBEAT_EVERY_ROWS = 100;

export interface WriteContext {
  /** False once the partition was revoked or the app is stopping: give up, commit nothing. */
  isActive: () => boolean;
  heartbeat: () => Promise<void>;
  source: string;
}

export class WriteAbandoned extends Error {}

/**
 * Writes one batch: one INSERT per table. Transient failures (server away, overloaded) are
 * retried in place with capped exponential backoff for as long as the batch is ours, so nothing is
 * skipped; rows the server refuses as malformed are isolated one by one and moved to quarantine
 * with the server's reason, so one bad row never blocks its partition.
 */
export class ClickHouseWriter {
  constructor(
    private readonly ch: ClickHouse,
    private readonly logger: Logger,
    private readonly metrics: ProjectorMetrics,
    private readonly retryMaxMs: number,
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
    if (unstorable.length > 0) {
      // Last resort: the quarantine row itself is refused (a value ClickHouse cannot read). Keep it
      // with every string made well-formed and the raw body in base64, which any server reads.
      await this.insertTable(QUARANTINE_TABLE, unstorable.map(wellFormedQuarantineRow), ctx, []);
    }
  }

  private async insertTable(table: string, rows: Row[], ctx: WriteContext, refused: Row[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.withRetry(table, ctx, () => this.ch.insert(table, rows));
      this.metrics.rowsWritten.inc({ table }, rows.length);
    } catch (e) {
      if (!isRowError(e)) throw e;
      this.logger.warn('ClickHouse refused a batch as malformed; isolating the rows it refuses', { table, source: ctx.source, rows: rows.length, error: e as Error });
      for (const [i, row] of rows.entries()) {
        if (i % HEARTBEAT_EVERY_ROWS === HEARTBEAT_EVERY_ROWS - 1) await this.stillOurs(ctx, table);
        try {
          await this.withRetry(table, ctx, () => this.ch.insert(table, [row]));
          this.metrics.rowsWritten.inc({ table });
        } catch (rowError) {
          if (!isRowError(rowError)) throw rowError;
          refused.push(table === QUARANTINE_TABLE ? row : refusedRow(table, row, rowError as Error, ctx.source));
          this.metrics.quarantined.inc({ reason: 'clickhouse_refused' });
        }
      }
    }
  }

  private async stillOurs(ctx: WriteContext, table: string): Promise<void> {
    try {
      await ctx.heartbeat();
    } catch (e) {
      throw new WriteAbandoned(`stopped writing ${table} for ${ctx.source}: heartbeat failed (${(e as Error).message}); the partition may have moved`);
    }
    if (!ctx.isActive()) throw new WriteAbandoned(`stopped writing ${table} for ${ctx.source}: partition revoked or shutting down`);
  }

  private async withRetry(table: string, ctx: WriteContext, insert: () => Promise<void>): Promise<void> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        await insert();
        return;
      } catch (e) {
        if (isRowError(e)) throw e;
        if (!ctx.isActive()) throw new WriteAbandoned(`stopped retrying ${table} for ${ctx.source}: partition revoked or shutting down`);
        this.metrics.writeRetries.inc({ table });
        const transient = isTransientClickhouseError(e);
        this.logger[attempt === 1 ? 'warn' : 'error'](
          transient
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

/**
 * Heartbeats; a failed heartbeat (rebalance, member evicted) means the partition may be someone
 * else's now, so the batch is given up uncommitted and consumed again by its new owner.
 */

function isRowError(e: unknown): boolean {
  const code = clickhouseErrorCode(e);
  return code !== null && ROW_ERROR_CODES.has(code);
}

function refusedRow(table: string, row: Row, e: Error, source: string): Row {
  const now = Date.now();
  return {
    institute_id: String(row.institute_id ?? ''),
    quarantine_id: String(row.event_id ?? `${table}:${source}`),
    stage: 'projector',
    event_name: String(row.event_name ?? ''),
    received_at: Math.floor(now / 1000),
    received_at_ms: now,
    reason: `ClickHouse refused a row of ${table}: ${e.message.slice(0, 500)}`,
    raw: JSON.stringify(row),
    raw_encoding: 'utf8',
    source,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormedQuarantineRow(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'string' ? v.replace(LONE_SURROGATE, '\uFFFD') : v;
  out.raw = Buffer.from(String(row.raw ?? ''), 'utf8').toString('base64');
  out.raw_encoding = 'base64';
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
