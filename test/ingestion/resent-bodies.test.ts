import { join } from 'node:path';
import { tableRef } from '@wise/clickhouse';
import { deriveEventId, generationEventId, parseEnvelope } from '@wise/contracts';
import { EVENTS_TABLE } from '@wise/projections';
import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { envelopeOf, ev, member } from '../analytics/scenario';
import { addInstitute, AppProcess, freePort, post, RunningIngestion, startIngestion, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase, waitUntilCommitted } from '../projector/harness';
import { CuttablePostgres } from './cuttable-postgres';

// Same bytes, new event, through the real ingestion, Kafka, PostgreSQL and projector. Mia is added
// to a classroom, removed, and added again five hours later with the very same bytes; she is
// suspended, unsuspended, and suspended again. The first ingestion runs with its clock five hours
// behind (the receipt clock is the process's; Kafka refuses timestamps an hour ahead, not behind),
// the later ones on time. The second add and the second suspension are new events, placed at their
// own receipt, so the views show Mia enrolled and suspended; copies within the window keep their
// id; two ingestion processes receiving the same late copy at once give it the same id.
const SKEW = join(__dirname, '..', 'support', 'clock-skew.cjs');
const FIVE_HOURS_MS = 5 * 3600 * 1000;
const ROOM = { _id: 'class-resent', name: 'Resent room' };
const MIA = { _id: 'student-mia', name: 'Mia Moss', email: 'mia@resent.test' };
const suspension = (suspended: boolean) =>
  ev('StudentSuspensionUpdatedEvent', { reason: 'FEE_DELAY', suspended, classroom: ROOM, student: MIA });
const bytes = (body: object) => Buffer.from(JSON.stringify(body));
const ADD = bytes(member('StudentAddedToClassroomEvent', ROOM, MIA));
const REMOVE = bytes(member('StudentRemovedFromClassroomEvent', ROOM, MIA, { remove: true }));
const SUSPEND = bytes(suspension(true));
const UNSUSPEND = bytes(suspension(false));

describe('a body Wise sends again as a new event', () => {
  const env = testEnv();
  const slug = uniqueSlug('resent');
  const key = 'resent-key-0123456789abcdef';
  const headers = { 'x-wise-key': key };
  const apps: Array<{ stop: () => Promise<number | null> }> = [];
  const ch = clickhouseOf(env);
  const ids: Record<string, string> = {};

  const send = async (ingestion: RunningIngestion, body: Buffer) => {
    const res = await post(`${ingestion.url}/webhooks/wise/${slug}`, body, headers);
    expect([res.status, res.json.status]).toEqual([200, 'accepted']);
    return res.json.eventId as string;
  };

  beforeAll(async () => {
    // The scenario's bodies pass the contract (envelopeOf refuses those that do not).
    for (const b of [ADD, REMOVE, SUSPEND, UNSUSPEND]) envelopeOf(JSON.parse(b.toString()), '2024-06-03T10:00:00Z', slug);
    await addInstitute(env, slug, key);
    apps.push(await startProjector(env));
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    await dropDatabase(ch);
  });

  it("five hours ago: add, remove, suspend, unsuspend, and copies of the add, all under the bodies' own ids", async () => {
    const earlier = await startIngestion({ ...env, NODE_OPTIONS: `--require ${SKEW}`, CLOCK_SKEW_MS: String(-FIVE_HOURS_MS) });
    apps.push(earlier);
    ids.add = await send(earlier, ADD);
    ids.remove = await send(earlier, REMOVE);
    ids.suspend = await send(earlier, SUSPEND);
    ids.unsuspend = await send(earlier, UNSUSPEND);
    // Wise's retries of the add, after the removal but within the window: copies.
    expect(await send(earlier, ADD)).toBe(ids.add);
    expect(ids).toEqual({
      add: deriveEventId(slug, ADD),
      remove: deriveEventId(slug, REMOVE),
      suspend: deriveEventId(slug, SUSPEND),
      unsuspend: deriveEventId(slug, UNSUSPEND),
    });
    await earlier.stop();
  });

  it('now: the add and the suspension again are new events; copies, also on two processes at once, keep the new ids', async () => {
    const [one, two] = [await startIngestion(env), await startIngestion(env)];
    apps.push(one, two);
    const readd = await send(one, ADD);
    expect(readd).toBe(generationEventId(ids.add, 1));
    expect(await send(two, ADD)).toBe(readd);
    const resuspended = await Promise.all([send(one, SUSPEND), send(two, SUSPEND)]);
    expect(resuspended).toEqual([generationEventId(ids.suspend, 1), generationEventId(ids.suspend, 1)]);

    const counted = async (i: RunningIngestion) => {
      const text = await (await fetch(`${i.opsUrl}/metrics`)).text();
      return [...text.matchAll(/^ingestion_resent_as_new_event_total\{[^}]*event="(\w+)"[^}]*\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]);
    };
    const total = (rows: Array<Array<string | number>>, event: string) =>
      rows.filter(([e]) => e === event).reduce((n, [, v]) => n + Number(v), 0);
    const metrics = [...(await counted(one)), ...(await counted(two))];
    expect([total(metrics, 'StudentAddedToClassroomEvent'), total(metrics, 'StudentSuspensionUpdatedEvent')]).toEqual([1, 1]);
  });

  it('Kafka holds each decided id, and the views show Mia enrolled and suspended', async () => {
    const published = (await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!)).map((m) => {
      const e = parseEnvelope(m.value);
      if (!e.ok) throw new Error(e.reason);
      return e.head.eventId;
    });
    const readd = generationEventId(ids.add, 1);
    const resuspend = generationEventId(ids.suspend, 1);
    expect([...published].sort()).toEqual(
      [ids.add, ids.add, ids.remove, ids.suspend, ids.unsuspend, readd, readd, resuspend, resuspend].sort(),
    );
    await waitUntilCommitted(env);
    const q = (sql: string) => ch.query<Record<string, unknown>>('test', sql.replace('$I', `'${slug}'`));
    expect(await q(`SELECT member_id, is_member, left_at FROM roster WHERE institute_id = $I`)).toEqual([
      { member_id: MIA._id, is_member: 1, left_at: null },
    ]);
    expect(await q(`SELECT student_id, suspended FROM suspensions WHERE institute_id = $I`)).toEqual([
      { student_id: MIA._id, suspended: 1 },
    ]);
    const stored = await q(`SELECT uniqExact(event_id) AS n FROM ${tableRef(ch.database, EVENTS_TABLE)} WHERE institute_id = $I`);
    expect(Number(stored[0].n)).toBe(6);
  });
});

// PostgreSQL decides the id of these events: while it is away they get 503 (Wise retries), and
// every other event is still accepted from the keys ingestion holds in memory.
describe('a timeless event while PostgreSQL is away', () => {
  const direct = testEnv();
  const slug = uniqueSlug('resent-pg');
  const key = 'resent-pg-key-0123456789abcdef';
  let relay: CuttablePostgres;
  let proc: AppProcess | undefined;
  let url: string;

  beforeAll(async () => {
    await addInstitute(direct, slug, key);
    relay = new CuttablePostgres(await freePort());
    await relay.up();
    const [port, opsPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    proc = AppProcess.start('ingestion', {
      ...direct,
      DATABASE_URL: relay.url(direct.DATABASE_URL!),
      PORT: String(port),
      OPS_PORT: String(opsPort),
    });
    await proc.waitForLine(/ingestion listening/, 60000);
    await waitFor('ingestion ready', async () => (await fetch(`${url}/ready`)).status === 200, 30000);
  });
  afterAll(async () => {
    await proc?.stop();
    await relay?.cut();
  });

  it('is answered 503 with Retry-After, other events 200; accepted once PostgreSQL is back', async () => {
    await relay.cut();
    const refused = await post(`${url}/webhooks/wise/${slug}`, ADD, { 'x-wise-key': key });
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '30']);
    expect(refused.json.message).toBe('event not stored: PostgreSQL did not answer; retry later');
    expect((await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key })).status).toBe(200);
    expect(
      proc!.lines.some((l) => l.includes('PostgreSQL, which tells a re-sent StudentAddedToClassroomEvent from a retry, did not answer')),
    ).toBe(true);
    await relay.up();
    const accepted = await waitFor('the add accepted once PostgreSQL is back', async () => {
      const res = await post(`${url}/webhooks/wise/${slug}`, ADD, { 'x-wise-key': key });
      return res.status === 200 ? res : undefined;
    });
    expect(accepted.json).toEqual({ status: 'accepted', eventId: deriveEventId(slug, ADD) });
  });
});
