import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tableRef, type ClickHouse } from '@wise/clickhouse';
import { deriveEventId } from '@wise/contracts';
import { eventStoreRow, EVENTS_TABLE, QUARANTINE_TABLE } from '@wise/projections';
import { testEnv } from '@wise/testing';
import { readAnalyticsSnapshot } from '../analytics/analytics-db';
import { classroomWeek, INSTITUTE, redelivered } from '../analytics/scenario';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase, publishEnvelopes, runCli, waitUntilCommitted } from './harness';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';
import { corrupt as corruptFor, leftoverTables } from './rebuild-harness';

// `npm run cli -- rebuild` as a child process: the analytics tables projected again from the event
// store, through the projector's own steps, and swapped in. With no projector running; a rebuild
// beside a running projector, and one stopped half-way, are in rebuild-fence.test.ts.
const week = classroomWeek();
const corrupt = (ch: ClickHouse) => corruptFor(ch, INSTITUTE);
describe('cli rebuild', () => {
  const env = testEnv();
  let ch: ClickHouse;
  let projector: AppProcess;

  beforeAll(async () => {
    ch = clickhouseOf(env);
    projector = await startProjector(env);
    // Copies of an event stay apart until the last describe merges them, so the rebuild is tested
    // both on copies and on the one copy a merge keeps.
    await ch.command('test', `SYSTEM STOP MERGES ${tableRef(ch.database, EVENTS_TABLE)}`);
    // Every event three times, so the rebuild must read each event id once, across page edges.
    await publishEnvelopes(env, redelivered(week, 3, 7));
    await waitUntilCommitted(env);
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
  });

  afterAll(async () => {
    await projector?.stop('SIGKILL');
    await dropDatabase(ch);
  });

  it('rebuilds damaged tables from the event store, page by page', async () => {
    await projector.stop('SIGTERM');
    await corrupt(ch);
    const res = await runCli(env, ['rebuild', '--page-size', '7']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`rebuild: 0 projector(s) of group "${env.PROJECTOR_GROUP_ID}" paused`);
    // One institute with more events than a page: slices of it by event id, several pages.
    expect(res.stdout).toMatch(new RegExp(`rebuild: page 1/${Math.ceil(week.length / 7)}: \\d+/${week.length} events \\(`));
    expect(res.stdout).toContain(`/${week.length} events (100%), 0 quarantined`);
    expect(res.stdout).toContain('swapped the rebuilt tables in');
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
    expect(await leftoverTables(ch)).toEqual([]);
  });

  it('drops the tables an earlier rebuild left behind, and starts over', async () => {
    await ch.command('test', 'CREATE TABLE session_events__rebuild AS session_events');
    await corrupt(ch);
    const res = await runCli(env, ['rebuild']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('dropping session_events__rebuild (left by an earlier rebuild)');
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
    expect(await leftoverTables(ch)).toEqual([]);
  });

  // A DROP cut short on 18.16 (the server restarted while dropping thousands of parts) leaves a
  // table's data folder without the table, and CREATE then refuses that name. DETACH leaves the same
  // folder; removing the metadata file makes it the state a restart after such a DROP leaves.
  it('clears the data folder a DROP cut short left, instead of refusing to start', async () => {
    await ch.command('test', 'CREATE TABLE session_events__rebuild AS session_events');
    await ch.command('test', 'INSERT INTO session_events__rebuild SELECT * FROM session_events LIMIT 1');
    await ch.command('test', 'DETACH TABLE session_events__rebuild');
    // Where the server keeps its metadata (the stack may keep its data on an image of its own).
    const [{ metadata_path }] = await ch.query<{ metadata_path: string }>(
      'test',
      `SELECT metadata_path FROM system.databases WHERE name = '${env.CLICKHOUSE_DATABASE!}'`,
    );
    const metadata = join(metadata_path, 'session_events__rebuild.sql');
    rmSync(metadata, { force: true });
    await expect(ch.command('test', 'CREATE TABLE session_events__rebuild AS session_events')).rejects.toThrow(
      /Data directory for table already containing data parts/,
    );
    await corrupt(ch);
    const res = await runCli(env, ['rebuild']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('session_events__rebuild has a data folder left by a DROP cut short; attaching it to drop it');
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
    expect(await leftoverTables(ch)).toEqual([]);
  });

  describe('after the event store merged the copies of each event', () => {
    it('rebuilds every event once', async () => {
      const events = tableRef(ch.database, EVENTS_TABLE);
      await ch.command('test', `SYSTEM START MERGES ${events}`);
      await ch.command('test', `OPTIMIZE TABLE ${events} FINAL`);
      const [copies] = await ch.query<{ n: string }>('test', `SELECT count() AS n FROM ${events}`);
      expect(Number(copies.n)).toBe(week.length);
      await corrupt(ch);
      const res = await runCli(env, ['rebuild']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`${week.length}/${week.length} events (100%), 0 quarantined`);
    });

    // The merge must keep the earliest receipt (events' delivery_rank), as the fact tables do, or
    // the columns taken from receivedAt (payments' paid_at, roster's left_at) come out later.
    it('gives the hand-computed numbers', async () => {
      expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
    });
  });

  // Events kept in `events`: one whose body fails its schema now, and one with a participant name
  // cut mid-emoji (a lone surrogate, which ClickHouse refuses in a column; it once stopped a rebuild
  // over 719k events). The first is quarantined, the second lands with U+FFFD; neither stops it.
  it('quarantines what it cannot project, stores a lone surrogate as U+FFFD, finishes, and leaves no __rebuild tables', async () => {
    const other = 'rebuild-bad';
    const zoom = (event: string, object: object) => ({
      event,
      payload: { sessionId: 'bad-session', payload: { object: { id: 1, ...object } } },
    });
    const bodies = [
      zoom('MeetingEndedEvent', { uuid: 'u' }), // no time at all: the contract refuses it
      {
        ...zoom('ParticipantJoinedMeetingEvent', {
          participant: { user_id: 'd', user_name: 'Dev \ud800', join_time: '2024-06-03T10:00:00Z' },
        }),
        event_ts: Date.parse('2024-06-03T10:00:00Z'),
      },
    ];
    const ids = bodies.map((b) => deriveEventId(other, Buffer.from(JSON.stringify(b))));
    await ch.insert(
      'events',
      bodies.map((b, i) =>
        eventStoreRow(
          {
            v: 1,
            eventId: ids[i],
            instituteId: other,
            eventName: b.event,
            receivedAt: Date.parse('2024-06-03T12:00:00Z'),
            occurredAt: null,
            sessionId: 'bad-session',
            classroomId: null,
            userId: null,
          },
          JSON.stringify(b),
        ),
      ),
    );
    await corrupt(ch);
    const res = await runCli(env, ['rebuild', '--page-size', '5']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`${week.length + 2}/${week.length + 2} events (100%), 1 quarantined`);
    expect(await leftoverTables(ch)).toEqual([]);
    expectScenarioNumbers(await readAnalyticsSnapshot(ch, INSTITUTE));
    const quarantined = await ch.query<{ quarantine_id: string; reason: string; source: string }>(
      'test',
      `SELECT quarantine_id, reason, source FROM ${tableRef(ch.database, QUARANTINE_TABLE)} FINAL WHERE institute_id = '${other}' ORDER BY reason`,
    );
    expect(quarantined).toEqual([
      { quarantine_id: ids[0], reason: expect.stringMatching(/^MeetingEndedEvent: .*end_time.*required/), source: 'rebuild' },
    ]);
    const names = await ch.query<{ user_name: string }>('test', `SELECT user_name FROM participant_events WHERE event_id = '${ids[1]}'`);
    expect(names).toEqual([{ user_name: 'Dev \ufffd' }]);
  });
});
