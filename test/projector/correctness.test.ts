import type { ClickHouse } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { testEnv, waitFor } from '@wise/testing';
import { readAnalyticsSnapshot, type AnalyticsSnapshot } from '../analytics/analytics-db';
import { classroomWeek, INSTITUTE, redelivered, shuffled } from '../analytics/scenario';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, committedTotal, distinctIds, dropDatabase, publishEnvelopes, storedEvents, waitUntilCommitted } from './harness';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';

// "A classroom week" published straight to Kafka and projected by the real projector process:
// whatever the order, the copies, or a crash in the middle, the views give the hand-computed numbers.
const week = classroomWeek();
const snapshots: Record<string, AnalyticsSnapshot> = {};

interface Run {
  env: NodeJS.ProcessEnv;
  ch: ClickHouse;
  projectors: AppProcess[];
}

function useRun(overrides: Record<string, string> = {}): Run {
  const run = { env: testEnv(overrides), projectors: [] } as unknown as Run;
  beforeAll(() => {
    run.ch = clickhouseOf(run.env);
  });
  afterAll(async () => {
    for (const p of run.projectors) await p.stop('SIGKILL');
    await dropDatabase(run.ch);
  });
  return run;
}

async function expectProjected(run: Run, name: string, envelopes: readonly Envelope[]): Promise<void> {
  const stored = await storedEvents(run.ch, INSTITUTE);
  expect(stored.ids).toEqual(distinctIds(envelopes));
  expect(stored.final).toBe(stored.distinct);
  snapshots[name] = await readAnalyticsSnapshot(run.ch, INSTITUTE);
  expectScenarioNumbers(snapshots[name]);
}

describe('the projector process, fed "a classroom week" through Kafka', () => {
  describe.each([
    ['in order', week],
    ['shuffled (seed 42)', shuffled(week, 42)],
    ['each delivered three times, shuffled (seed 7)', redelivered(week, 3, 7)],
  ])('%s', (name, envelopes) => {
    const run = useRun();
    it('gives the hand-computed numbers', async () => {
      run.projectors.push(await startProjector(run.env));
      await publishEnvelopes(run.env, envelopes);
      await waitUntilCommitted(run.env);
      await expectProjected(run, name, envelopes);
    });
  });

  describe('killed with SIGKILL mid-stream, then restarted in the same group', () => {
    // Batches of about one message, so that the kill lands between commits.
    const run = useRun({ PROJECTOR_BATCH_MAX_BYTES: '1024' });
    const half = Math.floor(week.length / 2);
    it('gives the hand-computed numbers', async () => {
      const first = await startProjector(run.env);
      run.projectors.push(first);
      await publishEnvelopes(run.env, week.slice(0, half));
      await waitFor('a first commit', async () => (await committedTotal(run.env)) > 0, 60000, 10);
      await first.stop('SIGKILL');
      // The crash really was mid-stream: some of the first half committed, not all of it.
      const committed = await committedTotal(run.env);
      expect(committed).toBeGreaterThan(0);
      expect(committed).toBeLessThan(half);

      await publishEnvelopes(run.env, week.slice(half));
      run.projectors.push(await startProjector(run.env));
      await waitUntilCommitted(run.env);
      await expectProjected(run, 'SIGKILL mid-stream', week);
    });
  });

  it('every variant gives the same snapshot, view by view', () => {
    const all = Object.values(snapshots);
    expect(all).toHaveLength(4);
    for (const s of all.slice(1)) expect(s).toEqual(all[0]);
  });
});
