import type { Envelope } from '@wise/contracts';
import { baseColumns, envelopeTimeMs, timeMs, toNullableDateTime } from './columns';
import { CLASSROOM_SESSIONS, SESSION_EVENTS, type ProjectedRows } from './tables';

export type SessionEventKind = 'created' | 'updated' | 'deleted';

/*
 * Which row's value wins for a field, in the `sessions` view: highest (kind_rank, order_ms,
 * event_id). Updates outrank the creation whatever their times (a late-delivered creation must not
 * undo a patch); a deletion's copy of the session is only a fallback for fields nothing else gave
 * (its title carries Wise's "(Cancelled)" suffix), while the deletion itself is terminal.
 */
const KIND_RANK: Record<SessionEventKind, number> = { deleted: 0, created: 1, updated: 2 };

/**
 * SessionsCreated/Updated/DeletedEvent: one row per session item (the contract requires at least
 * one). Fields absent from the item stay NULL, which the view reads as "unchanged" (a sparse patch
 * never blanks a field).
 */
export function projectSessions(
  env: Envelope<'SessionsCreatedEvent' | 'SessionsUpdatedEvent' | 'SessionsDeletedEvent'>,
  kind: SessionEventKind,
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
  // The same facts by classroom and start (migration 0008): a roster change finds the sessions it
  // can change there without reading its institute's whole schedule.
  const byClassroom = rows.map((r) => ({
    ...baseColumns(env),
    classroom_id: r.classroom_id,
    start_s: r.scheduled_start ?? UNKNOWN_START_S,
    session_id: r.session_id,
  }));
  return { [SESSION_EVENTS]: rows, [CLASSROOM_SESSIONS]: byClassroom };
}

/** A session item without a start sorts last in classroom_sessions: every roster change reaches it. */
export const UNKNOWN_START_S = 0xffffffff;
