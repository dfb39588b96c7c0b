-- Every view whose latest-row tuple held a Nullable column keeps that column in the tuple as two
-- plain ones, isNull(x) and assumeNotNull(x), and rebuilds it outside as if(flag, NULL, value).
-- ClickHouse 18.16 mishandles the argMax state of a tuple holding a Nullable when one server sends
-- it to another, which every read of these views through a Distributed table does on a cluster:
-- with a Nullable(String) the sending server crashes (segmentation fault), with a Nullable number
-- or date the answer holds garbage where NULL was (both seen on the cluster stack; the same query
-- over one server's rows is right). Same names, same columns and the same answers on every engine,
-- so the views that read these are unchanged. 18.16 has no CREATE OR REPLACE VIEW: each is dropped
-- and created again.
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS engagement;
DROP TABLE IF EXISTS attendance;
DROP TABLE IF EXISTS recordings;
DROP TABLE IF EXISTS invoices;

CREATE VIEW IF NOT EXISTS sessions AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, if(v.2, NULL, v.3) AS title, if(v.4, NULL, v.5) AS meeting_status, if(v.6, NULL, v.7) AS session_type,
    if(v.8, NULL, v.9) AS teacher_id, if(v.10, NULL, v.11) AS scheduled_start, if(v.12, NULL, v.13) AS scheduled_end, if(v.14, NULL, v.15) AS scheduled_minutes, if(v.16, NULL, v.17) AS created_at, v.18 AS is_deleted,
    v.19 AS is_cancelled, if(v.20, NULL, v.21) AS actual_start, if(v.22, NULL, v.23) AS actual_end, if(v.24, NULL, v.25) AS actual_minutes, if(v.26, NULL, v.27) AS local_day,
    multiIf(is_cancelled = 1, 'cancelled', isNotNull(actual_start), 'held',
            isNotNull(scheduled_end) AND assumeNotNull(scheduled_end) < now(), 'not_held', 'scheduled') AS status
FROM
(
    SELECT institute_id, session_id, argMax(tuple(classroom_id, isNull(title), assumeNotNull(title), isNull(meeting_status), assumeNotNull(meeting_status), isNull(session_type), assumeNotNull(session_type), isNull(teacher_id), assumeNotNull(teacher_id), isNull(scheduled_start), assumeNotNull(scheduled_start), isNull(scheduled_end), assumeNotNull(scheduled_end), isNull(scheduled_minutes), assumeNotNull(scheduled_minutes), isNull(created_at), assumeNotNull(created_at), is_deleted, is_cancelled, isNull(actual_start), assumeNotNull(actual_start), isNull(actual_end), assumeNotNull(actual_end), isNull(actual_minutes), assumeNotNull(actual_minutes), isNull(local_day), assumeNotNull(local_day)), _version) AS v
    FROM sessions_store
    GROUP BY institute_id, session_id
);

CREATE VIEW IF NOT EXISTS engagement AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, participant, v.2 AS email, v.3 AS user_name,
    v.4 AS joins, if(v.5, NULL, v.6) AS first_join, if(v.7, NULL, v.8) AS last_leave, v.9 AS seconds_present, v.10 AS minutes_present, if(v.11, NULL, v.12) AS minutes_late,
    v.13 AS seconds_sharing, v.14 AS minutes_sharing, v.15 AS shared, v.16 AS student_id, v.17 AS matched_by, v.18 AS role,
    v.19 AS teacher_id, if(v.20, NULL, v.21) AS minutes_late_scheduled
FROM
(
    SELECT institute_id, session_id, participant, argMax(tuple(classroom_id, email, user_name, joins, isNull(first_join), assumeNotNull(first_join), isNull(last_leave), assumeNotNull(last_leave), seconds_present, minutes_present, isNull(minutes_late), assumeNotNull(minutes_late), seconds_sharing, minutes_sharing, shared, student_id, matched_by, role, teacher_id, isNull(minutes_late_scheduled), assumeNotNull(minutes_late_scheduled)), _version) AS v
    FROM engagement_store
    GROUP BY institute_id, session_id, participant
);

CREATE VIEW IF NOT EXISTS attendance AS
SELECT
    institute_id, session_id, v.2 AS classroom_id, if(v.3, NULL, v.4) AS session_title, v.5 AS scheduled_start, v.6 AS week,
    student_id, v.7 AS student_name, v.8 AS student_email, v.9 AS seconds_present, v.10 AS minutes_present, if(v.11, NULL, v.12) AS first_join,
    if(v.13, NULL, v.14) AS minutes_late, v.15 AS scheduled_minutes, v.16 AS min_percent, v.17 AS min_minutes, v.18 AS required_minutes, v.19 AS present,
    v.20 AS status, if(v.21, NULL, v.22) AS minutes_late_scheduled, v.23 AS class_minutes
FROM
(
    SELECT institute_id, session_id, student_id, argMax(tuple(_deleted, classroom_id, isNull(session_title), assumeNotNull(session_title), scheduled_start, week, student_name, student_email, seconds_present, minutes_present, isNull(first_join), assumeNotNull(first_join), isNull(minutes_late), assumeNotNull(minutes_late), scheduled_minutes, min_percent, min_minutes, required_minutes, present, status, isNull(minutes_late_scheduled), assumeNotNull(minutes_late_scheduled), class_minutes), _version) AS v
    FROM attendance_store
    GROUP BY institute_id, session_id, student_id
)
WHERE v.1 = 0;

CREATE VIEW IF NOT EXISTS recordings AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, if(v.2, NULL, v.3) AS session_title, if(v.4, NULL, v.5) AS session_start, recording_type,
    part_index, v.6 AS url, v.7 AS duration_seconds, v.8 AS duration_minutes, v.9 AS recorded_at, v.10 AS local_day
FROM
(
    SELECT institute_id, session_id, recording_type, part_index, argMax(tuple(classroom_id, isNull(session_title), assumeNotNull(session_title), isNull(session_start), assumeNotNull(session_start), url, duration_seconds, duration_minutes, recorded_at, local_day), _version) AS v
    FROM recordings_store
    GROUP BY institute_id, session_id, recording_type, part_index
);

CREATE VIEW IF NOT EXISTS invoices AS
SELECT
    institute_id, student_id, classroom_id, if(v.1 != '', v.1, concat('index:', toString(instalment_index))) AS instalment_key,
    instalment_index, v.1 AS installment_id, v.2 AS amount_minor, v.3 AS currency, v.4 AS charged_at, if(v.5, NULL, v.6) AS due_on,
    if(v.7, NULL, v.8) AS paid_when_sent, v.9 AS fee_type, v.10 AS note, v.11 AS student_name, v.12 AS classroom_name
FROM
(
    SELECT institute_id, student_id, classroom_id, instalment_index, argMax(tuple(installment_id, amount_minor, currency, charged_at, isNull(due_on), assumeNotNull(due_on), isNull(paid_when_sent), assumeNotNull(paid_when_sent), fee_type, note, student_name, classroom_name), _version) AS v
    FROM instalments_store
    GROUP BY institute_id, student_id, classroom_id, instalment_index
);
