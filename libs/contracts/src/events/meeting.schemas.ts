import { z } from 'zod';
import { optionalText, optionalWiseTime, wiseId, wiseTime, wiseObject } from './common.schemas';
import { parseWiseTime } from './wise-time';

/*
 * In-meeting events: Wise forwards Zoom's webhook inside its own envelope. `payload.sessionId` is
 * the Wise session; the Zoom object sits at `payload.payload.object`. Zoom ids (meeting id,
 * participant id, user_id) are not Wise ids and are kept unchecked.
 */

const zoomMeeting = wiseObject({
  topic: optionalText,
  start_time: optionalWiseTime,
  end_time: optionalWiseTime,
  duration: z.number().nullish(),
  timezone: optionalText,
});

// email then user_name is how a participant is matched to a student; either may be "" (Zoom sends
// "" for a guest's email), but not both: see `participantIdentity` below.
const zoomParticipant = wiseObject({
  user_name: optionalText,
  email: optionalText,
  join_time: optionalWiseTime,
  leave_time: optionalWiseTime,
  leave_reason: optionalText,
});

const sharingDetails = wiseObject({
  content: optionalText,
  source: optionalText,
  date_time: optionalWiseTime,
});

function inMeetingEvent<const N extends string, O extends z.ZodType>(name: N, object: O) {
  return wiseObject({
    event: z.literal(name),
    // Reported both at top level and inside payload; either, both or neither may come.
    event_ts: optionalWiseTime,
    payload: wiseObject({
      sessionId: wiseId,
      event_ts: optionalWiseTime,
      payload: wiseObject({ object }),
    }),
  });
}

/** The event's own `event_ts` in epoch ms, from whichever of its two positions carries it. */
export function inMeetingEventTs(body: { event_ts?: unknown; payload: { event_ts?: unknown } }): number | null {
  return parseWiseTime(body.payload.event_ts) ?? parseWiseTime(body.event_ts);
}

const OBJECT_PATH = ['payload', 'payload', 'object'];
const NO_TIME = 'is required when the event has no event_ts';

type ParticipantBody = { payload: { payload: { object: { participant: { email?: string | null; user_name?: string | null } } } } };

/*
 * A participant is known by its email, else its display name (the projection's participant key).
 * One with neither cannot be told apart from any other nameless connection nor matched to a
 * student, so it is refused here, at the edge, where the sender hears about it, rather than
 * accepted and then dropped by the projector.
 */
function participantIdentity(b: ParticipantBody, ctx: z.RefinementCtx): void {
  const p = b.payload.payload.object.participant;
  if ((p.email ?? '').trim() === '' && (p.user_name ?? '').trim() === '') {
    ctx.addIssue({ code: 'custom', path: [...OBJECT_PATH, 'participant'], message: 'needs a non-empty email or user_name' });
  }
}

// A meeting or sharing event with no time at all cannot be placed on a timeline; quarantining it
// is more honest than letting the receive time (hours late on a retry) stand in for it.
export const meetingStartedSchema = inMeetingEvent('MeetingStartedEvent', zoomMeeting).superRefine((b, ctx) => {
  if (inMeetingEventTs(b) === null && parseWiseTime(b.payload.payload.object.start_time) === null) {
    ctx.addIssue({ code: 'custom', path: [...OBJECT_PATH, 'start_time'], message: NO_TIME });
  }
});

export const meetingEndedSchema = inMeetingEvent('MeetingEndedEvent', zoomMeeting).superRefine((b, ctx) => {
  if (inMeetingEventTs(b) === null && parseWiseTime(b.payload.payload.object.end_time) === null) {
    ctx.addIssue({ code: 'custom', path: [...OBJECT_PATH, 'end_time'], message: NO_TIME });
  }
});

export const participantJoinedSchema = inMeetingEvent(
  'ParticipantJoinedMeetingEvent',
  wiseObject({ participant: zoomParticipant.extend({ join_time: wiseTime }) }),
).superRefine(participantIdentity);

export const participantLeftSchema = inMeetingEvent(
  'ParticipantLeftMeetingEvent',
  wiseObject({ participant: zoomParticipant.extend({ leave_time: wiseTime }) }),
).superRefine(participantIdentity);

const sharingObject = wiseObject({
  participant: zoomParticipant.extend({ sharing_details: sharingDetails.optional() }),
});

function sharingEvent<const N extends string>(name: N) {
  return inMeetingEvent(name, sharingObject).superRefine((b, ctx) => {
    participantIdentity(b, ctx);
    const at = b.payload.payload.object.participant.sharing_details?.date_time;
    if (inMeetingEventTs(b) === null && parseWiseTime(at) === null) {
      ctx.addIssue({
        code: 'custom',
        path: [...OBJECT_PATH, 'participant', 'sharing_details', 'date_time'],
        message: NO_TIME,
      });
    }
  });
}

export const sharingStartedSchema = sharingEvent('SharingStaredInMeetingEvent');
export const sharingEndedSchema = sharingEvent('SharingEndedInMeetingEvent');
