import type { TableNames } from '../tables';
import { unionSeconds } from './intervals.sql';
import { participantMatches } from './roster.sql';

export const ENGAGEMENT_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'participant',
  'email',
  'user_name',
  'joins',
  'first_join',
  'last_leave',
  'seconds_present',
  'minutes_present',
  'minutes_late',
  'seconds_sharing',
  'minutes_sharing',
  'shared',
  'student_id',
  'matched_by',
  'role',
  'teacher_id',
  'present_starts',
  'present_ends',
];

/** Engagement per session and participant (participant = lower-cased email, else display name). */
function engagementRows(intervals: string): string {
  return `
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(first_join_s, 'UTC') AS Nullable(DateTime('UTC')))) AS first_join,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(last_leave_s, 'UTC') AS Nullable(DateTime('UTC')))) AS last_leave,
    ${unionSeconds('p_s', 'p_e')} AS seconds_present,
    round(seconds_present / 60, 2) AS minutes_present,
    if(joins = 0 OR isNull(scheduled_start), CAST(NULL AS Nullable(Float64)),
       CAST(round(greatest(toInt64(first_join_s) - toInt64(toUInt32(assumeNotNull(scheduled_start))), 0) / 60, 2) AS Nullable(Float64))) AS minutes_late,
    ${unionSeconds('sh_s', 'sh_e')} AS seconds_sharing,
    round(seconds_sharing / 60, 2) AS minutes_sharing,
    shared,
    p_s AS present_starts,
    p_e AS present_ends
FROM
(
    SELECT
        institute_id, session_id, participant, classroom_id, scheduled_start, email, user_name, joins,
        first_join_s, last_leave_s, shared,
        arrayMap(x -> x.1, p) AS p_s, arrayMap(x -> x.2, p) AS p_e,
        arrayMap(x -> x.1, sh) AS sh_s, arrayMap(x -> x.2, sh) AS sh_e
    FROM
    (
        SELECT
            institute_id, session_id, participant,
            any(classroom_id) AS classroom_id, any(scheduled_start) AS scheduled_start,
            min(email) AS email, min(user_name) AS user_name,
            countIf(interval_kind = 'present') AS joins,
            minIf(toUInt32(started_at), interval_kind = 'present') AS first_join_s,
            maxIf(toUInt32(ended_at), interval_kind = 'present') AS last_leave_s,
            arraySort(groupArrayIf(tuple(toInt64(started_at), toInt64(ended_at)), interval_kind = 'present')) AS p,
            arraySort(groupArrayIf(tuple(toInt64(started_at), toInt64(ended_at)), interval_kind = 'sharing')) AS sh,
            arrayStringConcat(arraySort(groupUniqArrayIf(shared, interval_kind = 'sharing' AND shared != '')), ', ') AS shared
        FROM (${intervals})
        GROUP BY institute_id, session_id, participant
    )
)`;
}

/**
 * What a round computed once for all its statements: the participantIntervals rows and the
 * sessionRoster rows of its sessions (selects over serving_round_intervals and serving_round_roster).
 */
export interface RoundStages {
  intervals: string;
  roster: string;
}

/**
 * Engagement rows with who each participant is (and the participant's 'present' intervals, sorted
 * by start, from which attendance unites the intervals of everyone matched to one student): the enrolled student it matches (student_id,
 * matched_by), else role 'teacher' when its email is a teacher's of the classroom (roster, any
 * time) or 'other'. Unmatched participants stay visible (the unmatched_participants view).
 */
export function computeEngagement(t: TableNames, sessionFilter: string, classroomFilter: string, round: RoundStages): string {
  return `
SELECT ${ENGAGEMENT_STORE_COLUMNS.join(', ')}
FROM
(
    SELECT
        institute_id, session_id, classroom_id, participant, email, user_name, joins, first_join, last_leave,
        seconds_present, minutes_present, minutes_late, seconds_sharing, minutes_sharing, shared, student_id, matched_by,
        if(student_id != '', 'student', if(teacher_id != '', 'teacher', 'other')) AS role, teacher_id, present_starts, present_ends
    FROM
    (
        SELECT *
        FROM (${engagementRows(round.intervals)}) AS l
        ANY LEFT JOIN
        (
            SELECT institute_id, session_id, participant, student_id, matched_by
            FROM (${participantMatches(t, sessionFilter, round.roster)})
        ) AS r USING (institute_id, session_id, participant)
    ) AS l
    ANY LEFT JOIN
    (
        SELECT institute_id, classroom_id, member_email AS email, min(member_id) AS teacher_id
        FROM ${t.roster_events}
        WHERE member_role = 'teacher' AND member_email != '' AND ${classroomFilter}
        GROUP BY institute_id, classroom_id, member_email
    ) AS r USING (institute_id, classroom_id, email)
)`;
}
