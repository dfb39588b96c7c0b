import type { TableRows } from '@wise/projections';
import { ClickHouseWriter, type WriteContext } from './writer';

/**
 * Where a projected batch goes, in the live projector and in the tests that load data like it:
 * the batch's rows through the writer, then `afterWrite`. The projector commits a batch's offsets
 * only once `write` resolved, so whatever afterWrite does happens after the batch's fact rows are
 * stored and before its offsets are committed; if it throws, nothing is committed and the batch is
 * consumed again (so it must be safe to repeat).
 */
export class BatchSink {
  constructor(readonly writer: ClickHouseWriter) {}

  async write(tables: TableRows, ctx: WriteContext): Promise<void> {
    await this.writer.write(tables, ctx);
    await this.afterWrite(tables, ctx);
  }

  /**
   * The step after each batch's writes, with the batch's rows per table (facts, `events`,
   * `quarantine`). A no-op today: derived tables kept current per batch (the serving layer's
   * refresh of what the batch touched) plug in here. The rebuild has its own hook before its swap.
   */
  protected async afterWrite(_tables: TableRows, _ctx: WriteContext): Promise<void> {}
}
