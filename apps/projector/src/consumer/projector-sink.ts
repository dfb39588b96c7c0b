import { classifyClickHouseError, clickhouseErrorCode, ReplicasBehind, type ClickHouse } from '@wise/clickhouse';
import { ProjectorConfig } from '@wise/config';
import { Logger } from '@wise/observability';
import { BatchSink, ClickHouseWriter, retryInPlace, WriteAbandoned, type AfterWrite, type WriteContext } from '@wise/projection-writer';
import { EVENTS_TABLE, type Row, type TableRows } from '@wise/projections';
import { KeySet, Touched, VersionsUnavailable, type ServingRefresh } from '@wise/serving';
import type { ProjectorMetrics } from '../projector.metrics';

/*
 * Where the projector sends a projected batch, in the order it happens: its fact rows go through
 * the grouped writer (one INSERT per table for every partition batch in hand, libs/projection-writer),
 * then the serving rows of what it touched are recomputed (one refresh round for every batch
 * written meanwhile, libs/serving), retried in place while the batch is ours. Its event store rows
 * are written meanwhile, by a grouped writer of their own whose INSERTs start at least
 * PROJECTOR_EVENT_STORE_INTERVAL_MS apart. The consumer commits the batch's offsets after all three
 * (projector.consumer.ts).
 */

/** The projector's sink: the batch's facts written, then its serving refresh as the after-write step. */
export function projectorSink(
  ch: ClickHouse,
  serving: ServingRefresh,
  logger: Logger,
  metrics: ProjectorMetrics,
  config: Pick<
    ProjectorConfig,
    'PROJECTOR_RETRY_MAX_MS' | 'PROJECTOR_REFRESH_INTERVAL_MS' | 'PROJECTOR_WRITE_INTERVAL_MS' | 'PROJECTOR_EVENT_STORE_INTERVAL_MS'
  >,
): BatchSink {
  const writer = () => new ClickHouseWriter(ch, logger, config.PROJECTOR_RETRY_MAX_MS, metrics.writer);
  return new BatchSink(
    // Partition batches in hand share INSERTs, as they share serving refresh rounds.
    new GroupWriter(writer(), config.PROJECTOR_WRITE_INTERVAL_MS),
    servingStep(new CoalescedRefresh(serving, config.PROJECTOR_REFRESH_INTERVAL_MS), logger, metrics, config.PROJECTOR_RETRY_MAX_MS),
    // No refresh reads the event store, so no view waits for it: its INSERTs can be fewer and
    // larger. Each is a part of a table whose rows are the largest (the bodies as sent), and 18.16
    // merges a growing part with every few new ones: at 1,000 events/s its merges took longer than
    // any other table's (docs/benchmarks.md, "The event store written beside the facts").
    { tables: new Set([EVENTS_TABLE]), writer: new GroupWriter(writer(), config.PROJECTOR_EVENT_STORE_INTERVAL_MS) },
  );
}

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
  // PostgreSQL away (no version to be had), and a cluster's replicas behind, are waited out like ClickHouse being away.
  const kindOf = (e: unknown) =>
    e instanceof VersionsUnavailable || e instanceof ReplicasBehind ? 'transient' : classifyClickHouseError(e);
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

/**
 * Group commit for refreshes: partition batches written at about the same time share one
 * recompute. A batch's keys join the next refresh that starts after they were handed in, and its
 * promise settles with that refresh, so a batch is still committed only once its own keys are
 * recomputed (the guarantee of `ServingRefresh.refresh`); only the number of statements drops,
 * from one set per partition batch to one set per round.
 *
 * The session chain and the fee chain (Touched.byChain) are grouped apart: each starts its next
 * round when its own last one ends, so an invoice does not wait out a long attendance round. The
 * monthly money rollup is a group of its own, fed by the fee rounds as they end
 * (ServingRefresh.refreshDeferringMonths, refreshMonths): the next fee round, with the next
 * invoices, does not wait for it either. A batch settles when the rounds that carry its keys
 * have, its months' rollup included.
 *
 * Rounds start at least `minIntervalMs` apart: a round costs ClickHouse about the same whatever
 * its size (mostly analysing its statements), so at a steady rate this bounds what the serving
 * layer costs, at the price of that much freshness.
 */
export class CoalescedRefresh {
  private readonly sessions: GroupCommit<Touched, void>;
  private readonly fees: GroupCommit<Touched, void, { months: Promise<void> }>;
  private readonly months: GroupCommit<KeySet, void>;

  constructor(serving: Pick<ServingRefresh, 'refresh' | 'refreshDeferringMonths' | 'refreshMonths'>, minIntervalMs = 0) {
    this.sessions = new GroupCommit(
      () => new Touched(),
      (touched) => serving.refresh(touched),
      minIntervalMs,
    );
    this.months = new GroupCommit(
      () => new KeySet(MONTH_DAY_KEY),
      (days) => serving.refreshMonths(days),
      minIntervalMs,
    );
    this.fees = new GroupCommit(
      () => new Touched(),
      async (touched) => {
        const days = await serving.refreshDeferringMonths(touched);
        // Wrapped, so that the fee round ends here and its batches wait for the months apart.
        const months = days.size === 0 ? Promise.resolve() : this.months.add(undefined, (next) => next.addAll(days));
        months.catch(() => undefined); // awaited by every batch of the round
        return { months };
      },
      minIntervalMs,
    );
  }

  async refresh(touched: Touched): Promise<void> {
    const parts = touched.byChain();
    await Promise.all([
      parts.sessions.isEmpty ? undefined : this.sessions.add(undefined, (next) => next.addAll(parts.sessions)),
      parts.fees.isEmpty ? undefined : this.fees.add(undefined, (next) => next.addAll(parts.fees)).then((done) => done.months),
    ]);
  }
}

/** The classroom-days whose months a fee round leaves to the months group. */
const MONTH_DAY_KEY = ['institute_id', 'classroom_id', 'day'];

/**
 * Group commit for fact rows: the partition batches handed in while a write runs are merged into
 * the next one, one INSERT per table for all of them. ClickHouse pays per INSERT (a part per
 * table, and 18.16 sizes its buffers per INSERT), so with six partitions in hand this is up to six
 * times fewer INSERTs. Each batch's promise settles with the write that carried its rows, so a
 * batch is still acknowledged only once its own rows are stored.
 *
 * The merged write goes on while every batch in it is still ours and gives up for all of them
 * otherwise (WriteAbandoned): each is consumed again, which the model absorbs.
 */
export class GroupWriter {
  private readonly group: GroupCommit<Map<string, Row[]>, WriteContext>;

  /** `minIntervalMs`: INSERTs start at least this far apart (GroupCommit). */
  constructor(writer: Pick<ClickHouseWriter, 'write'>, minIntervalMs = 0) {
    this.group = new GroupCommit(
      () => new Map(),
      (tables, contexts) => writer.write(tables, merged(contexts)),
      minIntervalMs,
    );
  }

  write(tables: TableRows, ctx: WriteContext): Promise<void> {
    return this.group.add(ctx, (into) => {
      for (const [table, rows] of tables) {
        const gathered = into.get(table);
        if (gathered) for (const r of rows) gathered.push(r);
        else into.set(table, [...rows]);
      }
    });
  }
}

function merged(contexts: readonly WriteContext[]): WriteContext {
  if (contexts.length === 1) return contexts[0];
  return {
    isActive: () => contexts.every((c) => c.isActive()),
    heartbeat: async () => {
      for (const c of contexts) await c.heartbeat();
    },
    source: contexts.map((c) => c.source).join(' '),
  };
}

/**
 * Group commit: work handed in while a round runs joins the next round, and each caller's promise
 * settles with the round that carried its work (with its result, or rejects if that round
 * failed). Rounds run one at a time, at least `minIntervalMs` apart from start to start. Used for
 * the projector's fact INSERTs (GroupWriter) and its serving refresh rounds (CoalescedRefresh,
 * above).
 */
export class GroupCommit<Round, Member, Result = void> {
  private next: {
    round: Round;
    members: Member[];
    settle: Array<{ resolve: (r: Result) => void; reject: (e: unknown) => void }>;
  } | null = null;
  private running = false;
  private lastStart = 0;

  constructor(
    private readonly fresh: () => Round,
    private readonly run: (round: Round, members: readonly Member[]) => Promise<Result>,
    private readonly minIntervalMs = 0,
  ) {}

  /** `join` adds the caller's work to the next round; `member` is handed to `run` with it. */
  add(member: Member, join: (round: Round) => void): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.next ??= { round: this.fresh(), members: [], settle: [] };
      join(this.next.round);
      this.next.members.push(member);
      this.next.settle.push({ resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.next) {
        const wait = this.lastStart + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastStart = Date.now();
        const batch = this.next;
        this.next = null;
        try {
          const result = await this.run(batch.round, batch.members);
          for (const s of batch.settle) s.resolve(result);
        } catch (e) {
          for (const s of batch.settle) s.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
