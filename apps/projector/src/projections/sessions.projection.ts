import type { Envelope } from '@wise/contracts';
import {
  arrayAt,
  asObject,
  baseColumns,
  envelopeTimeMs,
  payloadOf,
  ProjectionError,
  requiredText,
  textOrNull,
  timeMs,
  toNullableDateTime,
  type ProjectedRows,
  type Row,
} from './projection.helpers';
import { SESSION_EVENTS } from './tables';

export type SessionEventKind = 'created' | 'updated' | 'deleted';

/*
 * Which row's value wins for a field, in the `sessions` view: highest (kind_rank, order_ms,
 * event_id). Updates outrank the creation whatever their times (a late-delivered creation must not
 * undo a patch); a deletion's copy of the session is only a fallback for fields nothing else gave
 * (its title carries Wise's "(Cancelled)" suffix), while the deletion itself is terminal.
 */
const KIND_RANK: Record<SessionEventKind, number> = { deleted: 0, created: 1, updated: 2 };

/** Optional time field: null when absent (a sparse patch leaves it unchanged), error when garbage. */
function optionalTime(item: Record<string, unknown>, key: string, where: string): number | null {
  const v = item[key];
  if (v === undefined || v === null || v === '') return null;
  const ms = timeMs(v);
  if (ms === null) throw new ProjectionError(`${where}.${key} is not a time: ${JSON.stringify(v)}`);
  return ms;
}

/**
 * SessionsCreated/Updated/DeletedEvent: one row per session item. Fields absent from the item stay
 * NULL, which the view reads as "unchanged" (a sparse patch never blanks a field).
 */
export function projectSessions(env: Envelope, kind: SessionEventKind): ProjectedRows {
  const items = arrayAt(payloadOf(env), 'sessions', 'payload');
  if (items.length === 0) throw new ProjectionError('payload.sessions is empty');
  const rows: Row[] = items.map((raw, i) => {
    const where = `payload.sessions[${i}]`;
    const item = asObject(raw, where);
    const updatedAt = optionalTime(item, 'updatedAt', where);
    return {
      ...baseColumns(env),
      session_id: requiredText(item, '_id', where),
      classroom_id: requiredText(item, 'classId', where),
      event_kind: kind,
      kind_rank: KIND_RANK[kind],
      // Patch order: the item's updatedAt, else the event's time, else its (earliest) receipt.
      order_ms: updatedAt ?? envelopeTimeMs(env),
      teacher_id: textOrNull(item.userId) || null,
      title: textOrNull(item.title),
      meeting_status: textOrNull(item.meetingStatus) || null,
      session_type: textOrNull(item.type) || null,
      scheduled_start: toNullableDateTime(optionalTime(item, 'scheduledStartTime', where)),
      scheduled_end: toNullableDateTime(optionalTime(item, 'scheduledEndTime', where)),
      created_at: toNullableDateTime(optionalTime(item, 'createdAt', where)),
    };
  });
  return { [SESSION_EVENTS]: rows };
}
