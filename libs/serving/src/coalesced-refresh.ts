import { GroupCommit } from '@wise/clickhouse';
import type { ServingRefresh } from './serving-refresh';
import { Touched } from './touched';

/**
 * Group commit for refreshes: partition batches written at about the same time share one
 * recompute. A batch's keys join the next refresh that starts after they were handed in, and its
 * promise settles with that refresh, so a batch is still committed only once its own keys are
 * recomputed (the guarantee of `ServingRefresh.refresh`); only the number of statements drops,
 * from one set per partition batch to one set per round.
 *
 * The session chain and the fee chain (Touched.byChain) are grouped apart: each starts its next
 * round when its own last one ends, so an invoice does not wait out a long attendance round. A
 * batch settles when the rounds of both chains that carry its keys have.
 *
 * Rounds start at least `minIntervalMs` apart: a round costs ClickHouse about the same whatever
 * its size (mostly analysing its statements), so at a steady rate this bounds what the serving
 * layer costs, at the price of that much freshness.
 */
export class CoalescedRefresh {
  private readonly sessions: GroupCommit<Touched, void>;
  private readonly fees: GroupCommit<Touched, void>;

  constructor(serving: Pick<ServingRefresh, 'refresh'>, minIntervalMs = 0) {
    const group = () =>
      new GroupCommit<Touched, void>(
        () => new Touched(),
        (touched: Touched) => serving.refresh(touched),
        minIntervalMs,
      );
    this.sessions = group();
    this.fees = group();
  }

  async refresh(touched: Touched): Promise<void> {
    const parts = touched.byChain();
    const rounds: Promise<void>[] = [];
    if (!parts.sessions.isEmpty) rounds.push(this.sessions.add(undefined, (next) => next.addAll(parts.sessions)));
    if (!parts.fees.isEmpty) rounds.push(this.fees.add(undefined, (next) => next.addAll(parts.fees)));
    await Promise.all(rounds);
  }
}
