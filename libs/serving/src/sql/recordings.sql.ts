import { eventCopiesCollapsed, latestOf } from './fact-patterns';
import type { TableNames } from '../serving-tables';
import { localDate, type TimeZones } from './local-time';
import { roundSessions } from './sessions.sql';

export const RECORDING_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'session_title',
  'session_start',
  'recording_type',
  'part_index',
  'url',
  'duration_seconds',
  'duration_minutes',
  'recorded_at',
  'local_day',
];

/**
 * One row per session, type and part (the latest RecordingCompletedEvent for a part wins, by time
 * then event id). duration_seconds is Wise's `duration`, whose unit Wise does not document; its
 * samples are seconds. local_day: the session's scheduled start, else the recording's arrival, in
 * the institute's time zone. `sessions`: the round's staged sessions.
 */
export function computeRecordings(t: TableNames, sessions: string, sessionFilter: string, zones: TimeZones): string {
  return `
SELECT
    institute_id, session_id, classroom_id, session_title, session_start, recording_type, part_index,
    url, duration_seconds, round(duration_seconds / 60, 2) AS duration_minutes, recorded_at,
    ${localDate('ifNull(session_start, recorded_at)', zones)} AS local_day
FROM
(
    SELECT
        institute_id, session_id, recording_type, part_index,
        ${latestOf(['url', ['duration', 'duration_seconds']], 'tuple(at_ms, event_id)')},
        toDateTime(intDiv(min(at_ms), 1000), 'UTC') AS recorded_at
    FROM
    (${eventCopiesCollapsed({
      table: t.recording_events,
      where: sessionFilter,
      keys: ['institute_id', 'session_id', 'recording_type', 'part_index'],
      firstAt: 'at_ms',
      values: ['url', 'duration'],
    })}
    )
    GROUP BY institute_id, session_id, recording_type, part_index
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, session_id, classroom_id, title AS session_title, scheduled_start AS session_start
    FROM (${roundSessions(sessions, sessionFilter)})
) AS r USING (institute_id, session_id)`;
}
