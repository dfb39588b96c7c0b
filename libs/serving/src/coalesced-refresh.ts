import type { ServingRefresh } from './serving-refresh';
import { Touched } from './touched';

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
  private next: { touched: Touched; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | null = null;
  private running = false;
  private lastStart = 0;

  constructor(
    private readonly serving: Pick<ServingRefresh, 'refresh'>,
    private readonly minIntervalMs = 0,
  ) {}

  refresh(touched: Touched): Promise<void> {
    if (touched.isEmpty) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.next ??= { touched: new Touched(), waiters: [] };
      this.next.touched.addAll(touched);
      this.next.waiters.push({ resolve, reject });
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
        const round = this.next;
        this.next = null;
        try {
          await this.serving.refresh(round.touched);
          for (const w of round.waiters) w.resolve();
        } catch (e) {
          for (const w of round.waiters) w.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
