import { join } from 'node:path';
import type { ClickHouse } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { testEnv } from '@wise/testing';
import { takeEvents } from '../../tools/simulate/generate';
import { readAnalyticsSnapshot, type AnalyticsSnapshot } from '../analytics/analytics-db';
import { envelopeOf, redelivered, seededRandom, type Body } from '../analytics/scenario';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase, publishEnvelopes, runCli, waitUntilCommitted } from './harness';

// Realistic traffic from the simulator (three institutes, a fortnight of classes, fees and roster
// changes), each delivery sent twice and late copies shuffled in, projected live by two projector
// processes in one group, one of them with its clock 7 s behind (as on a host whose clock
// drifted), and one killed with SIGKILL mid-stream and restarted. Whatever interleaving that gave,
// every view must equal what `rebuild` computes afterwards from the same events.
const SKEW = join(__dirname, '..', 'support', 'clock-skew.cjs');

function traffic(): Envelope[] {
  const events = takeEvents(
    { seed: 'equivalence', institutes: 3, weeks: 2, classrooms: 3, students: 12, startMs: Date.UTC(2024, 5, 3), prefix: 'eq' },
    2500,
  );
  const envelopes = events.map((e) => envelopeOf(JSON.parse(e.body) as Body, new Date(e.at).toISOString(), e.slug));
  // Two copies of each (Wise's retries, 7 minutes apart), shuffled; then a tenth of them moved to
  // the very end, as deliveries that arrive after everything else.
  const copies = redelivered(envelopes, 2, 11);
  const rnd = seededRandom(5);
  const late = copies.filter(() => rnd() < 0.1);
  const lateSet = new Set(late);
  return [...copies.filter((e) => !lateSet.has(e)), ...late];
}

describe('two projectors (clocks 7 s apart, one killed and restarted) on simulator traffic', () => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '4', PROJECTOR_BATCH_MAX_BYTES: '32768', PROJECTOR_REFRESH_INTERVAL_MS: '200' });
  const skewed = { ...env, NODE_OPTIONS: `--require ${SKEW}`, CLOCK_SKEW_MS: '-7000' };
  const envelopes = traffic();
  const projectors: AppProcess[] = [];
  let ch: ClickHouse;
  let live: AnalyticsSnapshot;

  beforeAll(() => {
    ch = clickhouseOf(env);
  });
  afterAll(async () => {
    for (const p of projectors) await p.stop('SIGKILL');
    await dropDatabase(ch);
  });

  it('projects every event live', async () => {
    const third = Math.floor(envelopes.length / 3);
    projectors.push(await startProjector(env), await startProjector(skewed));
    await publishEnvelopes(env, envelopes.slice(0, third));
    // Killed while it has work in hand: its partitions go to the other projector, and what it
    // had not committed is projected again.
    await publishEnvelopes(env, envelopes.slice(third, 2 * third));
    await projectors[0].stop('SIGKILL');
    projectors.push(await startProjector(env));
    await publishEnvelopes(env, envelopes.slice(2 * third));
    await waitUntilCommitted(env, 180_000);
    live = await readAnalyticsSnapshot(ch);
    expect(live.sessions.length).toBeGreaterThan(20);
    expect(live.attendance.length).toBeGreaterThan(100);
    expect(live.revenue_daily.length).toBeGreaterThan(5);
  });

  it('every view equals a rebuild of the same events', async () => {
    for (const p of projectors.splice(0)) await p.stop('SIGTERM');
    const res = await runCli(env, ['rebuild']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const rebuilt = await readAnalyticsSnapshot(ch);
    for (const view of Object.keys(rebuilt)) expect([view, live[view]]).toEqual([view, rebuilt[view]]);
  });
});
