import { WriteAbandoned } from '@wise/projection-writer';
import { Logger, Metrics } from '@wise/observability';
import { Touched } from '@wise/serving';
import { ProjectorMetrics } from '../projector.metrics';
import { CoalescedRefresh, servingStep } from './projector-sink';

const TABLES = new Map([['session_events', [{ institute_id: 'i', session_id: 's' }]]]);
const transient = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const refused = () => new Error("Code: 60, e.displayText() = DB::Exception: Table wise.sessions_store doesn't exist");

function setup(results: Array<Error | null>) {
  const calls: Touched[] = [];
  // Only session keys are touched here: fee rounds and months never run.
  const refresh = new CoalescedRefresh({
    refresh: async (t: Touched) => {
      calls.push(t);
      const r = results.shift();
      if (r) throw r;
    },
    refreshDeferringMonths: async () => {
      throw new Error('no fee round expected');
    },
    refreshMonths: async () => undefined,
  });
  const metrics = new ProjectorMetrics(new Metrics('projector'));
  const step = servingStep(refresh, new Logger('test', 'error'), metrics, 1);
  return { calls, metrics, step };
}
const ctx = (active = () => true) => ({ isActive: active, heartbeat: async () => undefined, source: 't/0/1-2' });

describe('servingStep', () => {
  it('skips batches that touched no serving key', async () => {
    const { step, calls } = setup([]);
    await step(new Map([['certificate_events', [{ institute_id: 'i' }]]]), ctx());
    expect(calls).toHaveLength(0);
  });

  it('retries while ClickHouse is away, then returns once the refresh went through', async () => {
    const { step, calls } = setup([transient(), transient(), null]);
    await step(TABLES, ctx());
    expect(calls).toHaveLength(3);
    expect(calls[2].sessions.list()).toEqual([['i', 's']]);
  });

  it('gives up on a refresh ClickHouse refuses five times, counting it, so the batch is committed', async () => {
    const { step, calls, metrics } = setup([refused(), refused(), refused(), refused(), refused(), null]);
    await step(TABLES, ctx());
    expect(calls).toHaveLength(5);
    expect((await metrics.metrics.registry.getSingleMetric('projector_serving_refresh_failures_total')?.get())?.values[0].value).toBe(1);
  });

  it('abandons the batch, uncommitted, when the partition is no longer ours', async () => {
    const { step } = setup([transient(), transient()]);
    await expect(
      step(
        TABLES,
        ctx(() => false),
      ),
    ).rejects.toBeInstanceOf(WriteAbandoned);
  });
});
