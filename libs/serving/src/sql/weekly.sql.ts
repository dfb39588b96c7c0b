import { UNKNOWN_START_S } from '@wise/projections';
import type { TableNames } from '../tables';
import { liveLatestRows } from './latest-rows';
import { localDate, type TimeZones } from './local-time';

/**
 * Every classroom-week (institute_id, k1 classroom, k2 the week's Monday) that any version of the
 * sessions `sessionFilter` selects placed them in, from their schedule facts: where their
 * attendance counts now, and where it counted before a move or a reschedule.
 */
export function weekScopesOf(t: TableNames, sessionFilter: string, zones: TimeZones): string {
  return `
SELECT DISTINCT institute_id, classroom_id AS k1, toString(toMonday(${localDate('assumeNotNull(scheduled_start)', zones)})) AS k2
FROM ${t.session_events}
WHERE ${sessionFilter} AND isNotNull(scheduled_start)`;
}

/**
 * The attendance rollup of each classroom-week `scopes` lists (institute_id, classroom_id, week):
 * sessions, enrolled student-sessions and those present, over the latest attendance rows of the
 * sessions any schedule fact placed in that classroom and week (classroom_sessions), kept where
 * their row's own classroom and week are the scope's. A scope with no attended session comes out
 * with enrolled_slots = 0. Reads attendance_store: run it at a version taken after the round's
 * attendance writes (docs/serving.md, "Stored rollups").
 */
export function weeklyAttendance(t: TableNames, scopes: string, zones: TimeZones): string {
  const start = `toDateTime(start_s, 'UTC')`;
  return `
SELECT s.institute_id AS institute_id, s.classroom_id AS classroom_id, s.week AS week, sessions, enrolled_slots, present
FROM (${scopes}) AS s
ANY LEFT JOIN
(
    SELECT institute_id, classroom_id, week, uniqExact(session_id) AS sessions, count() AS enrolled_slots, sum(present) AS present
    FROM
    (
        ${liveLatestRows(
          t.attendance_store,
          ['institute_id', 'session_id', 'student_id'],
          ['classroom_id', 'week', 'present'],
          `(institute_id, session_id) IN
            (
                SELECT institute_id, session_id FROM ${t.classroom_sessions}
                WHERE (institute_id, classroom_id) IN (SELECT institute_id, classroom_id FROM (${scopes}))
                  AND start_s != ${UNKNOWN_START_S}
                  AND (institute_id, classroom_id, toMonday(${localDate(start, zones)})) IN (SELECT institute_id, classroom_id, week FROM (${scopes}))
            )`,
        )}
    )
    GROUP BY institute_id, classroom_id, week
) AS a USING (institute_id, classroom_id, week)`;
}
