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

/** What a schedule fact may carry; a patch carries some, and leaves the others as they were. */
export const SCHEDULE_FIELDS = [
  'title',
  'meeting_status',
  'session_type',
  'teacher_id',
  'scheduled_start',
  'scheduled_end',
  'created_at',
] as const;

/**
 * The schedule facts of the sessions `filter` selects (on institute_id, session_id), one row per
 * event (copies collapsed, order_ms its first delivery's), each with its scheduled start's day in
 * the institute's time zone (start_day): what sessionsOf (session-rows.ts) takes the schedule from.
 */
export function scheduleFacts(t: TableNames, filter: string, zones: TimeZones): string {
  return `
SELECT
    institute_id, session_id, event_id, order_ms, classroom_id, event_kind, kind_rank, ${SCHEDULE_FIELDS.join(', ')},
    ${localDate('scheduled_start', zones)} AS start_day
FROM
(${eventCopiesCollapsed({
    table: t.session_events,
    where: filter,
    keys: ['institute_id', 'session_id'],
    firstAt: 'order_ms',
    values: ['classroom_id', 'event_kind', 'kind_rank', ...SCHEDULE_FIELDS],
  })}
)`;
}

/**
 * The meeting facts of the sessions `filter` selects: Zoom's start of the meeting (the start_time
 * of MeetingStarted or MeetingEnded, else MeetingStarted's time) with its day in the institute's
 * time zone, the meeting's end (MeetingEnded's time) and Zoom's scheduled duration, each NULL where
 * the fact gives none.
 */
export function meetingFacts(t: TableNames, filter: string, zones: TimeZones): string {
  return `
SELECT institute_id, session_id, meeting_start, meeting_end, scheduled_minutes, ${localDate('meeting_start', zones)} AS start_day
FROM
(
    SELECT
        institute_id, session_id, scheduled_minutes,
        CAST(ifNull(zoom_start, if(event_kind = 'started', at, NULL)) AS Nullable(DateTime('UTC'))) AS meeting_start,
        CAST(if(event_kind = 'ended', at, NULL) AS Nullable(DateTime('UTC'))) AS meeting_end
    FROM ${t.meeting_events}
    WHERE ${filter}
)`;
}
