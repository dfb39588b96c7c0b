import { projectMeeting, projectParticipant, participantKey, type ParticipantEventKind } from './meetings.projection';
import { at, envelope } from './projection.fixtures';
import { ProjectionError } from './projection.helpers';
import { MEETING_EVENTS, PARTICIPANT_EVENTS } from './tables';

const zoom = (event: string, object: Record<string, unknown>, eventTs?: number) =>
  envelope({ event, payload: { sessionId: 's1', ...(eventTs ? { event_ts: eventTs } : {}), payload: { object } } });
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
    ['ended at end_time', 'MeetingEndedEvent', 'ended', { start_time: '2024-06-03T10:02:00Z', end_time: '2024-06-03T11:00:00Z' }, undefined, '2024-06-03T11:00:00Z'],
    ['ended at event_ts without end_time', 'MeetingEndedEvent', 'ended', {}, Date.parse('2024-06-03T11:01:00Z'), '2024-06-03T11:01:00Z'],
  ] as const)('%s', (_case, event, kind, object, ts, iso) => {
    expect(projectMeeting(zoom(event, object, ts), kind)[MEETING_EVENTS][0]).toMatchObject({ session_id: 's1', event_kind: kind, at: at(iso) });
  });

  it('refuses a meeting event with no time at all', () => {
    expect(() => projectMeeting(zoom('MeetingEndedEvent', {}), 'ended')).toThrow(ProjectionError);
  });
});

describe('projectParticipant', () => {
  const sharing = { content: 'application', source: 'in_meeting', date_time: '2024-06-03T10:40:00Z' };
  it.each([
    ['joined', 'ParticipantJoinedMeetingEvent', { ...participant, join_time: '2024-06-03T10:00:00Z' }, '2024-06-03T10:00:00Z', ''],
    ['left', 'ParticipantLeftMeetingEvent', { ...participant, leave_time: '2024-06-03T10:40:00Z' }, '2024-06-03T10:40:00Z', ''],
    ['sharing_started', 'SharingStaredInMeetingEvent', { ...participant, sharing_details: sharing }, '2024-06-03T10:40:00Z', 'application'],
    ['sharing_ended', 'SharingEndedInMeetingEvent', { ...participant, sharing_details: { ...sharing, date_time: '2024-06-03T10:45:00Z' } }, '2024-06-03T10:45:00Z', 'application'],
  ] as const)('%s', (kind, event, p, iso, shared) => {
    const row = projectParticipant(zoom(event, { participant: p }), kind as ParticipantEventKind)[PARTICIPANT_EVENTS][0];
    expect(row).toMatchObject({ participant_key: 'alice@acme.test', device_key: 'dev-1', email: 'alice@acme.test', user_name: 'Alice Anand', at: at(iso), shared });
  });

  it.each([
    ['no join_time', 'ParticipantJoinedMeetingEvent', 'joined', participant],
    ['neither email nor name', 'ParticipantJoinedMeetingEvent', 'joined', { join_time: '2024-06-03T10:00:00Z' }],
    ['sharing with no time', 'SharingStaredInMeetingEvent', 'sharing_started', participant],
  ] as const)('refuses %s', (_case, event, kind, p) => {
    expect(() => projectParticipant(zoom(event, { participant: p }), kind)).toThrow(ProjectionError);
  });
});
