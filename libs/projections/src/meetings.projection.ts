import { inMeetingEventTs, type Envelope } from '@wise/contracts';
import { baseColumns, guaranteed, text, timeMs, toDateTime, toNullableDateTime } from './columns';
import { MEETING_EVENTS, PARTICIPANT_EVENTS, SESSION_STARTS, type ProjectedRows } from './projected-tables';
import { sessionStart } from './sessions.projection';

/** MeetingStarted/EndedEvent: when the session actually started or ended. */
export function projectMeeting(env: Envelope<'MeetingStartedEvent' | 'MeetingEndedEvent'>, kind: 'started' | 'ended'): ProjectedRows {
  const { payload } = env.body;
  const object = payload.payload.object;
  const own = kind === 'started' ? object.start_time : object.end_time;
  // The contract refuses a meeting event with neither its own time nor event_ts.
  const at = guaranteed(timeMs(own) ?? inMeetingEventTs(env.body), `${env.eventName} ${kind === 'started' ? 'start' : 'end'} time`);
  const row = {
    ...baseColumns(env),
    session_id: payload.sessionId,
    event_kind: kind,
    at: toDateTime(at),
    meeting_id: text(object.id),
    meeting_uuid: text(object.uuid),
    topic: object.topic ?? '',
    scheduled_minutes: object.duration ?? null,
    // Both events carry the meeting's start: it survives a lost MeetingStarted delivery.
    zoom_start: toNullableDateTime(timeMs(object.start_time)),
  };
  // Zoom's start as sessionsOf (libs/serving/src/session-rows.ts) reads it (the schedule of a session Wise gave none).
  const zoomStart = row.zoom_start ?? (kind === 'started' ? row.at : null);
  return {
    [MEETING_EVENTS]: [row],
    ...(zoomStart === null ? {} : { [SESSION_STARTS]: [sessionStart(env, row.session_id, zoomStart)] }),
  };
}

export type ParticipantEventKind = 'joined' | 'left' | 'sharing_started' | 'sharing_ended';

type ParticipantEvent =
  'ParticipantJoinedMeetingEvent' | 'ParticipantLeftMeetingEvent' | 'SharingStaredInMeetingEvent' | 'SharingEndedInMeetingEvent';

/**
 * Who a participant is: lower-cased email when present, else the display name. Zoom ids are per
 * connection, so they cannot tie two devices (or a rejoin) to one person. The contract refuses a
 * participant with neither.
 */
export function participantKey(email: string, userName: string): string {
  const e = email.trim().toLowerCase();
  return e !== '' ? e : userName.trim();
}

/** When the participant joined or left: its join_time/leave_time, which the contract requires. */
export function projectPresence(
  env: Envelope<'ParticipantJoinedMeetingEvent' | 'ParticipantLeftMeetingEvent'>,
  kind: 'joined' | 'left',
): ProjectedRows {
  const p = env.body.payload.payload.object.participant;
  const field = kind === 'joined' ? 'join_time' : 'leave_time';
  return participantRow(env, kind, guaranteed(timeMs(p[field]), `participant.${field}`), {});
}

/** Sharing started/ended: at sharing_details.date_time, else the event's event_ts (the contract requires one). */
export function projectSharing(
  env: Envelope<'SharingStaredInMeetingEvent' | 'SharingEndedInMeetingEvent'>,
  kind: 'sharing_started' | 'sharing_ended',
): ProjectedRows {
  const sharing = env.body.payload.payload.object.participant.sharing_details ?? {};
  const at = guaranteed(timeMs(sharing.date_time) ?? inMeetingEventTs(env.body), `${env.eventName} sharing time`);
  return participantRow(env, kind, at, sharing);
}

/**
 * One participant_events row. `device_key` is Zoom's per-connection `user_id` (else
 * `participant_uuid`, else `id`): a join is paired with the first leave of the same device key at
 * or after it.
 */
function participantRow(
  env: Envelope<ParticipantEvent>,
  kind: ParticipantEventKind,
  at: number,
  sharing: Record<string, unknown>,
): ProjectedRows {
  const { payload } = env.body;
  const p = payload.payload.object.participant;
  const email = (p.email ?? '').trim().toLowerCase();
  const userName = (p.user_name ?? '').trim();
  return {
    [PARTICIPANT_EVENTS]: [
      {
        ...baseColumns(env),
        session_id: payload.sessionId,
        participant_key: participantKey(email, userName),
        device_key: text(p.user_id) || text(p.participant_uuid) || text(p.id),
        event_kind: kind,
        at: toDateTime(at),
        email,
        user_name: userName,
        leave_reason: p.leave_reason ?? '',
        // What was shared: Zoom's `content` (application, desktop, ...), else its source or link.
        shared: text(sharing.content) || text(sharing.source) || text(sharing.file_link) || text(sharing.link_source),
        shared_link: text(sharing.file_link) || text(sharing.link_source),
      },
    ],
  };
}
