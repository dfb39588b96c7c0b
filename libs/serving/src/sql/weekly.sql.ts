import { UNKNOWN_START_S } from '@wise/projections';
import type { DaySpan, KeyColumns } from '../round';
import type { TableNames } from '../serving-tables';
import { liveLatestRows } from './latest-rows';
import { localDate, type TimeZones } from './local-time';

type ScopeColumn = 'institute_id' | 'classroom_id' | 'week';

export const WEEKLY_COLUMNS = ['institute_id', 'classroom_id', 'week', 'sessions', 'enrolled_slots', 'present', 'suspended'];

/**
 * What the attendance rollup of the classroom-weeks `scopes` lists (institute_id, classroom_id,
 * week) counts (weeklyRollup, weekly-rows.ts): the latest live attendance rows of the sessions any
 * schedule fact placed in one of those classrooms and weeks (classroom_sessions), or an
 * AttendanceComputed note in the week after, or a schedule fact without a start when one of the
 * session's starts (session_starts) is in a week of the scopes. Each row says its own classroom
 * and week, which weeklyRollup matches to the scopes. Reads attendance_store: run it at a version
 * taken after the round's attendance writes (docs/serving.md, "Stored rollups"). `weekSpan`: the
 * first and last Monday of the scopes. `scopes` selects the given columns of the round's keys
 * straight from the keys table: a subquery over a subquery is a level more for 18.16 to analyse
 * again (flat-insert.ts).
 */
export function weekAttendanceRows(t: TableNames, scopes: KeyColumns<ScopeColumn>, weekSpan: DaySpan, zones: TimeZones): string {
  const start = `toDateTime(start_s, 'UTC')`;
  // An AttendanceComputed note is placed at its own time, after its class: a session whose schedule
  // is Zoom's is found from the note, in its class's week or the next.
  const weekBefore = `toDateTime(toUInt32(greatest(start_s, 604800) - 604800), 'UTC')`;
  const inScopes = (at: string) =>
    `(institute_id, classroom_id, toMonday(${localDate(at, zones)})) IN (${scopes(['institute_id', 'classroom_id', 'week'])})`;
  // A session placed in the classroom by a fact without a start, with a start (Wise's or Zoom's, in
  // any classroom) in one of the scopes' weeks: its start now is one of its starts, so its row can
  // be in such a week; the others, cancelled long ago, are not read. The starts are read from the
  // day before the first week to the day after the last (any time zone's Monday is within a day of
  // UTC's), constants to the index.
  const startsInWeeks = `(institute_id, session_id) IN
                (
                    SELECT institute_id, session_id FROM ${t.session_starts}
                    WHERE institute_id IN (${scopes(['institute_id'])})
                      AND start_s >= ${Math.max(weekSpan.first - 1, 0) * 86400}
                      AND start_s < ${(weekSpan.last + 8) * 86400}
                      AND (institute_id, toMonday(${localDate(start, zones)})) IN (${scopes(['institute_id', 'week'])})
                )`;
  return liveLatestRows(
    t.attendance_store,
    ['institute_id', 'session_id', 'student_id'],
    ['classroom_id', 'week', 'present', 'status'],
    `(institute_id, session_id) IN
            (
                SELECT institute_id, session_id FROM ${t.classroom_sessions}
                WHERE (institute_id, classroom_id) IN (${scopes(['institute_id', 'classroom_id'])})
                  AND ((start_s = ${UNKNOWN_START_S} AND ${startsInWeeks}) OR ${inScopes(start)} OR ${inScopes(weekBefore)})
            )`,
  );
}
