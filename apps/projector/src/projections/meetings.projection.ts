import type { Envelope } from '@wise/contracts';
import {
  baseColumns,
  numberOrNull,
  objectAt,
  optionalObject,
  payloadOf,
  ProjectionError,
  requiredText,
  text,
  timeMs,
  toDateTime,
  type ProjectedRows,
} from './projection.helpers';
import { MEETING_EVENTS, PARTICIPANT_EVENTS } from './tables';

type Json = Record<string, unknown>;

/** The Zoom-shaped event's own `event_ts` (reported inside payload and at top level). */
function eventTs(env: Envelope, payload: Json): number | null {
  const top = typeof env.body === 'object' && env.body !== null ? (env.body as Json).event_ts : undefined;
  return timeMs(payload.event_ts) ?? timeMs(top);
}

/** The first usable time among `candidates`, else the envelope's occurredAt, else an error. */
function firstTime(env: Envelope, what: string, candidates: unknown[]): number {
  for (const c of candidates) {
    const ms = timeMs(c);
    if (ms !== null) return ms;
  }
  if (env.occurredAt !== null) return env.occurredAt;
  // Without a time the event cannot be placed on the meeting's timeline; receipt time (hours late
  // on a retry) would be a silent lie.
  throw new ProjectionError(`${env.eventName} has no usable ${what} time`);
}

/** MeetingStarted/EndedEvent: when the session actually started or ended. */
export function projectMeeting(env: Envelope, kind: 'started' | 'ended'): ProjectedRows {
  const payload = payloadOf(env);
  const object = objectAt(payload, 'payload.object');
  const own = kind === 'started' ? object.start_time : object.end_time;
  const at = firstTime(env, kind === 'started' ? 'start' : 'end', [own, eventTs(env, payload)]);
  return {
    [MEETING_EVENTS]: [
      {
        ...baseColumns(env),
        session_id: requiredText(payload, 'sessionId', 'payload'),
        event_kind: kind,
        at: toDateTime(at),
        meeting_id: text(object.id),
        meeting_uuid: text(object.uuid),
        topic: text(object.topic),
        scheduled_minutes: numberOrNull(object.duration),
      },
    ],
  };
}

export type ParticipantEventKind = 'joined' | 'left' | 'sharing_started' | 'sharing_ended';

/**
 * Who a participant is: lower-cased email when present, else the display name. Zoom ids are per
 * connection, so they cannot tie two devices (or a rejoin) to one person.
 */
export function participantKey(email: string, userName: string): string {
  const e = email.trim().toLowerCase();
  return e !== '' ? e : userName.trim();
}

/**
 * Participant joined/left and sharing started/ended. `device_key` is Zoom's per-connection
 * `user_id` (else `participant_uuid`, else `id`): a join is paired with the first leave of the same
 * device key at or after it.
 */
export function projectParticipant(env: Envelope, kind: ParticipantEventKind): ProjectedRows {
  const payload = payloadOf(env);
  const p = objectAt(payload, 'payload.object.participant');
  const email = text(p.email).trim().toLowerCase();
  const userName = text(p.user_name).trim();
  const key = participantKey(email, userName);
  if (key === '') throw new ProjectionError('payload.payload.object.participant has neither email nor user_name');
  const sharing = optionalObject(p, 'sharing_details') ?? {};
  let at: number;
  if (kind === 'joined' || kind === 'left') {
    const field = kind === 'joined' ? 'join_time' : 'leave_time';
    const ms = timeMs(p[field]);
    if (ms === null) throw new ProjectionError(`payload.payload.object.participant.${field} is missing or not a time`);
    at = ms;
  } else {
    at = firstTime(env, 'sharing', [sharing.date_time, eventTs(env, payload)]);
  }
  return {
    [PARTICIPANT_EVENTS]: [
      {
        ...baseColumns(env),
        session_id: requiredText(payload, 'sessionId', 'payload'),
        participant_key: key,
        device_key: text(p.user_id) || text(p.participant_uuid) || text(p.id),
        event_kind: kind,
        at: toDateTime(at),
        email,
        user_name: userName,
        leave_reason: text(p.leave_reason),
        // What was shared: Zoom's `content` (application, desktop, ...), else its source or link.
        shared: text(sharing.content) || text(sharing.source) || text(sharing.file_link) || text(sharing.link_source),
        shared_link: text(sharing.file_link) || text(sharing.link_source),
      },
    ],
  };
}
