import type { TableRows } from '@wise/projections';
import { type WriteContext } from './retry-in-place';
import { ClickHouseWriter } from './writer';

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
 * builds the sink (projector.module.ts, test/analytics/analytics-db.ts), so this lib depends on no
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
