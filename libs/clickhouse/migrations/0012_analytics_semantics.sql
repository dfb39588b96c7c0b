-- What an institute's head of academics would sign off (docs/analytics-model.md; issue 18):
-- held on any evidence that the meeting ran, the present threshold against the time the class
-- actually ran, time present clipped to the class, lateness from the class's actual start, and
-- sessions held during a suspension left out of the attendance rate.
--
-- Stores and stages gain their new columns; rows stored before this migration keep the defaults
-- until they are recomputed (`npm run cli -- rebuild` recomputes them all; docs/serving.md,
-- "Upgrading").

-- Zoom's start_time as MeetingStarted and MeetingEnded both carry it: when the meeting began, even
-- when the MeetingStarted delivery was lost for good.
ALTER TABLE meeting_events ADD COLUMN zoom_start Nullable(DateTime('UTC'));

-- minutes_late is now measured from the class's actual start; the scheduled-start figure stays.
ALTER TABLE engagement_store ADD COLUMN minutes_late_scheduled Nullable(Float64);
ALTER TABLE serving_round_engagement ADD COLUMN minutes_late_scheduled Nullable(Float64);
-- class_minutes: what the present threshold is a share of (the shorter of scheduled and actual).
ALTER TABLE attendance_store ADD COLUMN minutes_late_scheduled Nullable(Float64), ADD COLUMN class_minutes Float64;
-- The class's window (actual start, else scheduled; actual end, else scheduled), which time present
-- is clipped to and lateness measured from.
ALTER TABLE serving_round_intervals ADD COLUMN class_start Nullable(DateTime('UTC')), ADD COLUMN class_end Nullable(DateTime('UTC'));
-- Whether the student was suspended at the session's start (suspension_events), and the seconds
-- the present threshold is a share of.
ALTER TABLE serving_round_roster ADD COLUMN suspended UInt8, ADD COLUMN class_seconds Int64;
-- enrolled_slots and present count the student-sessions the rate counts; suspended, the others.
ALTER TABLE attendance_weekly_store ADD COLUMN suspended UInt64;

-- Each institute's attendance rule, ordered by the serving layer's version source (rule_version,
-- docs/serving.md) instead of the setting host's clock: attendance_rules is a
-- ReplacingMergeTree(updated_at), so a merge could keep an older rule over a newer one whose clock
-- time is lower, and its version column cannot change (nor, ON CLUSTER on 18.16, its sorting key).
-- judge_on: what the threshold is a share of: 'class' (the shorter of scheduled and actual; the
-- default) or 'scheduled' (the scheduled duration, as before). attendance_rules is no longer
-- written; the rule in force of each institute is copied here at version 0, below every rule set
-- from now on.
CREATE TABLE IF NOT EXISTS attendance_rule_settings
(
    institute_id String,
    min_percent  Float64,
    min_minutes  Float64,
    judge_on     String,
    rule_version UInt64,
    updated_at   DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(rule_version)
ORDER BY institute_id
SETTINGS index_granularity = 256;

INSERT INTO attendance_rule_settings (institute_id, min_percent, min_minutes, judge_on, rule_version, updated_at)
SELECT institute_id, argMax(min_percent, updated_at), argMax(min_minutes, updated_at), 'class', toUInt64(0), max(updated_at)
FROM attendance_rules
GROUP BY institute_id;

DROP TABLE IF EXISTS attendance_rule;
CREATE VIEW IF NOT EXISTS attendance_rule AS
SELECT
    institute_id, argMax(min_percent, rule_version) AS min_percent, argMax(min_minutes, rule_version) AS min_minutes,
    argMax(judge_on, rule_version) AS judge_on
FROM attendance_rule_settings
GROUP BY institute_id;

-- The views that show the new columns, dependants first (18.16 has no CREATE OR REPLACE VIEW).
DROP TABLE IF EXISTS unmatched_participants;
DROP TABLE IF EXISTS engagement;
DROP TABLE IF EXISTS attendance_by_session;
DROP TABLE IF EXISTS attendance_by_classroom;
DROP TABLE IF EXISTS attendance_by_student;
DROP TABLE IF EXISTS attendance_by_week;
DROP TABLE IF EXISTS student_attendance_by_week;
DROP TABLE IF EXISTS attendance;

-- Engagement per session and participant, with the enrolled student it was matched to
-- (student_id, matched_by 'email' | 'name' | '') and role: student, teacher or other. Time present
-- and sharing are clipped to the class (libs/serving/src/sql/engagement.sql.ts).
CREATE VIEW IF NOT EXISTS engagement AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, participant, v.2 AS email, v.3 AS user_name,
    v.4 AS joins, v.5 AS first_join, v.6 AS last_leave, v.7 AS seconds_present, v.8 AS minutes_present, v.9 AS minutes_late,
    v.10 AS seconds_sharing, v.11 AS minutes_sharing, v.12 AS shared, v.13 AS student_id, v.14 AS matched_by, v.15 AS role,
    v.16 AS teacher_id, v.17 AS minutes_late_scheduled
FROM
(
    SELECT institute_id, session_id, participant, argMax(tuple(classroom_id, email, user_name, joins, first_join, last_leave, seconds_present, minutes_present, minutes_late, seconds_sharing, minutes_sharing, shared, student_id, matched_by, role, teacher_id, minutes_late_scheduled), _version) AS v
    FROM engagement_store
    GROUP BY institute_id, session_id, participant
);

-- Participants of a session not matched to a student enrolled at its start (teachers, guests,
-- former students, people joining under another name or email): kept visible, never dropped.
CREATE VIEW IF NOT EXISTS unmatched_participants AS
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins, first_join, last_leave,
    seconds_present, minutes_present, minutes_late, role, teacher_id
FROM engagement
WHERE student_id = '';

-- Attendance per held session and enrolled student (see libs/serving/src/sql/attendance.sql.ts).
-- status: present, absent, or suspended (suspended at the session's start: not in any rate).
CREATE VIEW IF NOT EXISTS attendance AS
SELECT
    institute_id, session_id, v.2 AS classroom_id, v.3 AS session_title, v.4 AS scheduled_start, v.5 AS week,
    student_id, v.6 AS student_name, v.7 AS student_email, v.8 AS seconds_present, v.9 AS minutes_present, v.10 AS first_join,
    v.11 AS minutes_late, v.12 AS scheduled_minutes, v.13 AS min_percent, v.14 AS min_minutes, v.15 AS required_minutes, v.16 AS present,
    v.17 AS status, v.18 AS minutes_late_scheduled, v.19 AS class_minutes
FROM
(
    SELECT institute_id, session_id, student_id, argMax(tuple(_deleted, classroom_id, session_title, scheduled_start, week, student_name, student_email, seconds_present, minutes_present, first_join, minutes_late, scheduled_minutes, min_percent, min_minutes, required_minutes, present, status, minutes_late_scheduled, class_minutes), _version) AS v
    FROM attendance_store
    GROUP BY institute_id, session_id, student_id
)
WHERE v.1 = 0;

-- Attendance rates: present / enrolled, where enrolled counts the students the rate counts (enrolled
-- at the start and not suspended); suspended counts the others. No one counted: no rate (NULL).
CREATE VIEW IF NOT EXISTS attendance_by_session AS
SELECT
    institute_id, session_id, classroom_id, any(session_title) AS session_title, any(scheduled_start) AS session_start,
    countIf(status != 'suspended') AS enrolled, sum(present) AS present, enrolled - present AS absent,
    countIf(status = 'suspended') AS suspended,
    if(enrolled = 0, NULL, round(present / enrolled, 4)) AS attendance_rate
FROM attendance
GROUP BY institute_id, session_id, classroom_id;

CREATE VIEW IF NOT EXISTS attendance_by_classroom AS
SELECT
    institute_id, classroom_id, uniqExactIf(session_id, status != 'suspended') AS sessions, countIf(status != 'suspended') AS enrolled_slots,
    sum(present) AS present, countIf(status = 'suspended') AS suspended,
    if(enrolled_slots = 0, NULL, round(present / enrolled_slots, 4)) AS attendance_rate
FROM attendance
GROUP BY institute_id, classroom_id;

CREATE VIEW IF NOT EXISTS attendance_by_student AS
SELECT
    institute_id, classroom_id, student_id, max(student_name) AS student_name, countIf(status != 'suspended') AS sessions,
    sum(present) AS present, countIf(status = 'suspended') AS suspended,
    if(sessions = 0, NULL, round(present / sessions, 4)) AS attendance_rate,
    sum(seconds_present) AS total_seconds_present, round(total_seconds_present / 60, 2) AS total_minutes_present
FROM attendance
GROUP BY institute_id, classroom_id, student_id;

-- week = the Monday of the session's scheduled start, in the institute's time zone (stored rollup).
CREATE VIEW IF NOT EXISTS attendance_by_week AS
SELECT
    institute_id, classroom_id, week, v.2 AS sessions, v.3 AS enrolled_slots, v.4 AS present, v.5 AS suspended,
    if(enrolled_slots = 0, NULL, round(present / enrolled_slots, 4)) AS attendance_rate
FROM
(
    SELECT institute_id, classroom_id, week, argMax(tuple(_deleted, sessions, enrolled_slots, present, suspended), _version) AS v
    FROM attendance_weekly_store
    GROUP BY institute_id, classroom_id, week
)
WHERE v.1 = 0;

-- One student's attendance trend: per student and week (Monday, institute's time zone), over all
-- of the student's classrooms.
CREATE VIEW IF NOT EXISTS student_attendance_by_week AS
SELECT
    institute_id, student_id, week, max(student_name) AS student_name, uniqExact(classroom_id) AS classrooms,
    countIf(status != 'suspended') AS sessions, sum(present) AS present, countIf(status = 'suspended') AS suspended,
    if(sessions = 0, NULL, round(present / sessions, 4)) AS attendance_rate,
    round(sum(seconds_present) / 60, 2) AS minutes_present
FROM attendance
GROUP BY institute_id, student_id, week;
