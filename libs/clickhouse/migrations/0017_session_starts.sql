-- Every start a session's facts can give it, by time (libs/projections writes a row here beside each
-- session_events row with a scheduled start, and beside each meeting_events row that carries Zoom's
-- start): a session's start now is one of these, Wise's when any schedule fact has one, else Zoom's
-- (libs/serving/src/sql/sessions.sql.ts). A roster change at time T of classroom C reaches a session
-- whose only placement in C from T on is a schedule fact without a start (classroom_sessions,
-- 4294967295) when, and only when, one of its starts here is at or after T (docs/serving.md,
-- "The sessions a roster change reaches"). Read from T on, what that costs follows the schedule
-- ahead, not the institute's history. A fact table like the others: copies collapse, `rebuild`
-- projects it again.
CREATE TABLE IF NOT EXISTS session_starts
(
    institute_id  String,
    start_s       UInt32,
    session_id    String,
    event_id      String,
    delivery_rank UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, start_s, session_id, event_id)
SETTINGS index_granularity = 256;

-- The schedule and meeting facts stored before this table existed.
INSERT INTO session_starts (institute_id, start_s, session_id, event_id, delivery_rank)
SELECT institute_id, toUInt32(assumeNotNull(scheduled_start)), session_id, event_id, delivery_rank
FROM session_events
WHERE isNotNull(scheduled_start);

INSERT INTO session_starts (institute_id, start_s, session_id, event_id, delivery_rank)
SELECT institute_id, toUInt32(assumeNotNull(ifNull(zoom_start, if(event_kind = 'started', at, NULL)))), session_id, event_id, delivery_rank
FROM meeting_events
WHERE isNotNull(zoom_start) OR event_kind = 'started';
