/*
 * What a round recomputes is what its facts can change, not its institute's history: a student
 * added to a classroom counts at the sessions starting after the addition, so the round covers
 * those and not the classroom's past (read from the round's own keys while it is held before its
 * sessions are computed); a teacher's roster change recomputes nothing at all, as the views read
 * who is a teacher when queried (migration 0016), and still shows at once.
 */
import type { ClickHouseConnection } from '@wise/clickhouse';
import { Touched } from '@wise/serving';
import { projectEvents } from '@wise/projections';
import { dropTestDatabase, ENGINES, loadEnvelopes, rosterSessionsReached, storedEventOf } from './analytics-db';
import { envelopeOf, ev, join, meeting, member, type Who } from './scenario';

const I = 'cost-academy';
const ROOM = { _id: 'class-cost', name: 'Cost room' };
const item = (id: string, start: string) => ({
  _id: id,
  classId: ROOM._id,
  userId: 'teacher-1',
  createdAt: '2024-06-01T00:00:00.000Z',
  title: id,
  scheduledStartTime: start,
  scheduledEndTime: start.replace('T10', 'T11'),
});
// Three sessions a week apart; the roster changes below arrive between the second and the third.
const schedule = envelopeOf(
  ev('SessionsCreatedEvent', {
    sessions: [item('s-past', '2024-06-03T10:00:00Z'), item('s-recent', '2024-06-10T10:00:00Z'), item('s-next', '2024-06-17T10:00:00Z')],
  }),
  '2024-06-01T00:00:00Z',
  I,
);
const LEA = { _id: 'student-lea', name: 'Lea Lang', email: 'lea@cost.test' };
const TOM = { _id: 'teacher-tom', name: 'Tom Teach', email: 'tom@cost.test' };

describe.each(ENGINES)('the sessions a roster round recomputes, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };

  beforeAll(async () => {
    ch = await createDatabase();
    await loadEnvelopes(ch, [schedule]);
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  const rosterSessionsOf = (touched: Touched) => rosterSessionsReached(ch, touched);

  it('a student added on 12 June reaches the session of the 17th only', async () => {
    const t = Touched.byRows([
      ['roster_events', [{ institute_id: I, classroom_id: ROOM._id, member_role: 'student', at_ms: Date.parse('2024-06-12T00:00:00Z') }]],
    ]);
    expect(await rosterSessionsOf(t)).toEqual(['s-next']);
  });

  it('a teacher added or removed on 12 June touches no key: its batch runs no round', () => {
    const { tables } = projectEvents(
      [
        envelopeOf(member('TeacherAddedToClassroomEvent', ROOM, TOM), '2024-06-12T00:00:00Z', I),
        envelopeOf(member('TeacherRemovedFromClassroomEvent', ROOM, TOM), '2024-06-13T00:00:00Z', I),
      ].map(storedEventOf),
      { eventStore: true },
    );
    expect(tables.get('roster_events')).toHaveLength(2);
    expect(Touched.byRows(tables).isEmpty).toBe(true);
  });

  it('a teacher added after the session is its teacher at once, every stored row untouched', async () => {
    const tom: Who = { name: TOM.name, email: TOM.email, device: 'tom-1' };
    await loadEnvelopes(ch, [
      envelopeOf(meeting('Started', 's-past', '2024-06-03T10:00:00Z'), '2024-06-03T10:00:00Z', I),
      envelopeOf(join('s-past', tom, '2024-06-03T10:00:00Z'), '2024-06-03T10:00:00Z', I),
    ]);
    const who = () =>
      ch.query<{ role: string; teacher_id: string }>(
        'test',
        `SELECT role, teacher_id FROM unmatched_participants WHERE institute_id = '${I}' AND session_id = 's-past'`,
      );
    // The stores of the session chain: no round wrote to any of them.
    const stores = ['sessions_store', 'engagement_store', 'attendance_store', 'attendance_weekly_store'];
    const stored = () =>
      ch.query<{ rows: string; latest: string }>(
        'test',
        `SELECT toString(count()) AS rows, toString(max(_version)) AS latest
         FROM (${stores.map((s) => `SELECT _version FROM ${s} WHERE institute_id = '${I}'`).join(' UNION ALL ')})`,
      );
    expect(await who()).toEqual([{ role: 'other', teacher_id: '' }]);
    const before = await stored();
    await loadEnvelopes(ch, [envelopeOf(member('TeacherAddedToClassroomEvent', ROOM, TOM), '2024-06-12T00:00:00Z', I)]);
    expect(await who()).toEqual([{ role: 'teacher', teacher_id: TOM._id }]);
    expect(await stored()).toEqual(before);
  });

  it('and the views agree: Lea, at both meetings, is on the roster of the third session only', async () => {
    const lea: Who = { name: LEA.name, email: LEA.email, device: 'lea-1' };
    await loadEnvelopes(ch, [
      envelopeOf(meeting('Started', 's-recent', '2024-06-10T10:00:00Z'), '2024-06-10T10:00:00Z', I),
      envelopeOf(join('s-recent', lea, '2024-06-10T10:00:00Z'), '2024-06-10T10:00:00Z', I),
      envelopeOf(meeting('Started', 's-next', '2024-06-17T10:00:00Z'), '2024-06-17T10:00:00Z', I),
      envelopeOf(join('s-next', lea, '2024-06-17T10:00:00Z'), '2024-06-17T10:00:00Z', I),
    ]);
    await loadEnvelopes(ch, [
      envelopeOf(member('StudentAddedToClassroomEvent', ROOM, LEA), '2024-06-12T00:00:00Z', I),
      envelopeOf(member('TeacherAddedToClassroomEvent', ROOM, TOM), '2024-06-12T00:00:00Z', I),
    ]);
    const rows = await ch.query<{ session_id: string; student_id: string }>(
      'test',
      `SELECT session_id, student_id FROM attendance WHERE institute_id = '${I}' ORDER BY session_id`,
    );
    expect(rows).toEqual([{ session_id: 's-next', student_id: LEA._id }]);
  });
});
