import { UNKNOWN_START_S } from '@wise/projections';
import { eventCopiesCollapsed, latestNonEmptyOf } from './fact-patterns';
import type { TableNames } from '../serving-tables';
import { roundSessions } from './sessions.sql';

/**
 * The sessions a student's roster change (or a suspension) can change: enrolment counts at a
 * session's start, in its classroom now, so a change at T in classroom C reaches the sessions
 * placed in C by a fact from T on (classroom_sessions): by a fact whose start is at or after T, or
 * by a fact without a start (kept as the largest) when one of the session's starts, schedule's or
 * Zoom's, in any classroom, is at or after T (session_starts). A session cancelled long ago by a
 * patch without a start is then not reached by every later change (docs/serving.md, "The sessions
 * a roster change reaches", has the argument).
 *
 * `since`: the changes, as (institute_id, classroom_id, since_ms: the earliest change's epoch ms);
 * `classrooms`, `institutes`: filters on their classrooms and institutes; `fromS`: at most the
 * earliest change, in epoch seconds, a constant so that both indexes are read from it on.
 */
export function rosterSessionsOf(t: TableNames, q: { since: string; classrooms: string; institutes: string; fromS: number }): string {
  return `
SELECT DISTINCT institute_id, session_id AS k1, '' AS k2
FROM
(
    SELECT institute_id, session_id, start_s, since_ms
    FROM ${t.classroom_sessions}
    ALL INNER JOIN (${q.since}) AS since USING (institute_id, classroom_id)
    WHERE ${q.classrooms} AND start_s >= ${q.fromS} AND toInt64(start_s) * 1000 >= since_ms
) AS placed
ANY LEFT JOIN
(
    SELECT institute_id, session_id, max(start_s) AS latest_s, toUInt8(1) AS has_start
    FROM ${t.session_starts}
    WHERE ${q.institutes} AND start_s >= ${q.fromS}
    GROUP BY institute_id, session_id
) AS starts USING (institute_id, session_id)
WHERE start_s != ${UNKNOWN_START_S} OR (has_start = 1 AND toInt64(latest_s) * 1000 >= since_ms)`;
}

/**
 * Sessions that count for attendance: not cancelled or deleted, scheduled (by Wise, else by Zoom),
 * and held (any evidence that the meeting ran: sessionsOf's actual_start, session-rows.ts). A session past its
 * end with no such evidence is `not_held`: its students are not absent. class_seconds, what the
 * present threshold is a share of: the shorter of the scheduled duration and the time the class
 * actually ran, when both its start and end are known (a class ended early is judged on the time
 * it ran).
 */
function attendedSessions(sessions: string, sessionFilter: string): string {
  return `
SELECT
    institute_id, session_id, classroom_id, title, assumeNotNull(scheduled_start) AS scheduled_start,
    toInt64(assumeNotNull(scheduled_end)) - toInt64(assumeNotNull(scheduled_start)) AS scheduled_seconds, local_day,
    if(isNull(actual_end), scheduled_seconds,
       least(scheduled_seconds, greatest(toInt64(assumeNotNull(actual_end)) - toInt64(assumeNotNull(actual_start)), 0))) AS class_seconds
FROM (${roundSessions(sessions, sessionFilter)})
WHERE is_cancelled = 0 AND isNotNull(scheduled_start) AND isNotNull(scheduled_end) AND isNotNull(actual_start)`;
}

/** The columns of sessionRoster, which toRosterRow (engagement-rows.ts) reads by name. */
export const ROSTER_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'title',
  'scheduled_start',
  'scheduled_seconds',
  'local_day',
  'student_id',
  'student_name',
  'student_email',
  'suspended',
  'class_seconds',
];

/**
 * The students enrolled in each attended session's classroom at its scheduled start: the latest
 * membership event at or before the start (by occurredAt, else earliest receipt; a removal wins a
 * tie) is an addition. Name and email as of that time. suspended = 1 when the student's latest
 * StudentSuspensionUpdatedEvent at or before the start suspended them (a suspension wins a tie).
 * `classroomFilter` (on institute_id, classroom_id) must cover the classrooms of the sessions
 * `sessionFilter` selects; `sessions`: the round's staged sessions.
 */
export function sessionRoster(t: TableNames, sessions: string, sessionFilter: string, classroomFilter: string): string {
  const attended = `
        SELECT institute_id, classroom_id, session_id, title, scheduled_start AS session_start, scheduled_seconds, local_day, class_seconds
        FROM (${attendedSessions(sessions, sessionFilter)})`;
  return `
SELECT
    institute_id, session_id, classroom_id, title, scheduled_start, scheduled_seconds, local_day, student_id, student_name, student_email,
    toUInt8(ifNull(is_suspended, 0)) AS suspended, class_seconds
FROM
(
    SELECT
        institute_id, session_id, r_classroom_id AS classroom_id, r_title AS title, r_start AS scheduled_start,
        r_seconds AS scheduled_seconds, r_local_day AS local_day, student_id, student_name, student_email, r_class_seconds AS class_seconds
    FROM
    (
        SELECT
            institute_id, session_id, member_id AS student_id,
            any(classroom_id) AS r_classroom_id, any(title) AS r_title, any(session_start) AS r_start,
            any(scheduled_seconds) AS r_seconds, any(local_day) AS r_local_day, any(class_seconds) AS r_class_seconds,
            argMax(action, tuple(at_ms, action)) AS last_action,
            ${latestNonEmptyOf(
              [
                ['member_name', 'student_name'],
                ['member_email', 'student_email'],
              ],
              'tuple(at_ms, event_id)',
            )}
        FROM (${attended}) AS l
        ALL INNER JOIN
        (${eventCopiesCollapsed({
          table: t.roster_events,
          where: `member_role = 'student' AND ${classroomFilter}`,
          keys: ['institute_id', 'classroom_id', 'member_id'],
          firstAt: 'at_ms',
          values: ['action', 'member_name', 'member_email'],
        })}
        ) AS r USING (institute_id, classroom_id)
        WHERE at_ms <= toInt64(toUInt32(session_start)) * 1000
        GROUP BY institute_id, session_id, member_id
    )
    WHERE last_action = 'added'
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, session_id, student_id, argMax(suspended, tuple(at_ms, suspended)) AS is_suspended
    FROM (${attended}) AS l
    ALL INNER JOIN
    (${eventCopiesCollapsed({
      table: t.suspension_events,
      where: classroomFilter,
      keys: ['institute_id', 'classroom_id', 'student_id'],
      firstAt: 'at_ms',
      values: ['suspended'],
    })}
    ) AS r USING (institute_id, classroom_id)
    WHERE at_ms <= toInt64(toUInt32(session_start)) * 1000
    GROUP BY institute_id, session_id, student_id
) AS r USING (institute_id, session_id, student_id)`;
}
