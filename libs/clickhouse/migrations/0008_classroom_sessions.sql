-- The schedule facts by classroom and start (libs/projections/src/sessions.projection.ts writes a
-- row here beside each session_events row): which sessions a roster change can affect. Enrolment
-- counts at each session's start, so a student added or removed at time T changes the sessions of
-- the classroom that start at or after T; a serving round reads the classroom's rows from T on
-- instead of its institute's whole schedule (libs/serving/src/serving-refresh.ts). start_s is the
-- item's scheduled start in epoch seconds, 4294967295 when the item had none (every change then
-- finds it, and keeps it when one of the session's starts in session_starts, 0017, is at or after
-- the change). A fact table like the others: copies collapse, `rebuild` projects it again.
CREATE TABLE IF NOT EXISTS classroom_sessions
(
    institute_id  String,
    classroom_id  String,
    start_s       UInt32,
    session_id    String,
    event_id      String,
    delivery_rank UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, classroom_id, start_s, session_id, event_id)
SETTINGS index_granularity = 256;

-- The schedule facts stored before this table existed.
INSERT INTO classroom_sessions (institute_id, classroom_id, start_s, session_id, event_id, delivery_rank)
SELECT institute_id, classroom_id, ifNull(toUInt32(scheduled_start), toUInt32(4294967295)), session_id, event_id, delivery_rank
FROM session_events;
