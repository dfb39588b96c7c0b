import { classifyClickHouseError, clickhouseErrorCode } from '@wise/clickhouse';
import { retryInPlace, WriteAbandoned, type AfterWrite, type WriteContext } from '@wise/projection-writer';
import { Logger } from '@wise/observability';
import { Touched, VersionsUnavailable } from '@wise/serving';
import { CoalescedRefresh } from './coalesced-refresh';
import type { ProjectorMetrics } from '../projector.metrics';

// A refusal that is not ClickHouse being away (a bug in the serving SQL, a table a migration has
// not created yet) is tried a few times, then given up on: the batch's facts are stored, and
// holding its partition would stop every later event for a derived table that `rebuild` restores.
const ATTEMPTS_WHEN_REFUSED = 5;

/**
 * The projector's step after each batch's fact rows are written and before its offsets are
 * committed: the serving rows of what the batch touched are recomputed (libs/serving), in one
 * round with the other partition batches written meanwhile (CoalescedRefresh). While
 * ClickHouse is unavailable it retries for as long as the batch is ours, so a committed batch has
 * current serving rows.
 */
export function servingStep(serving: CoalescedRefresh, logger: Logger, metrics: ProjectorMetrics, retryMaxMs: number): AfterWrite {
  // The rows are read here, synchronously: the refresh may wait long, and must not keep them.
  return (tables, ctx) => refreshWithRetries(Touched.byRows(tables), ctx, serving, logger, metrics, retryMaxMs);
}

async function refreshWithRetries(
  touched: Touched,
  ctx: WriteContext,
  serving: CoalescedRefresh,
  logger: Logger,
  metrics: ProjectorMetrics,
  retryMaxMs: number,
): Promise<void> {
  if (touched.isEmpty) return;
  // PostgreSQL away (no version to be had) is waited out like ClickHouse being away.
  const kindOf = (e: unknown) => (e instanceof VersionsUnavailable ? 'transient' : classifyClickHouseError(e));
  try {
    await retryInPlace(
      ctx,
      {
        what: 'refreshing serving rows',
        decide: (e, attempt) => (kindOf(e) !== 'transient' && attempt >= ATTEMPTS_WHEN_REFUSED ? 'throw' : 'retry'),
        onRetry: (e, attempt, retryInMs) =>
          logger[attempt === 1 ? 'warn' : 'error']('serving refresh failed; retrying before the batch is committed', {
            source: ctx.source,
            attempt,
            retryInMs,
            kind: kindOf(e),
            code: clickhouseErrorCode(e),
            error: e as Error,
          }),
        maxDelayMs: retryMaxMs,
      },
      async () => {
        const started = process.hrtime.bigint();
        await serving.refresh(touched);
        metrics.servingSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      },
    );
  } catch (e) {
    if (e instanceof WriteAbandoned) throw e;
    metrics.servingFailures.inc();
    logger.error(
      'serving refresh refused by ClickHouse; the batch is committed with its facts stored, but the views may show stale rows for what it touched. Fix the cause (see the error), then run `npm run cli -- rebuild`',
      { source: ctx.source, sessions: touched.sessions.size, code: clickhouseErrorCode(e), error: e as Error },
    );
  }
}
