import type { TableNames } from '../serving-tables';
import { roundSessions } from './sessions.sql';

/** The columns of participantDevices, as a round stages them (serving_round_devices). */
export const DEVICE_COLUMNS = [
  'institute_id',
  'session_id',
  'participant',
  'device_key',
  'email',
  'user_name',
  'joins',
  'leaves',
  'share_start_times',
  'share_start_contents',
  'share_ends',
];

/**
 * Per session, participant and device (Zoom's per-connection id): the sorted, de-duplicated times
 * of its joins, leaves, sharing starts (with what was shared) and sharing ends. Two parallel arrays
 * for sharing, not one Array(Tuple), which 18.16 mishandles in stored definitions. A round reads
 * the participant events once, through this (staged as serving_round_devices): the sessions' first
 * join, the intervals and the matching of participants to students all read the staged rows.
 * Its list is the stage's columns in order (flat-insert.ts).
 */
export function participantDevices(t: TableNames, sessionFilter: string): string {
  return `
SELECT
    institute_id, session_id, participant_key AS participant, device_key,
    min(email) AS email, min(user_name) AS user_name,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'joined')) AS joins,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'left')) AS leaves,
    arrayMap(x -> x.1, arraySort(groupUniqArrayIf(tuple(toUInt32(at), shared), event_kind = 'sharing_started'))) AS share_start_times,
    arrayMap(x -> x.2, arraySort(groupUniqArrayIf(tuple(toUInt32(at), shared), event_kind = 'sharing_started'))) AS share_start_contents,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'sharing_ended')) AS share_ends
FROM ${t.participant_events}
WHERE ${sessionFilter}
GROUP BY institute_id, session_id, participant_key, device_key`;
}

/** The columns of participantIntervals, as a round stages them (serving_round_intervals). */
export const INTERVAL_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'participant',
  'device_key',
  'email',
  'user_name',
  'interval_kind',
  'shared',
  'started_at',
  'ended_at',
  'closed_by_rule',
  'scheduled_start',
  'class_start',
  'class_end',
];

/**
 * One row per time interval of a participant in a session: interval_kind 'present' (a join paired
 * with the first leave of the same device at or after it) or 'sharing' (a sharing start paired with
 * the first sharing end of the same device at or after it). An interval with no closing event is
 * closed at the meeting's end, else at the scheduled end, else it has no length
 * (closed_by_rule = 1). A leave or sharing end with nothing to close is ignored. Intervals are
 * kept as Zoom gave them; class_start and class_end (the session's actual start, else scheduled;
 * its actual end, else scheduled) are the window engagement clips them to. `devices`: the round's
 * staged participantDevices rows of the sessions `sessionFilter` selects; `sessions`: the round's
 * staged sessions.
 */
export function participantIntervals(devices: string, sessions: string, sessionFilter: string): string {
  return `
SELECT
    institute_id, session_id, classroom_id, participant, device_key, email, user_name, interval_kind, shared,
    toDateTime(start_s, 'UTC') AS started_at,
    toDateTime(if(end_s = 0, greatest(start_s, close_s), end_s), 'UTC') AS ended_at,
    toUInt8(end_s = 0) AS closed_by_rule,
    scheduled_start, class_start, class_end
FROM
(
    SELECT
        institute_id, session_id, participant, device_key, email, user_name,
        'present' AS interval_kind, j AS start_s, arrayFirst(x -> x >= j, leaves) AS end_s, '' AS shared
    FROM (${devices})
    ARRAY JOIN joins AS j
    UNION ALL
    SELECT
        institute_id, session_id, participant, device_key, email, user_name,
        'sharing' AS interval_kind, s AS start_s, arrayFirst(x -> x >= s, share_ends) AS end_s, content AS shared
    FROM (${devices})
    ARRAY JOIN share_start_times AS s, share_start_contents AS content
) AS l
ANY LEFT JOIN
(
    SELECT
        institute_id, session_id, classroom_id, scheduled_start,
        toUInt32(ifNull(actual_end, ifNull(scheduled_end, toDateTime(0, 'UTC')))) AS close_s,
        ifNull(actual_start, scheduled_start) AS class_start, ifNull(actual_end, scheduled_end) AS class_end
    FROM (${roundSessions(sessions, sessionFilter)})
) AS r USING (institute_id, session_id)`;
}

/**
 * Seconds covered by the union of intervals given as two parallel arrays sorted by start: each
 * interval adds what reaches past the latest end before it (a running max built with arraySlice +
 * arrayReduce, as 18.16 has no window functions; arrayResize hands each step the array, because
 * 18.16 mis-evaluates lambdas that capture an array column).
 */
export function unionSeconds(starts: string, ends: string): string {
  return `arraySum(arrayMap((s, e, m) -> greatest(e - greatest(s, m), 0), ${starts}, ${ends},
        arrayMap((i, arr) -> arrayReduce('max', arraySlice(arr, 1, i - 1)), arrayEnumerate(${ends}), arrayResize([${ends}], length(${ends}), ${ends}))))`;
}
