import { envelope, at, RECEIVED_S, refusal } from './projection.fixtures';
import { projectSessions, type ScheduleEventKind } from './sessions.projection';
import { CLASSROOM_SESSIONS, SESSION_EVENTS, SESSION_STARTS } from './projected-tables';

const full = {
  _id: 's1',
  classId: 'c1',
  userId: 't1',
  createdAt: '2024-06-01T10:00:00Z',
  meetingStatus: 'UPCOMING',
  type: 'SCHEDULED',
  title: 'Optics',
  scheduledStartTime: '2024-06-03T10:00:00Z',
  scheduledEndTime: '2024-06-03T11:00:00Z',
};
const NAME = { created: 'SessionsCreatedEvent', updated: 'SessionsUpdatedEvent', deleted: 'SessionsDeletedEvent' } as const;
const run = (kind: ScheduleEventKind, sessions: unknown[], occurredAt: number | null = null) =>
  projectSessions(envelope({ event: NAME[kind], payload: { sessions } }, { occurredAt }), kind)[SESSION_EVENTS]!;

describe('projectSessions', () => {
  it.each([
    [
      'a creation keeps every field',
      'created',
      full,
      { kind_rank: 1, title: 'Optics', meeting_status: 'UPCOMING', scheduled_start: at('2024-06-03T10:00:00Z'), teacher_id: 't1' },
    ],
    [
      'a sparse patch leaves absent fields NULL (= unchanged)',
      'updated',
      { _id: 's1', classId: 'c1', title: 'New' },
      { kind_rank: 2, title: 'New', meeting_status: null, scheduled_start: null, teacher_id: null },
    ],
    [
      'a deletion ranks lowest for field values',
      'deleted',
      { ...full, meetingStatus: 'CANCELLED' },
      { kind_rank: 0, event_kind: 'deleted' },
    ],
  ] as const)('%s', (_case, kind, item, expected) => {
    expect(run(kind, [item])[0]).toMatchObject({ session_id: 's1', classroom_id: 'c1', ...expected });
  });

  it.each([
    ["the item's updatedAt", { updatedAt: '2024-06-02T08:00:00.000Z' }, 1717000000000, Date.parse('2024-06-02T08:00:00Z')],
    ["else the envelope's occurredAt", {}, 1717000000000, 1717000000000],
    ['else receivedAt', {}, null, RECEIVED_S * 1000],
  ])('orders a patch by %s', (_case, extra, occurredAt, orderMs) => {
    expect(run('updated', [{ _id: 's1', classId: 'c1', ...extra }], occurredAt)[0].order_ms).toBe(orderMs);
  });

  it('places each item in its classroom by its start, and gives session_starts the starts there are', () => {
    const rows = projectSessions(envelope({ event: NAME.updated, payload: { sessions: [full, { _id: 's2', classId: 'c2' }] } }), 'updated');
    expect(rows[CLASSROOM_SESSIONS]!.map((r) => [r.session_id, r.classroom_id, r.start_s])).toEqual([
      ['s1', 'c1', at('2024-06-03T10:00:00Z')],
      ['s2', 'c2', 0xffffffff],
    ]);
    expect(rows[SESSION_STARTS]).toEqual([
      expect.objectContaining({ session_id: 's1', start_s: at('2024-06-03T10:00:00Z'), event_id: 'e1' }),
    ]);
  });

  it('writes one row per session of the event', () => {
    expect(run('created', [full, { ...full, _id: 's2' }]).map((r) => r.session_id)).toEqual(['s1', 's2']);
  });

  it.each([
    ['no sessions', [], /payload\.sessions/],
    ['an item without _id', [{ classId: 'c1' }], /sessions\[0\]\._id/],
    ['an item without classId', [{ _id: 's1' }], /sessions\[0\]\.classId/],
    ['an unreadable time', [{ ...full, scheduledStartTime: 'soon' }], /sessions\[0\]\.scheduledStartTime/],
  ])('refuses %s', (_case, sessions, reason) => {
    expect(refusal({ event: 'SessionsCreatedEvent', payload: { sessions } })).toMatch(reason);
  });
});
