import { eventCopiesCollapsed } from './fact-patterns';
import type { TableNames } from '../serving-tables';
import { localDate, type TimeZones } from './local-time';

/**
 * The RecordingCompletedEvent facts of the sessions `filter` selects, one row per event (copies
 * collapsed, at_ms its first delivery's), each with at_ms's day in the institute's time zone
 * (at_day): what recordingsOf (recording-rows.ts) computes the recordings from.
 */
export function recordingFacts(t: TableNames, filter: string, zones: TimeZones): string {
  return `
SELECT
    institute_id, session_id, recording_type, part_index, event_id, at_ms, url, duration,
    ${localDate("toDateTime(intDiv(at_ms, 1000), 'UTC')", zones)} AS at_day
FROM
(${eventCopiesCollapsed({
    table: t.recording_events,
    where: filter,
    keys: ['institute_id', 'session_id', 'recording_type', 'part_index'],
    firstAt: 'at_ms',
    values: ['url', 'duration'],
  })}
)`;
}
