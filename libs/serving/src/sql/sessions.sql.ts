import { eventCopiesCollapsed } from './fact-patterns';
import type { TableNames } from '../serving-tables';
import { localDate, type TimeZones } from './local-time';

export const SESSION_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'title',
  'meeting_status',
  'session_type',
  'teacher_id',
  'scheduled_start',
  'scheduled_end',
  'scheduled_minutes',
  'created_at',
  'is_deleted',
  'is_cancelled',
  'actual_start',
  'actual_end',
  'actual_minutes',
  'local_day',
];

/**
 * The schedule as it stands now, for the sessions `filter` selects (on institute_id, session_id).
 * Field values: the highest (kind_rank, order_ms, event_id) row that carries the field (updates >
 * creation > a deletion's copy or an AttendanceComputed pointer; order_ms = the item's updatedAt,
 * else the event's time, else its earliest receipt). A deletion is terminal whatever its order.
 *
 * What Wise may never deliver (its last retry drops a webhook for good), read from what did arrive:
 * - held on any evidence that the meeting ran: actual_start = Zoom's start of the meeting (the
 *   start_time of MeetingStarted or MeetingEnded, else MeetingStarted's time), else the earliest
 *   participant join, else the meeting's end. A join before Zoom's start (join before host) does not
 *   move the start: the class had not begun;
 * - actual_end = the latest MeetingEnded (NULL when none arrived);
 * - with no schedule from Wise, the schedule is Zoom's: its start_time and its duration.
 * local_day: the scheduled start's day in the institute's time zone.
 * `devices`: the round's staged participantDevices rows of the same sessions (their joins sorted,
 * so a device's first is `joins[1]`). The list is the store's columns in order, the intermediate
 * values named inside them (flat-insert.ts).
 */
export function computeSessions(t: TableNames, filter: string, devices: string, zones: TimeZones): string {
  const nothing = (type: string, n: number) => Array(n).fill(`CAST(NULL AS Nullable(${type}))`).join(', ');
  // The leading columns of a meeting or participant row: its key, and no schedule field.
  const noScheduleFields = `institute_id, session_id, tuple(toUInt8(0), toInt64(0), '') AS k, ${nothing('String', 5)}, ${nothing("DateTime('UTC')", 3)}, toUInt8(0)`;
  return `
SELECT
    institute_id,
    session_id,
    ifNull(argMax(f_classroom_id, k), '') AS classroom_id,
    argMax(f_title, k) AS title,
    if((max(f_deleted) AS is_deleted) = 1, 'CANCELLED', (argMax(f_meeting_status, k) AS patched_status)) AS meeting_status,
    argMax(f_session_type, k) AS session_type,
    argMax(f_teacher_id, k) AS teacher_id,
    if((isNull(argMax(f_scheduled_start, k) AS wise_start) AND isNotNull(min(f_meeting_start) AS meeting_start)) AS from_zoom,
       meeting_start, wise_start) AS scheduled_start,
    if(from_zoom, CAST(meeting_start + toInt64(max(f_zoom_minutes) * 60) AS Nullable(DateTime('UTC'))), argMax(f_scheduled_end, k)) AS scheduled_end,
    round((toInt64(scheduled_end) - toInt64(scheduled_start)) / 60, 2) AS scheduled_minutes,
    argMax(f_created_at, k) AS created_at,
    is_deleted,
    toUInt8(is_deleted = 1 OR ifNull(patched_status, '') = 'CANCELLED') AS is_cancelled,
    coalesce(meeting_start, min(f_first_join), (max(f_meeting_end) AS actual_end)) AS actual_start,
    actual_end,
    round((toInt64(actual_end) - toInt64(actual_start)) / 60, 2) AS actual_minutes,
    ${localDate('scheduled_start', zones)} AS local_day
FROM
(
    SELECT
        institute_id, session_id,
        tuple(kind_rank, order_ms, event_id) AS k,
        CAST(classroom_id AS Nullable(String)) AS f_classroom_id,
        title AS f_title, meeting_status AS f_meeting_status, session_type AS f_session_type,
        teacher_id AS f_teacher_id, scheduled_start AS f_scheduled_start, scheduled_end AS f_scheduled_end,
        created_at AS f_created_at, toUInt8(event_kind = 'deleted') AS f_deleted,
        CAST(NULL AS Nullable(DateTime('UTC'))) AS f_meeting_start,
        CAST(NULL AS Nullable(DateTime('UTC'))) AS f_meeting_end,
        CAST(NULL AS Nullable(DateTime('UTC'))) AS f_first_join,
        CAST(NULL AS Nullable(Float64)) AS f_zoom_minutes
    FROM
    (${eventCopiesCollapsed({
      table: t.session_events,
      where: filter,
      keys: ['institute_id', 'session_id'],
      firstAt: 'order_ms',
      values: [
        'classroom_id',
        'event_kind',
        'kind_rank',
        'title',
        'meeting_status',
        'session_type',
        'teacher_id',
        'scheduled_start',
        'scheduled_end',
        'created_at',
      ],
    })}
    )
    UNION ALL
    SELECT
        ${noScheduleFields},
        CAST(ifNull(zoom_start, if(event_kind = 'started', at, NULL)) AS Nullable(DateTime('UTC'))),
        CAST(if(event_kind = 'ended', at, NULL) AS Nullable(DateTime('UTC'))),
        CAST(NULL AS Nullable(DateTime('UTC'))),
        scheduled_minutes
    FROM ${t.meeting_events}
    WHERE ${filter}
    UNION ALL
    SELECT
        ${noScheduleFields},
        ${nothing("DateTime('UTC')", 2)},
        CAST(toDateTime(min(joins[1]), 'UTC') AS Nullable(DateTime('UTC'))),
        CAST(NULL AS Nullable(Float64))
    FROM (${devices})
    WHERE notEmpty(joins)
    GROUP BY institute_id, session_id
)
GROUP BY institute_id, session_id`;
}

/**
 * The sessions `filter` selects from a round's staged sessions (computeSessions of the round,
 * serving_round_sessions): what engagement, rosters and recordings join. Never sessions_store,
 * whose row may be one an older, slower round of another process has not replaced yet.
 */
export function roundSessions(staged: string, filter: string): string {
  return `
SELECT institute_id, session_id, classroom_id, title, scheduled_start, scheduled_end, actual_start, actual_end, is_cancelled, local_day
FROM (${staged})
WHERE ${filter}`;
}
