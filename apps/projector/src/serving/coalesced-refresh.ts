import { GroupCommit } from '@wise/projection-writer';
import { Touched, type ServingRefresh } from '@wise/serving';

/**
 * Group commit for refreshes: partition batches written at about the same time share one
 * recompute. A batch's keys join the next refresh that starts after they were handed in, and its
 * promise settles with that refresh, so a batch is still committed only once its own keys are
 * recomputed (the guarantee of `ServingRefresh.refresh`); only the number of statements drops,
 * from one set per partition batch to one set per round.
 *
 * Rounds start at least `minIntervalMs` apart: a round costs ClickHouse about the same whatever
 * its size (mostly analysing its statements), so at a steady rate this bounds what the serving
 * layer costs, at the price of that much freshness.
 */
export class CoalescedRefresh {
  private readonly group: GroupCommit<Touched, void>;

  constructor(serving: Pick<ServingRefresh, 'refresh'>, minIntervalMs = 0) {
    this.group = new GroupCommit(
      () => new Touched(),
      (touched) => serving.refresh(touched),
      minIntervalMs,
    );
  }

  refresh(touched: Touched): Promise<void> {
    if (touched.isEmpty) return Promise.resolve();
    return this.group.add(undefined, (next) => next.addAll(touched));
  }
}
