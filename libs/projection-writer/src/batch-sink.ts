import type { Row, TableRows } from '@wise/projections';
import type { ClickHouseWriter, WriteContext } from './writer';

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
 * builds the sink (apps/projector/src/consumer/projector-sink.ts, test/analytics/analytics-db.ts), so this lib depends on no
 * derived-table lib; nothing by default.
 */
export class BatchSink {
  constructor(
    private readonly writer: Pick<ClickHouseWriter, 'write'>,
    private readonly afterWrite: AfterWrite = nothing,
  ) {}

  async write(tables: TableRows, ctx: WriteContext): Promise<WrittenBatch> {
    await this.writer.write(tables, ctx);
    const derived = this.afterWrite(tables, ctx);
    derived.catch(() => undefined); // the caller awaits it; never an unhandled rejection meanwhile
    return { derived };
  }
}

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

  constructor(writer: Pick<ClickHouseWriter, 'write'>) {
    this.group = new GroupCommit(
      () => new Map(),
      (tables, contexts) => writer.write(tables, merged(contexts)),
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
 * settles with the round that carried its work (rejects if that round failed). Rounds run one at a
 * time, at least `minIntervalMs` apart from start to start. Used for the projector's fact INSERTs
 * (GroupWriter) and its serving refresh rounds (CoalescedRefresh, apps/projector/src/consumer/projector-sink.ts).
 */
export class GroupCommit<Round, Member> {
  private next: { round: Round; members: Member[]; settle: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | null = null;
  private running = false;
  private lastStart = 0;

  constructor(
    private readonly fresh: () => Round,
    private readonly run: (round: Round, members: readonly Member[]) => Promise<void>,
    private readonly minIntervalMs = 0,
  ) {}

  /** `join` adds the caller's work to the next round; `member` is handed to `run` with it. */
  add(member: Member, join: (round: Round) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
          await this.run(batch.round, batch.members);
          for (const s of batch.settle) s.resolve();
        } catch (e) {
          for (const s of batch.settle) s.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
