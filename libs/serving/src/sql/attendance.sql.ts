import type { TableNames } from '../serving-tables';
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
  'minutes_late_scheduled',
  'class_minutes',
];

/**
 * Attendance per attended session and enrolled student. Time present = union of the intervals of
 * every participant matched to the student (a student on two identities still counts once), inside
 * the class, from the round's staged engagement rows of the same sessions (`engagement`,
 * serving_round_engagement). The threshold is a share of class_seconds (the shorter of scheduled
 * and actual duration, sessionRoster), or of the scheduled duration for an institute whose rule
 * says judge_on = 'scheduled': present = 1 when seconds_present >= min_percent % of it AND >=
 * min_minutes (and > 0); the institute's rule from attendance_rule_settings (its highest rule_version), default 50 %,
 * 1 minute, judged on the class. A student suspended at the session's start is `suspended`, never present or absent.
 * first_join and both lateness figures: the earliest of the student's participants (lateness is
 * monotone in the join). week = the Monday of the session's scheduled start in the institute's
 * time zone. `roster`: the round's sessionRoster rows (serving_round_roster).
 */
// judged_seconds is named inside required_minutes, not as a column: the statement's list is the store's (flat-insert.ts).
export function computeAttendance(t: TableNames, engagement: string, roster: string, instituteFilter: string): string {
  return `
SELECT
    institute_id, session_id, classroom_id, session_title, scheduled_start, week, student_id, student_name, student_email,
    seconds_present, round(seconds_present / 60, 2) AS minutes_present, first_join, minutes_late,
    round(scheduled_seconds / 60, 2) AS scheduled_minutes,
    if(has_rule = 1, rule_min_percent, 50.) AS min_percent,
    if(has_rule = 1, rule_min_minutes, 1.) AS min_minutes,
    round(greatest(min_percent * (if(has_rule = 1 AND rule_judge_on = 'scheduled', scheduled_seconds, class_seconds) AS judged_seconds) / 100, min_minutes * 60) / 60, 2) AS required_minutes,
    toUInt8(suspended = 0 AND seconds_present > 0 AND seconds_present >= min_percent * judged_seconds / 100 AND seconds_present >= min_minutes * 60) AS present,
    multiIf(suspended = 1, 'suspended', present = 1, 'present', 'absent') AS status,
    minutes_late_scheduled,
    round(judged_seconds / 60, 2) AS class_minutes
FROM
(
    SELECT
        institute_id, session_id, classroom_id, title AS session_title, scheduled_start, toMonday(assumeNotNull(local_day)) AS week,
        scheduled_seconds, class_seconds, suspended, student_id, student_name, student_email, seconds_present,
        if(matched = 1, s_first_join, CAST(NULL AS Nullable(DateTime('UTC')))) AS first_join,
        if(matched = 1, s_minutes_late, CAST(NULL AS Nullable(Float64))) AS minutes_late,
        if(matched = 1, s_minutes_late_scheduled, CAST(NULL AS Nullable(Float64))) AS minutes_late_scheduled
    FROM (${roster}) AS l
    ANY LEFT JOIN
    (
        SELECT
            institute_id, session_id, student_id, toUInt8(1) AS matched, s_first_join, s_minutes_late, s_minutes_late_scheduled,
            ${unionSeconds('p_s', 'p_e')} AS seconds_present
        FROM
        (
            SELECT
                institute_id, session_id, student_id, s_first_join, s_minutes_late, s_minutes_late_scheduled,
                arrayMap(x -> x.1, p) AS p_s, arrayMap(x -> x.2, p) AS p_e
            FROM
            (
                SELECT
                    institute_id, session_id, student_id,
                    min(first_join) AS s_first_join, min(minutes_late) AS s_minutes_late,
                    min(minutes_late_scheduled) AS s_minutes_late_scheduled,
                    arraySort(groupArray(tuple(s, e))) AS p
                FROM
                (
                    SELECT institute_id, session_id, student_id, first_join, minutes_late, minutes_late_scheduled,
                        present_starts AS starts, present_ends AS ends
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
    SELECT
        institute_id, argMax(min_percent, rule_version) AS rule_min_percent, argMax(min_minutes, rule_version) AS rule_min_minutes,
        argMax(judge_on, rule_version) AS rule_judge_on, toUInt8(1) AS has_rule
    FROM ${t.attendance_rule_settings}
    WHERE ${instituteFilter}
    GROUP BY institute_id
) AS r USING (institute_id)`;
}
