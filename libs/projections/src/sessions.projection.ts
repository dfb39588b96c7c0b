import type { Envelope } from '@wise/contracts';
import { baseColumns, envelopeTimeMs, timeMs, toNullableDateTime } from './columns';
import { CLASSROOM_SESSIONS, SESSION_EVENTS, SESSION_STARTS, type ProjectedRows } from './projected-tables';

export type ScheduleEventKind = 'created' | 'updated' | 'deleted';
export type SessionEventKind = ScheduleEventKind | 'attendance';

/*
 * Which row's value wins for a field, in the `sessions` view: highest (kind_rank, order_ms,
 * event_id). Updates outrank the creation whatever their times (a late-delivered creation must not
 * undo a patch); a deletion's copy of the session is only a fallback for fields nothing else gave
 * (its title carries Wise's "(Cancelled)" suffix), while the deletion itself is terminal.
 */
const KIND_RANK: Record<SessionEventKind, number> = { attendance: 0, deleted: 0, created: 1, updated: 2 };

/**
 * SessionsCreated/Updated/DeletedEvent: one row per session item (the contract requires at least
 * one). Fields absent from the item stay NULL, which the view reads as "unchanged" (a sparse patch
 * never blanks a field).
 */
export function projectSessions(
  env: Envelope<'SessionsCreatedEvent' | 'SessionsUpdatedEvent' | 'SessionsDeletedEvent'>,
  kind: ScheduleEventKind,
): ProjectedRows {
  const rows = env.body.payload.sessions.map((item) => ({
    ...baseColumns(env),
    session_id: item._id,
    classroom_id: item.classId,
    event_kind: kind,
    kind_rank: KIND_RANK[kind],
    // Patch order: the item's updatedAt, else the event's time, else its (earliest) receipt.
    order_ms: timeMs(item.updatedAt) ?? envelopeTimeMs(env),
    teacher_id: item.userId || null,
    title: item.title ?? null,
    meeting_status: item.meetingStatus || null,
    session_type: item.type || null,
    scheduled_start: toNullableDateTime(timeMs(item.scheduledStartTime)),
    scheduled_end: toNullableDateTime(timeMs(item.scheduledEndTime)),
    created_at: toNullableDateTime(timeMs(item.createdAt)),
  }));
  return {
    [SESSION_EVENTS]: rows,
    [CLASSROOM_SESSIONS]: rows.map((r) => byClassroom(env, r.classroom_id, r.session_id, r.scheduled_start ?? UNKNOWN_START_S)),
    [SESSION_STARTS]: rows.flatMap((r) => (r.scheduled_start === null ? [] : [sessionStart(env, r.session_id, r.scheduled_start)])),
  };
}

/**
 * AttendanceComputedEvent: Wise's note that it computed a session's attendance names the session's
 * classroom and teacher. That is all it carries, and all a session whose SessionsCreatedEvent was
 * lost for good lacks to count for attendance (its schedule then comes from Zoom's meeting
 * events): a session_events row with only those two fields, ranked below every schedule event.
 */
export function projectAttendancePointer(env: Envelope<'AttendanceComputedEvent'>): ProjectedRows {
  const { session } = env.body.payload;
  if (!session.classId) return {};
  const row = {
    ...baseColumns(env),
    session_id: session._id,
    classroom_id: session.classId,
    event_kind: 'attendance' satisfies SessionEventKind,
    kind_rank: KIND_RANK.attendance,
    order_ms: envelopeTimeMs(env),
    teacher_id: session.userId || null,
    title: null,
    meeting_status: null,
    session_type: null,
    scheduled_start: null,
    scheduled_end: null,
    created_at: null,
  };
  // Placed in classroom_sessions at the note's own time, not as a start unknown (which every roster
  // change would find, for every session ever held): Wise computes attendance once the class has
  // run, so a roster change that can affect the session (at or before its start) is at or before
  // this time and reaches it. Copies received at different times give one row each; any will do.
  const at = Math.floor(envelopeTimeMs(env) / 1000);
  return { [SESSION_EVENTS]: [row], [CLASSROOM_SESSIONS]: [byClassroom(env, row.classroom_id, row.session_id, at)] };
}

// The same facts by classroom and start (migration 0008): a roster change finds the sessions it
// can change there without reading its institute's whole schedule.
function byClassroom(env: Envelope, classroomId: string, sessionId: string, startS: number) {
  return { ...baseColumns(env), classroom_id: classroomId, start_s: startS, session_id: sessionId };
}

/**
 * A session item without a start sorts last in classroom_sessions: it is found by every roster
 * change of its classroom, which then keeps the session if any of its starts (session_starts) is
 * at or after the change.
 */
export const UNKNOWN_START_S = 0xffffffff;

/**
 * A start a fact gives its session (migration 0017): a schedule fact's, or Zoom's start of its
 * meeting (meetings.projection.ts). A roster change finds there, by time, whether a session placed
 * in its classroom by a fact without a start can start at or after it.
 */
export function sessionStart(env: Envelope, sessionId: string, startS: number) {
  return { ...baseColumns(env), start_s: startS, session_id: sessionId };
}
