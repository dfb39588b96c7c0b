-- Attendance per institute, classroom and week, stored: what `attendance_by_week` reads, so that a
-- question over every institute ("attendance by week across the group") groups one row per
-- classroom and week instead of one per student and session. Kept by the serving rounds
-- (libs/serving/src/serving-refresh.ts): after a round's attendance rows are written, every
-- classroom-week its sessions are or were in is recomputed from the attendance rows, at a version
-- taken after those writes (docs/serving.md, "Stored rollups"). _deleted: a classroom-week left
-- with no attended session.
CREATE TABLE IF NOT EXISTS attendance_weekly_store
(
    institute_id   String,
    classroom_id   String,
    week           Date,
    sessions       UInt64,
    enrolled_slots UInt64,
    present        UInt64,
    _deleted       UInt8,
    _version       UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, classroom_id, week)
SETTINGS index_granularity = 256;

DROP TABLE IF EXISTS attendance_by_week;

-- week = the Monday of the session's scheduled start, in the institute's time zone.
CREATE VIEW IF NOT EXISTS attendance_by_week AS
SELECT
    institute_id, classroom_id, week, v.2 AS sessions, v.3 AS enrolled_slots, v.4 AS present,
    round(present / enrolled_slots, 4) AS attendance_rate
FROM
(
    SELECT institute_id, classroom_id, week, argMax(tuple(_deleted, sessions, enrolled_slots, present), _version) AS v
    FROM attendance_weekly_store
    GROUP BY institute_id, classroom_id, week
)
WHERE v.1 = 0;

-- The weeks of the attendance stored before this table existed (version 1: every round outranks it).
INSERT INTO attendance_weekly_store (institute_id, classroom_id, week, sessions, enrolled_slots, present, _deleted, _version)
SELECT institute_id, classroom_id, week, uniqExact(session_id), count(), sum(present), toUInt8(0), toUInt64(1)
FROM attendance
GROUP BY institute_id, classroom_id, week;
