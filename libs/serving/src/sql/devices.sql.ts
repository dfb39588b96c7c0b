import type { TableNames } from '../serving-tables';

/** The columns of participantDevices, which toDeviceRow (engagement-rows.ts) reads by name. */
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
 * for sharing, not one Array(Tuple), which 18.16 mishandles. A round reads the participant events
 * once, through this: the sessions' first joins (session-rows.ts), the intervals and the matching
 * of participants to students (engagement-rows.ts) all come from these rows.
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
