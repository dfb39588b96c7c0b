/*
 * Which sessions a student's roster change recomputes when some of their schedule facts have no
 * start (docs/serving.md, "The sessions a roster change reaches"): a session placed in the
 * classroom by such a fact is reached only when one of its starts, Wise's or Zoom's, in any
 * classroom, is at or after the change. So a session cancelled long ago by a patch without a start
 * is no longer recomputed by every later change, while a session whose start now is after the
 * change is, whichever fact placed it there, whatever order its facts came in and however many
 * copies of them; and the weekly rollup counts such a session in the week of its start. Expectations
 * are worked out by hand in the comments.
 */
import type { ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { Touched } from '@wise/serving';
import { dropTestDatabase, ENGINES, loadBatch, rosterSessionsReached } from './analytics-db';
import { envelopeOf, ev, join, leave, meeting, member, redelivered, type Who } from './scenario';

const ROOM = { _id: 'class-reach', name: 'Reach room' };
const OTHER = { _id: 'class-elsewhere', name: 'Elsewhere' };
const LEA = { _id: 'student-lea', name: 'Lea Lang', email: 'lea@reach.test' };
const MAX = { _id: 'student-max', name: 'Max Mohr', email: 'max@reach.test' };
const lea: Who = { name: LEA.name, email: LEA.email, device: 'lea-1' };
const max: Who = { name: MAX.name, email: MAX.email, device: 'max-1' };
/** The roster change every case turns on: Max added to the room on 12 June. */
const CHANGE = '2024-06-12T00:00:00Z';

const hourAfter = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString();
/** A schedule item: `start` omitted is a patch without scheduledStartTime. */
const item = (id: string, classId: string, updatedAt: string, start?: string, extra: Record<string, unknown> = {}) => ({
  _id: id,
  classId,
  userId: 'teacher-1',
  updatedAt,
  title: id,
  ...(start === undefined ? {} : { scheduledStartTime: start, scheduledEndTime: hourAfter(start) }),
  ...extra,
});
type Item = ReturnType<typeof item>;
const created = (i: string, it: Item, at: string) => envelopeOf(ev('SessionsCreatedEvent', { sessions: [it] }), at, i);
const updated = (i: string, it: Item, at: string) => envelopeOf(ev('SessionsUpdatedEvent', { sessions: [it] }), at, i);
/** The class ran from `start` for an hour, Lea and Max there throughout. */
const held = (i: string, s: string, start: string): Envelope[] => {
  const end = hourAfter(start);
  return [
    envelopeOf(meeting('Started', s, start), start, i),
    envelopeOf(join(s, lea, start), start, i),
    envelopeOf(join(s, max, start), start, i),
    envelopeOf(leave(s, lea, end), end, i),
    envelopeOf(leave(s, max, end), end, i),
    envelopeOf(meeting('Ended', s, end), end, i),
  ];
};
/** Each delivery twice, the copy 7 minutes later, in the given order. */
const twice = (events: readonly Envelope[]) => events.flatMap((e) => [e, { ...e, receivedAt: e.receivedAt + 7 * 60_000 }]);

describe.each(ENGINES)('the sessions a roster change reaches through facts without a start, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };

  beforeAll(async () => {
    ch = await createDatabase();
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  /** Runs a round for Max's addition alone, returning the sessions its roster keys reached. */
  const reachedBy = (i: string) =>
    rosterSessionsReached(
      ch,
      Touched.byRows([['roster_events', [{ institute_id: i, classroom_id: ROOM._id, member_role: 'student', at_ms: Date.parse(CHANGE) }]]]),
    );

  it('reaches a session by a fact without a start only when one of its starts, in any classroom, is at or after the change', async () => {
    const i = 'reach-keys';
    await loadBatch(ch, [
      // Cancelled on 5 June by a patch without a start; its start stays 3 June: not reached.
      created(i, item('s-cancelled', ROOM._id, '2024-06-01T00:00:00Z', '2024-06-03T10:00:00Z'), '2024-06-01T00:00:00Z'),
      updated(i, item('s-cancelled', ROOM._id, '2024-06-05T00:00:00Z', undefined, { meetingStatus: 'CANCELLED' }), '2024-06-05T00:00:00Z'),
      // Created elsewhere for 17 June, moved here by a patch without a start: its start, 17 June,
      // is another classroom's fact: reached. The same for 10 June: not reached.
      created(i, item('s-moved', OTHER._id, '2024-06-01T00:00:00Z', '2024-06-17T10:00:00Z'), '2024-06-01T00:00:00Z'),
      updated(i, item('s-moved', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
      created(i, item('s-moved-early', OTHER._id, '2024-06-01T00:00:00Z', '2024-06-10T10:00:00Z'), '2024-06-01T00:00:00Z'),
      updated(i, item('s-moved-early', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
      // Only facts without a start (the creation never came): the schedule is Zoom's. Held on
      // 17 June: reached; on 10 June: not; never held: no start, nothing enrolment decides.
      updated(i, item('s-zoom', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
      envelopeOf(meeting('Started', 's-zoom', '2024-06-17T14:00:00Z'), '2024-06-17T14:00:00Z', i),
      updated(i, item('s-zoom-early', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
      envelopeOf(meeting('Started', 's-zoom-early', '2024-06-10T14:00:00Z'), '2024-06-10T14:00:00Z', i),
      updated(i, item('s-unheld', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
      // Rescheduled from 17 to 10 June: its older fact's start still reaches it (a recompute that
      // changes nothing); and a plain session of 17 June, reached by its own start.
      created(i, item('s-earlier', ROOM._id, '2024-06-01T00:00:00Z', '2024-06-17T12:00:00Z'), '2024-06-01T00:00:00Z'),
      updated(i, item('s-earlier', ROOM._id, '2024-06-05T00:00:00Z', '2024-06-10T12:00:00Z'), '2024-06-05T00:00:00Z'),
      created(i, item('s-next', ROOM._id, '2024-06-01T00:00:00Z', '2024-06-17T16:00:00Z'), '2024-06-01T00:00:00Z'),
    ]);
    expect(await reachedBy(i)).toEqual(['s-earlier', 's-moved', 's-next', 's-zoom']);
  });

  /*
   * Four sessions, now all in the room, held with Lea and Max present throughout. Lea was added on
   * 1 June, Max on 12 June (CHANGE), so the roster of a session is Lea, and Max when it starts on
   * or after 12 June:
   * - s-later, created for 10 June, rescheduled to 17 June: Lea and Max;
   * - s-earlier, created for 17 June, rescheduled to 10 June: Lea (Max is a participant no roster has);
   * - s-moved, created in the other room for 18 June, moved here by a patch without a start: Lea and Max;
   * - s-zoom, whose only schedule fact is a patch without a start, held on 17 June at 14:00: Lea and Max.
   */
  const schedule = (i: string): Envelope[] => [
    created(i, item('s-later', ROOM._id, '2024-06-01T00:00:00Z', '2024-06-10T10:00:00Z'), '2024-06-01T00:00:00Z'),
    updated(i, item('s-later', ROOM._id, '2024-06-05T00:00:00Z', '2024-06-17T10:00:00Z'), '2024-06-05T00:00:00Z'),
    created(i, item('s-earlier', ROOM._id, '2024-06-01T00:00:00Z', '2024-06-17T12:00:00Z'), '2024-06-01T00:00:00Z'),
    updated(i, item('s-earlier', ROOM._id, '2024-06-05T00:00:00Z', '2024-06-10T12:00:00Z'), '2024-06-05T00:00:00Z'),
    created(i, item('s-moved', OTHER._id, '2024-06-01T00:00:00Z', '2024-06-18T10:00:00Z'), '2024-06-01T00:00:00Z'),
    updated(i, item('s-moved', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
    updated(i, item('s-zoom', ROOM._id, '2024-06-05T00:00:00Z'), '2024-06-05T00:00:00Z'),
  ];
  const meetings = (i: string): Envelope[] => [
    ...held(i, 's-later', '2024-06-17T10:00:00Z'),
    ...held(i, 's-earlier', '2024-06-10T12:00:00Z'),
    ...held(i, 's-moved', '2024-06-18T10:00:00Z'),
    ...held(i, 's-zoom', '2024-06-17T14:00:00Z'),
  ];
  const leaAdded = (i: string) => envelopeOf(member('StudentAddedToClassroomEvent', ROOM, LEA), '2024-06-01T00:00:00Z', i);
  const maxAdded = (i: string) => envelopeOf(member('StudentAddedToClassroomEvent', ROOM, MAX), CHANGE, i);
  const ROSTERS = [
    ['s-earlier', LEA._id],
    ['s-later', LEA._id],
    ['s-later', MAX._id],
    ['s-moved', LEA._id],
    ['s-moved', MAX._id],
    ['s-zoom', LEA._id],
    ['s-zoom', MAX._id],
  ];

  /** Each order is a list of batches, each its own round: the change's round comes where it is listed. */
  const orders: Array<[string, string, (i: string) => Envelope[][]]> = [
    ['in order, the change last', 'reach-in-order', (i) => [[leaAdded(i), ...schedule(i)], meetings(i), [maxAdded(i)]]],
    [
      'each fact twice, patches before creations, the change last',
      'reach-patches-first',
      (i) => {
        const facts = schedule(i);
        const patches = facts.filter((e) => e.eventName === 'SessionsUpdatedEvent');
        const creations = facts.filter((e) => e.eventName === 'SessionsCreatedEvent');
        return [[leaAdded(i), ...twice(patches)], twice(creations), twice(meetings(i)), [maxAdded(i)]];
      },
    ],
    [
      'each fact twice, shuffled, the change last',
      'reach-shuffled',
      (i) => {
        const copies = redelivered([...schedule(i), ...meetings(i)], 2, 17);
        return [[leaAdded(i)], copies.slice(0, 20), copies.slice(20, 40), copies.slice(40), [maxAdded(i)]];
      },
    ],
    [
      'the change between the creations and the reschedules',
      'reach-between',
      (i) => {
        const [laterCreated, laterRescheduled, earlierCreated, earlierRescheduled, ...rest] = schedule(i);
        return [
          [leaAdded(i), laterCreated, earlierCreated, ...meetings(i)],
          [maxAdded(i)],
          [laterRescheduled, earlierRescheduled, ...rest],
        ];
      },
    ],
    ['the change first', 'reach-change-first', (i) => [[leaAdded(i), maxAdded(i)], schedule(i), meetings(i)]],
  ];

  it.each(orders)("the rosters are those at each session's start now: %s", async (_case, i, batches) => {
    for (const batch of batches(i)) await loadBatch(ch, batch);
    const rows = await ch.query<{ session_id: string; student_id: string; present: number | string }>(
      'test',
      `SELECT session_id, student_id, present FROM attendance WHERE institute_id = '${i}' ORDER BY session_id, student_id`,
    );
    expect(rows.map((r) => [r.session_id, r.student_id])).toEqual(ROSTERS);
    expect(rows.map((r) => Number(r.present))).toEqual(ROSTERS.map(() => 1));
    // The weekly rollup finds the sessions placed in the room by a patch without a start (s-moved,
    // s-zoom) by their starts: the week of 10 June has s-earlier (Lea), that of 17 June s-later,
    // s-moved and s-zoom (Lea and Max each); the other room's week holds no attended session.
    const weeks = await ch.query<Record<string, string | number>>(
      'test',
      `SELECT classroom_id, toString(week) AS week, sessions, enrolled_slots, present FROM attendance_by_week
       WHERE institute_id = '${i}' ORDER BY classroom_id, week`,
    );
    expect(weeks.map((w) => [w.classroom_id, w.week, Number(w.sessions), Number(w.enrolled_slots), Number(w.present)])).toEqual([
      [ROOM._id, '2024-06-10', 1, 1, 1],
      [ROOM._id, '2024-06-17', 3, 6, 6],
    ]);
  });
});
