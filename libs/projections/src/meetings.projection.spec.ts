import { participantKey } from './meetings.projection';
import { at, envelope, refusal } from './projection.fixtures';
import { projectEvent } from './projections';
import { MEETING_EVENTS, PARTICIPANT_EVENTS, SESSION_STARTS } from './projected-tables';

type ZoomEvent =
  | 'MeetingStartedEvent'
  | 'MeetingEndedEvent'
  | 'ParticipantJoinedMeetingEvent'
  | 'ParticipantLeftMeetingEvent'
  | 'SharingStaredInMeetingEvent'
  | 'SharingEndedInMeetingEvent';
const zoom = <N extends ZoomEvent>(event: N, object: Record<string, unknown>, eventTs?: number) => ({
  event,
  payload: { sessionId: 's1', ...(eventTs ? { event_ts: eventTs } : {}), payload: { object } },
});
const participant = { user_id: 'dev-1', participant_uuid: 'pu', id: 'z', user_name: ' Alice Anand ', email: 'Alice@Acme.Test' };

describe('participantKey', () => {
  it.each([
    ['Alice@Acme.Test', 'Alice', 'alice@acme.test'],
    ['', 'Dev Mehta', 'Dev Mehta'],
    ['  ', ' Guest ', 'Guest'],
  ])('(%j, %j) -> %j', (email, name, key) => expect(participantKey(email, name)).toBe(key));
});

describe('projectMeeting', () => {
  it.each([
    ['started at start_time', 'MeetingStartedEvent', 'started', { start_time: '2024-06-03T10:02:00Z' }, undefined, '2024-06-03T10:02:00Z'],
    [
      'ended at end_time',
      'MeetingEndedEvent',
      'ended',
      { start_time: '2024-06-03T10:02:00Z', end_time: '2024-06-03T11:00:00Z' },
      undefined,
      '2024-06-03T11:00:00Z',
    ],
    ['ended at event_ts without end_time', 'MeetingEndedEvent', 'ended', {}, Date.parse('2024-06-03T11:01:00Z'), '2024-06-03T11:01:00Z'],
  ] as const)('%s', (_case, event, kind, object, ts, iso) => {
    expect(projectEvent(envelope(zoom(event, object, ts)))[MEETING_EVENTS]![0]).toMatchObject({
      session_id: 's1',
      event_kind: kind,
      at: at(iso),
    });
  });

  it.each([
    ["MeetingStarted: Zoom's start_time", 'MeetingStartedEvent', { start_time: '2024-06-03T10:02:00Z' }, undefined, '2024-06-03T10:02:00Z'],
    [
      'MeetingStarted without start_time: its event_ts',
      'MeetingStartedEvent',
      {},
      Date.parse('2024-06-03T10:03:00Z'),
      '2024-06-03T10:03:00Z',
    ],
    [
      'MeetingEnded: the start_time it carries',
      'MeetingEndedEvent',
      { start_time: '2024-06-03T10:02:00Z', end_time: '2024-06-03T11:00:00Z' },
      undefined,
      '2024-06-03T10:02:00Z',
    ],
    ['MeetingEnded without start_time: none', 'MeetingEndedEvent', { end_time: '2024-06-03T11:00:00Z' }, undefined, null],
  ] as const)("gives session_starts Zoom's start as the sessions read it, %s", (_case, event, object, ts, iso) => {
    const rows = projectEvent(envelope(zoom(event, object, ts)))[SESSION_STARTS];
    expect(rows).toEqual(iso === null ? undefined : [expect.objectContaining({ session_id: 's1', start_s: at(iso) })]);
  });

  it('refuses a meeting event with no time at all', () => {
    expect(refusal(zoom('MeetingEndedEvent', {}))).toMatch(/end_time: is required when the event has no event_ts/);
  });
});

describe('participant events', () => {
  const sharing = { content: 'application', source: 'in_meeting', date_time: '2024-06-03T10:40:00Z' };
  it.each([
    ['joined', 'ParticipantJoinedMeetingEvent', { ...participant, join_time: '2024-06-03T10:00:00Z' }, '2024-06-03T10:00:00Z', ''],
    ['left', 'ParticipantLeftMeetingEvent', { ...participant, leave_time: '2024-06-03T10:40:00Z' }, '2024-06-03T10:40:00Z', ''],
    ['sharing_started', 'SharingStaredInMeetingEvent', { ...participant, sharing_details: sharing }, '2024-06-03T10:40:00Z', 'application'],
    [
      'sharing_ended',
      'SharingEndedInMeetingEvent',
      { ...participant, sharing_details: { ...sharing, date_time: '2024-06-03T10:45:00Z' } },
      '2024-06-03T10:45:00Z',
      'application',
    ],
  ] as const)('%s', (kind, event, p, iso, shared) => {
    const row = projectEvent(envelope(zoom(event, { participant: p })))[PARTICIPANT_EVENTS]![0];
    expect(row).toMatchObject({
      event_kind: kind,
      participant_key: 'alice@acme.test',
      device_key: 'dev-1',
      email: 'alice@acme.test',
      user_name: 'Alice Anand',
      at: at(iso),
      shared,
    });
  });

  it('keys a guest without email by the display name', () => {
    const row = projectEvent(
      envelope(zoom('ParticipantJoinedMeetingEvent', { participant: { ...participant, email: '', join_time: '2024-06-03T10:00:00Z' } })),
    )[PARTICIPANT_EVENTS]![0];
    expect(row).toMatchObject({ participant_key: 'Alice Anand', email: '' });
  });

  // The contract refuses these, so ingestion answers "quarantined" and the projector never sees them.
  it.each([
    ['no join_time', zoom('ParticipantJoinedMeetingEvent', { participant }), /participant\.join_time: is required/],
    [
      'neither email nor name',
      zoom('ParticipantJoinedMeetingEvent', { participant: { join_time: '2024-06-03T10:00:00Z' } }),
      /participant: needs a non-empty email or user_name/,
    ],
    [
      'only blanks for both',
      zoom('ParticipantLeftMeetingEvent', { participant: { email: ' ', user_name: '  ', leave_time: '2024-06-03T10:00:00Z' } }),
      /participant: needs a non-empty email or user_name/,
    ],
    [
      'sharing with no time',
      zoom('SharingStaredInMeetingEvent', { participant }),
      /sharing_details\.date_time: is required when the event has no event_ts/,
    ],
  ])('refuses %s', (_case, body, reason) => {
    expect(refusal(body)).toMatch(reason);
  });
});
