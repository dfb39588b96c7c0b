import { UNKNOWN_START_S } from '@wise/projections';
import { eventCopiesCollapsed } from './fact-patterns';
import type { TableNames } from '../serving-tables';

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
 * The StudentAdded/StudentRemoved facts of the classrooms `classroomFilter` selects (on institute_id,
 * classroom_id), one row per event (copies collapsed, at_ms its first delivery's): what rosterOf
 * (roster-rows.ts) takes a session's students from.
 */
export function rosterFacts(t: TableNames, classroomFilter: string): string {
  return eventCopiesCollapsed({
    table: t.roster_events,
    where: `member_role = 'student' AND ${classroomFilter}`,
    keys: ['institute_id', 'classroom_id', 'member_id'],
    firstAt: 'at_ms',
    values: ['action', 'member_name', 'member_email'],
  });
}

/** The StudentSuspensionUpdatedEvent facts of those classrooms, likewise. */
export function suspensionFacts(t: TableNames, classroomFilter: string): string {
  return eventCopiesCollapsed({
    table: t.suspension_events,
    where: classroomFilter,
    keys: ['institute_id', 'classroom_id', 'student_id'],
    firstAt: 'at_ms',
    values: ['suspended'],
  });
}
