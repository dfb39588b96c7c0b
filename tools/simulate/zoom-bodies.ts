import { zoomIso, type Json, type WiseBody } from './wise-bodies';

/*
 * In-meeting bodies: Wise's envelope around Zoom's webhook, as in the samples
 * (MeetingStartedEvent.json and friends). event_ts sits inside the payload, except for
 * MeetingEndedEvent, whose sample has it at top level: both positions occur.
 */

export interface ZoomMeeting {
  sessionId: string;
  accountId: string;
  id: number;
  uuid: string;
  hostId: string;
  topic: string;
  startMs: number;
  /** Scheduled minutes. */
  duration: number;
}

/** One Zoom connection: a person on one device, from one join to its leave. */
export interface ZoomConnection {
  userId: string;
  userName: string;
  email: string;
  participantUuid: string;
  joinMs: number;
}

export interface SharingDetails {
  content: string;
  source: string;
  link_source: string;
  file_link: string;
}

function object(m: ZoomMeeting, withDuration: boolean): Json {
  const o: Json = { id: m.id, uuid: m.uuid, host_id: m.hostId, topic: m.topic, type: 2, start_time: zoomIso(m.startMs) };
  if (withDuration) o.duration = m.duration;
  o.timezone = 'Asia/Kolkata';
  return o;
}

function participant(c: ZoomConnection): Json {
  return {
    id: c.userId,
    user_id: c.userId,
    user_name: c.userName,
    participant_user_id: '',
    participant_uuid: c.participantUuid,
    email: c.email,
    join_time: zoomIso(c.joinMs),
  };
}

function inMeeting(event: WiseBody['event'], zoomEvent: string, m: ZoomMeeting, eventTs: number, obj: Json): WiseBody {
  return {
    event,
    payload: { sessionId: m.sessionId, event: zoomEvent, event_ts: eventTs, payload: { account_id: m.accountId, object: obj } },
  };
}

export const meetingStarted = (m: ZoomMeeting, eventTs: number): WiseBody =>
  inMeeting('MeetingStartedEvent', 'meeting.started', m, eventTs, object(m, true));

export function meetingEnded(m: ZoomMeeting, endMs: number, eventTs: number): WiseBody {
  return {
    event: 'MeetingEndedEvent',
    payload: {
      sessionId: m.sessionId,
      event: 'meeting.ended',
      payload: { account_id: m.accountId, object: { ...object(m, true), end_time: zoomIso(endMs) } },
    },
    event_ts: eventTs,
  };
}

export const participantJoined = (m: ZoomMeeting, c: ZoomConnection, eventTs: number): WiseBody =>
  inMeeting('ParticipantJoinedMeetingEvent', 'meeting.participant_joined', m, eventTs, { ...object(m, true), participant: participant(c) });

export function participantLeft(m: ZoomMeeting, c: ZoomConnection, leaveMs: number, reason: string, eventTs: number): WiseBody {
  const p = {
    ...participant(c),
    leave_time: zoomIso(leaveMs),
    leave_reason: `${c.userName} left the meeting. Reason: ${reason}`,
    registrant_id: '',
  };
  return inMeeting('ParticipantLeftMeetingEvent', 'meeting.participant_left', m, eventTs, { ...object(m, true), participant: p });
}

export function sharing(
  kind: 'started' | 'ended',
  m: ZoomMeeting,
  c: ZoomConnection,
  d: SharingDetails,
  atMs: number,
  eventTs: number,
): WiseBody {
  const p = { ...participant(c), sharing_details: { ...d, date_time: zoomIso(atMs) } };
  return inMeeting(
    kind === 'started' ? 'SharingStaredInMeetingEvent' : 'SharingEndedInMeetingEvent',
    `meeting.sharing_${kind}`,
    m,
    eventTs,
    { ...object(m, false), participant: p },
  );
}
