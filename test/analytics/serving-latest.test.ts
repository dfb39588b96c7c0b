import type { ClickHouseConnection } from '@wise/clickhouse';
import { dropTestDatabase, ENGINES, loadEnvelopes } from './analytics-db';
import { envelopeOf, ev, join, leave, meeting, member, type Who } from './scenario';

// A session moved to another classroom, and a removal that arrives after the session was
// projected: the views must show only the latest version of each row, also when a query filters
// on a column the latest version changed (the filter must not reach the older versions).
const I = 'latest-academy';
const OLD = { _id: 'class-old', name: 'Old room' };
const NEW = { _id: 'class-new', name: 'New room' };
const MIA = { _id: 'student-mia', name: 'Mia Moss', email: 'mia@latest.test' };
const NOAH = { _id: 'student-noah', name: 'Noah North', email: 'noah@latest.test' };
const S = 'session-moved';
const item = (classId: string, updatedAt: string) => ({
  _id: S,
  classId,
  userId: 'teacher-1',
  createdAt: '2024-06-01T10:00:00.000Z',
  updatedAt,
  title: 'Moved',
  scheduledStartTime: '2024-06-10T10:00:00Z',
  scheduledEndTime: '2024-06-10T11:00:00Z',
});
const mia: Who = { name: MIA.name, email: MIA.email, device: 'mia-1' };

const first = [
  envelopeOf(member('StudentAddedToClassroomEvent', OLD, MIA), '2024-06-01T09:00:00Z', I),
  envelopeOf(member('StudentAddedToClassroomEvent', NEW, MIA), '2024-06-01T09:00:00Z', I),
  envelopeOf(member('StudentAddedToClassroomEvent', NEW, NOAH), '2024-06-01T09:00:00Z', I),
  envelopeOf(ev('SessionsCreatedEvent', { sessions: [item(OLD._id, '2024-06-01T10:00:00.000Z')] }), '2024-06-01T10:00:00Z', I),
  envelopeOf(meeting('Started', S, '2024-06-10T10:00:00Z'), '2024-06-10T10:00:00Z', I),
  envelopeOf(join(S, mia, '2024-06-10T10:00:00Z'), '2024-06-10T10:00:00Z', I),
  envelopeOf(leave(S, mia, '2024-06-10T10:45:00Z'), '2024-06-10T10:45:00Z', I),
  envelopeOf(meeting('Ended', S, '2024-06-10T11:00:00Z'), '2024-06-10T11:00:00Z', I),
];
// Later: the session was moved to NEW before it took place, and Noah had left NEW before it
// (the removal carries occurredAt-less time, placed by its receipt on 9 June).
const later = [
  envelopeOf(ev('SessionsUpdatedEvent', { sessions: [item(NEW._id, '2024-06-05T10:00:00.000Z')] }), '2024-06-05T10:00:00Z', I),
  envelopeOf(member('StudentRemovedFromClassroomEvent', NEW, NOAH, { remove: true }), '2024-06-09T10:00:00Z', I),
];

describe.each(ENGINES)('the views read the latest version of each row, on %s', (_engine, createDatabase) => {
  let ch: ClickHouseConnection & { close(): Promise<void> };
  const q = (sql: string) => ch.query<Record<string, unknown>>('test', sql.replace('$I', `'${I}'`));

  beforeAll(async () => {
    ch = await createDatabase();
    await loadEnvelopes(ch, first, 100);
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it('before the move: the session is in the old room, Mia attended, Noah is not enrolled there', async () => {
    expect(await q(`SELECT classroom_id FROM sessions WHERE institute_id = $I`)).toEqual([{ classroom_id: OLD._id }]);
    expect(await q(`SELECT student_id, present FROM attendance WHERE institute_id = $I ORDER BY student_id`)).toEqual([
      { student_id: MIA._id, present: 1 },
    ]);
  });

  it('after the move: filters on the old values find nothing, rows removed by the recompute are gone', async () => {
    await loadEnvelopes(ch, later, 100);
    expect(await q(`SELECT session_id FROM sessions WHERE institute_id = $I AND classroom_id = '${OLD._id}'`)).toEqual([]);
    expect(await q(`SELECT session_id FROM sessions WHERE institute_id = $I AND classroom_id = '${NEW._id}'`)).toEqual([{ session_id: S }]);
    expect(Number((await q(`SELECT count() AS n FROM attendance WHERE institute_id = $I AND classroom_id = '${OLD._id}'`))[0].n)).toBe(0);
    // Noah was added to NEW on 1 June and removed on 9 June, before the 10 June session: not enrolled.
    expect(await q(`SELECT student_id, classroom_id, present FROM attendance WHERE institute_id = $I ORDER BY student_id`)).toEqual([
      { student_id: MIA._id, classroom_id: NEW._id, present: 1 },
    ]);
    expect(
      await q(`SELECT participant, classroom_id, role FROM engagement WHERE institute_id = $I AND classroom_id = '${NEW._id}'`),
    ).toEqual([{ participant: MIA.email, classroom_id: NEW._id, role: 'student' }]);
  });
});
