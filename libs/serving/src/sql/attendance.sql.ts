import type { TableNames } from '../tables';
import { unionSeconds } from './intervals.sql';

export const ATTENDANCE_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'session_title',
  'scheduled_start',
  'week',
  'student_id',
  'student_name',
  'student_email',
  'seconds_present',
  'minutes_present',
  'first_join',
  'minutes_late',
  'scheduled_minutes',
  'min_percent',
  'min_minutes',
  'required_minutes',
  'present',
  'status',
];

/**
 * Attendance per attended session and enrolled student. Time present = union of the intervals of
 * every participant matched to the student (a student on two identities still counts once), from
 * the round's staged engagement rows of the same sessions (`engagement`, serving_round_engagement).
 * present = 1 when seconds_present >= min_percent % of the scheduled duration AND >= min_minutes
 * (and > 0); the institute's rule from attendance_rules (latest row), default 50 % and 1 minute.
 * week = the Monday of the session's scheduled start in the institute's time zone. `roster`: the
 * round's sessionRoster rows (serving_round_roster).
 */
export function computeAttendance(t: TableNames, engagement: string, roster: string, instituteFilter: string): string {
  return `
SELECT
    institute_id, session_id, classroom_id, session_title, scheduled_start, week, student_id, student_name, student_email,
    seconds_present, round(seconds_present / 60, 2) AS minutes_present, first_join, minutes_late,
    round(scheduled_seconds / 60, 2) AS scheduled_minutes,
    if(has_rule = 1, rule_min_percent, 50.) AS min_percent,
    if(has_rule = 1, rule_min_minutes, 1.) AS min_minutes,
    round(greatest(min_percent * scheduled_seconds / 100, min_minutes * 60) / 60, 2) AS required_minutes,
    toUInt8(seconds_present > 0 AND seconds_present >= min_percent * scheduled_seconds / 100 AND seconds_present >= min_minutes * 60) AS present,
    if(present = 1, 'present', 'absent') AS status
FROM
(
    SELECT
        institute_id, session_id, classroom_id, title AS session_title, scheduled_start, toMonday(assumeNotNull(local_day)) AS week,
        scheduled_seconds, student_id, student_name, student_email,
        seconds_present, if(matched = 1, CAST(toDateTime(first_join_s, 'UTC') AS Nullable(DateTime('UTC'))), CAST(NULL AS Nullable(DateTime('UTC')))) AS first_join,
        if(matched = 1, CAST(round(greatest(toInt64(first_join_s) - toInt64(toUInt32(scheduled_start)), 0) / 60, 2) AS Nullable(Float64)), CAST(NULL AS Nullable(Float64))) AS minutes_late
    FROM (${roster}) AS l
    ANY LEFT JOIN
    (
        SELECT
            institute_id, session_id, student_id, toUInt8(1) AS matched, first_join_s,
            ${unionSeconds('p_s', 'p_e')} AS seconds_present
        FROM
        (
            SELECT institute_id, session_id, student_id, first_join_s, arrayMap(x -> x.1, p) AS p_s, arrayMap(x -> x.2, p) AS p_e
            FROM
            (
                SELECT
                    institute_id, session_id, student_id, toUInt32(min(s)) AS first_join_s,
                    arraySort(groupArray(tuple(s, e))) AS p
                FROM
                (
                    SELECT institute_id, session_id, student_id, present_starts AS starts, present_ends AS ends
                    FROM (${engagement})
                    WHERE student_id != ''
                )
                ARRAY JOIN starts AS s, ends AS e
                GROUP BY institute_id, session_id, student_id
            )
        )
    ) AS r USING (institute_id, session_id, student_id)
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, argMax(min_percent, updated_at) AS rule_min_percent, argMax(min_minutes, updated_at) AS rule_min_minutes, toUInt8(1) AS has_rule
    FROM ${t.attendance_rules}
    WHERE ${instituteFilter}
    GROUP BY institute_id
) AS r USING (institute_id)`;
}
