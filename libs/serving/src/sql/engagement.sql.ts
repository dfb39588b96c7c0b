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
  'minutes_late_scheduled',
];

/** Minutes from `from` (epoch seconds) to `to` (a Nullable DateTime), never negative; NULL when `to` is. */
function minutesAfter(from: string, to: string): string {
  return `if(isNull(${to}), CAST(NULL AS Nullable(Float64)),
       CAST(round(greatest(toInt64(${from}) - toInt64(toUInt32(assumeNotNull(${to}))), 0) / 60, 2) AS Nullable(Float64)))`;
}

/**
 * Engagement per session and participant (participant = lower-cased email, else display name).
 * Time present and time sharing count only what falls inside the class (class_start to class_end,
 * each bound where known): a student in the meeting before the teacher opened the class, or after
 * it ended, was not in class. first_join and last_leave stay as Zoom reported them. minutes_late is
 * measured from the class's actual start (a late teacher does not make the class late);
 * minutes_late_scheduled from its scheduled start.
 */
function engagementRows(intervals: string): string {
  // ws and we reach the lambdas as arrays of their value: 18.16 does not see a column a lambda captures.
  const clip = (starts: string, ends: string, pick: 1 | 2) => {
    const bound = (v: string) => `arrayResize(emptyArrayInt64(), length(${starts}), ${v})`;
    return `arrayMap((s, e, a, b) -> ${pick === 1 ? 'greatest(s, a)' : 'greatest(least(e, b), greatest(s, a))'}, ${starts}, ${ends}, ${bound('ws')}, ${bound('we')})`;
  };
  return `
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(first_join_s, 'UTC') AS Nullable(DateTime('UTC')))) AS first_join,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(last_leave_s, 'UTC') AS Nullable(DateTime('UTC')))) AS last_leave,
    ${unionSeconds('p_s', 'p_e')} AS seconds_present,
    round(seconds_present / 60, 2) AS minutes_present,
    if(joins = 0, CAST(NULL AS Nullable(Float64)), ${minutesAfter('first_join_s', 'window_start')}) AS minutes_late,
    ${unionSeconds('sh_s', 'sh_e')} AS seconds_sharing,
    round(seconds_sharing / 60, 2) AS minutes_sharing,
    shared,
    p_s AS present_starts,
    p_e AS present_ends,
    if(joins = 0, CAST(NULL AS Nullable(Float64)), ${minutesAfter('first_join_s', 'scheduled_start')}) AS minutes_late_scheduled
FROM
(
    SELECT
        institute_id, session_id, participant, classroom_id, scheduled_start, window_start, ws, we, email, user_name, joins,
        first_join_s, last_leave_s, shared,
        ${clip('arrayMap(x -> x.1, p)', 'arrayMap(x -> x.2, p)', 1)} AS p_s,
        ${clip('arrayMap(x -> x.1, p)', 'arrayMap(x -> x.2, p)', 2)} AS p_e,
        ${clip('arrayMap(x -> x.1, sh)', 'arrayMap(x -> x.2, sh)', 1)} AS sh_s,
        ${clip('arrayMap(x -> x.1, sh)', 'arrayMap(x -> x.2, sh)', 2)} AS sh_e
    FROM
    (
        SELECT
            institute_id, session_id, participant,
            any(classroom_id) AS classroom_id, any(scheduled_start) AS scheduled_start, any(class_start) AS window_start,
            toInt64(ifNull(toUInt32(window_start), 0)) AS ws,
            ifNull(toInt64(toUInt32(any(class_end))), toInt64(9223372036854775807)) AS we,
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
 * What a round computed once for all its statements, for the sessions whose engagement it
 * computes: their participantDevices, participantIntervals and sessionRoster rows (selects over
 * serving_round_devices, serving_round_intervals and serving_round_roster).
 */
export interface RoundStages {
  devices: string;
  intervals: string;
  roster: string;
}

/**
 * Engagement rows with who each participant is (and the participant's 'present' intervals, sorted
 * by start, from which attendance unites the intervals of everyone matched to one student): the
 * enrolled student it matches (student_id, matched_by, role 'student'), else role 'other'.
 * Unmatched participants stay visible (the unmatched_participants view). Whether an unmatched
 * participant is one of the classroom's teachers is not stored: the `engagement` view reads it from
 * the roster facts when it is queried (migration 0016), so no stored row depends on a teacher's
 * roster facts and a teacher's roster change recomputes nothing. teacher_id is stored as '' (the
 * view's comes from the roster). The store keeps both columns: 18.16 has no DROP COLUMN IF EXISTS (a migration must be safe to
 * run twice), and a projector of the previous release may still be writing them during an upgrade.
 * Its list is the store's columns in order (flat-insert.ts).
 */
export function computeEngagement(round: RoundStages): string {
  return `
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins, first_join, last_leave,
    seconds_present, minutes_present, minutes_late, seconds_sharing, minutes_sharing, shared, student_id, matched_by,
    if(student_id != '', 'student', 'other') AS role, '' AS teacher_id, present_starts, present_ends, minutes_late_scheduled
FROM (${engagementRows(round.intervals)}) AS l
ANY LEFT JOIN
(
    SELECT institute_id, session_id, participant, student_id, matched_by
    FROM (${participantMatches(round.devices, round.roster)})
) AS r USING (institute_id, session_id, participant)`;
}
