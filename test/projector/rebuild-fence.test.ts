import { ClickHouse } from '@wise/clickhouse';
import { RebuildFence } from '@wise/rebuild';
import { ANALYTICS_TABLES } from '@wise/projections';
import { SERVING_STORES } from '@wise/serving';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { testEnv, waitFor } from '@wise/testing';
import { readAnalyticsSnapshot } from '../analytics/analytics-db';
import { classroomWeek, INSTITUTE } from '../analytics/scenario';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';
import { AppProcess, startProjector } from '../helpers';
import {
  clickhouseOf,
  dropDatabase,
  expectedFactRows,
  publishEnvelopes,
  runCli,
  storedEvents,
  storedFactRows,
  waitUntilCommitted,
} from './harness';
import { corrupt, leftoverTables, spawnCli } from './rebuild-harness';

// `npm run cli -- rebuild` beside a running projector: the projector pauses under the rebuild's
// fence, so nothing it would have written between the rebuild's read and the swap is lost; and a
// rebuild stopped half-way (killed, or its swap cut short) is finished by running it again.
const REBUILT = [...ANALYTICS_TABLES, ...SERVING_STORES];

/** `institute`'s week gives its hand-computed figures, and its fact tables hold one projection of each event. */
async function expectWeek(ch: ClickHouse, institute: string): Promise<void> {
  const week = classroomWeek(institute);
  expectScenarioNumbers(await readAnalyticsSnapshot(ch, institute));
  expect(await storedFactRows(ch, institute)).toEqual(expectedFactRows(week));
  expect((await storedEvents(ch, institute)).final).toBe(week.length);
}

const pausedLine =
  /"msg":"projector paused: rebuild in progress since \d{4}-\d\d-\d\dT[\d:.]+Z \(pid \d+ on [^)]+\); run `npm run cli -- rebuild` again to finish it, or `npm run cli -- rebuild --abort`"/;

describe('rebuild while the projector runs', () => {
  const env = testEnv();
  let ch: ClickHouse;
  let projector: AppProcess;

  beforeAll(async () => {
    ch = clickhouseOf(env);
    projector = await startProjector(env);
    await publishEnvelopes(env, classroomWeek(INSTITUTE));
    await waitUntilCommitted(env);
    await expectWeek(ch, INSTITUTE);
  });

  afterAll(async () => {
    await projector?.stop('SIGKILL');
    await dropDatabase(ch);
  });

  it('pauses the projector for the rebuild, and every event sent meanwhile is projected after the swap', async () => {
    const during = 'fence-during';
    const week = classroomWeek(during);
    await corrupt(ch, INSTITUTE);
    // Small pages, so the rebuild lasts long enough to send events while it reads.
    const { proc: rebuild, exit } = spawnCli(env, ['rebuild', '--page-size', '3']);
    await rebuild.waitForLine(/fence set; waiting for the projectors/);
    // Sent after the fence is set and before the projector acknowledged it: a batch may be written or given up.
    await publishEnvelopes(env, week.slice(0, 20));
    await rebuild.waitForLine(/rebuild: 1 projector\(s\) of group ".*" paused/);
    await rebuild.waitForLine(/rebuild: page 1\/\d+: \d+\//);
    const stored = (await storedEvents(ch, during)).final;
    await publishEnvelopes(env, week.slice(20));
    await rebuild.waitForLine(/recomputing the serving tables/, 60_000);
    // Between the rebuild's read and its swap the projector wrote nothing.
    expect((await storedEvents(ch, during)).final).toBe(stored);
    expect(await exit).toBe(0);
    expect(rebuild.lines.join('\n')).toContain('rebuild done:');

    await waitUntilCommitted(env);
    await expectWeek(ch, INSTITUTE);
    await expectWeek(ch, during);
    expect(await leftoverTables(ch)).toEqual([]);
    expect(await new RebuildFence(ch).current()).toBeNull();
    expect(projector.lines.some((l) => pausedLine.test(l))).toBe(true);
    await projector.waitForLine(/"msg":"paused for the rebuild, acknowledged"/);
    await projector.waitForLine(/"msg":"rebuild fence cleared; consuming again"/);
  });

  it('a rebuild killed outright leaves its fence: projectors stay paused and say why, and running rebuild again recovers', async () => {
    const during = 'fence-killed';
    const week = classroomWeek(during);
    const { proc: rebuild } = spawnCli(env, ['rebuild', '--page-size', '3']);
    await rebuild.waitForLine(/rebuild: page 1\/\d+: \d+\//);
    await rebuild.stop('SIGKILL');
    expect(await leftoverTables(ch)).not.toEqual([]);
    // It was heard from seconds ago: as far as anyone can tell, it may still be running.
    const refused = await runCli(env, ['rebuild', '--abort']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/a rebuild is in progress: started .* by pid \d+ on .*, last heard from \d+ s ago/);

    // A projector started under the fence starts paused.
    await projector.stop('SIGTERM');
    projector = await startProjector(env);
    await projector.waitForLine(pausedLine);
    await publishEnvelopes(env, week);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await storedEvents(ch, during)).final).toBe(0);

    // Told it is dead (else it waits until the killed one has been silent for 30 s): takes over, starts over.
    const res = await runCli(env, ['rebuild', '--force']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/rebuild: taking over from the rebuild started .* by pid \d+ on .*, which stopped/);
    expect(res.stdout).toMatch(/rebuild: dropping \w+__rebuild \(left by an earlier rebuild\)/);
    expect(res.stdout).toContain('rebuild done:');
    expect(await leftoverTables(ch)).toEqual([]);
    expect(await new RebuildFence(ch).current()).toBeNull();
    await waitUntilCommitted(env);
    await expectWeek(ch, during);
    await expectWeek(ch, INSTITUTE);
  });

  it('rebuild --abort lifts the fence of a rebuild that stopped before its swap, and drops its tables', async () => {
    const during = 'fence-aborted';
    await ch.insert('rebuild_fence', [
      { fence_id: 'stopped', kind: 'started', member: '', detail: 'pid 2 on gone', at_ms: Date.now() - 60_000 },
      { fence_id: 'stopped', kind: 'alive', member: '', detail: 'pid 2 on gone', at_ms: Date.now() - 60_000 },
    ]);
    await ch.command('test', 'CREATE TABLE session_events__rebuild AS session_events');
    await waitFor('the projector to acknowledge the fence', async () => (await new RebuildFence(ch).pausedMembers('stopped')).length === 1);
    await publishEnvelopes(env, classroomWeek(during));
    const res = await runCli(env, ['rebuild', '--abort']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('rebuild: dropping session_events__rebuild (left by an earlier rebuild)');
    expect(res.stdout).toMatch(/rebuild aborted: the fence set .* is lifted, projectors resume/);
    expect(await leftoverTables(ch)).toEqual([]);
    await waitUntilCommitted(env);
    await expectWeek(ch, during);
  });

  it('finishes a swap that stopped half-way when run again, with the rebuilt data', async () => {
    const during = 'fence-half-swap';
    const week = classroomWeek(during);
    await waitUntilCommitted(env);
    // The state a rebuild leaves when its swap is cut short on 18.16 (one RENAME, applied pair by
    // pair), made by hand as the rebuild would: the fence set (by a rebuild gone since) and the
    // projector paused under it; rebuilt copies of every table; the swap recorded; some tables
    // swapped, one moved aside and not replaced, the rest untouched. The live tables are damaged,
    // so only the rebuilt copies give the right figures.
    const fenceId = 'half-swap';
    const longAgo = Date.now() - 120_000;
    await ch.insert('rebuild_fence', [
      { fence_id: fenceId, kind: 'started', member: '', detail: 'pid 1 on gone', at_ms: longAgo },
      { fence_id: fenceId, kind: 'alive', member: '', detail: 'pid 1 on gone', at_ms: longAgo },
    ]);
    const fence = new RebuildFence(ch);
    await waitFor('the projector to acknowledge the fence', async () => (await fence.pausedMembers(fenceId)).length === 1);
    for (const t of REBUILT) {
      await ch.command('test', `CREATE TABLE ${t}__rebuild AS ${t}`);
      await ch.command('test', `INSERT INTO ${t}__rebuild SELECT * FROM ${t}`);
    }
    await corrupt(ch, INSTITUTE);
    await ch.insert('rebuild_fence', [{ fence_id: fenceId, kind: 'swap', member: '', detail: JSON.stringify(REBUILT), at_ms: longAgo }]);
    const [swapped, aside] = [REBUILT.slice(0, 5), REBUILT[5]];
    for (const t of swapped) await ch.command('test', `RENAME TABLE ${t} TO ${t}__old, ${t}__rebuild TO ${t}`);
    await ch.command('test', `DROP TABLE ${swapped[0]}__old`);
    await ch.command('test', `RENAME TABLE ${aside} TO ${aside}__old`);
    // Sent while the fence holds: they wait in Kafka.
    await publishEnvelopes(env, week);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await storedEvents(ch, during)).final).toBe(0);

    const abort = await runCli(env, ['rebuild', '--abort']);
    expect(abort.code).toBe(2);
    expect(abort.stderr).toContain('the rebuild had begun its swap: aborting would leave some tables rebuilt and some not');

    const res = await runCli(env, ['rebuild']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`rebuild: finishing the swap begun by pid 1 on gone (${REBUILT.length} tables)`);
    expect(res.stdout).toContain('rebuild done: the interrupted swap is finished');
    expect(await leftoverTables(ch)).toEqual([]);
    const live = await ch.query<{ name: string }>('test', 'SELECT name FROM system.tables WHERE database = currentDatabase()');
    expect(live.map((r) => r.name)).toEqual(expect.arrayContaining(REBUILT));
    expect(await new RebuildFence(ch).current()).toBeNull();

    await waitUntilCommitted(env);
    await expectWeek(ch, INSTITUTE);
    await expectWeek(ch, during);
  });

  it('a group member that never pauses keeps the rebuild from starting, and nothing changes', async () => {
    // A consumer in the projector's group that knows nothing of the fence, as a projector older
    // than it would; it commits nothing, so the projector later resumes where it was.
    const kafka = new KafkaConnection({
      brokers: env.KAFKA_BROKERS!.split(','),
      clientId: 'old-projector',
      logger: new Logger('test', 'error'),
    });
    const old = kafka.kafka.consumer({ groupId: env.PROJECTOR_GROUP_ID! });
    await old.connect();
    await old.subscribe({ topic: env.KAFKA_EVENTS_TOPIC!, fromBeginning: true });
    await old.run({ autoCommit: false, eachBatch: async () => undefined });
    try {
      const res = await runCli(env, ['rebuild', '--pause-wait-s', '5']);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(
        /1 projector\(s\) of group ".*" did not pause within 5 s: old-projector-[\w-]+ on .*\.\nA projector older than the rebuild fence never pauses: stop it and run rebuild again\. Nothing was changed\./,
      );
      expect(await new RebuildFence(ch).current()).toBeNull();
      expect(await leftoverTables(ch)).toEqual([]);
    } finally {
      await old.disconnect();
    }
    await expectWeek(ch, INSTITUTE);
  });
});
