-- The serving layer: what BI reads is stored per session, participant, student-session, recording
-- part, instalment, payment and classroom-day, institute first in every sort key, and kept current
-- by the projector (libs/serving: after each batch's fact rows are written, the rows of the
-- sessions, classrooms and payers the batch touched are recomputed with INSERT ... SELECT at a
-- newer _version). The user-facing views keep the names and columns of 0003 and read the latest
-- version of each key (argMax over _version, not FINAL: ClickHouse 18.16 pushes a WHERE on the
-- grouping keys, such as institute_id, into the GROUP BY but never into FINAL), so a query costs
-- in proportion to the institute it asks about, not to all history. _deleted marks a key that a
-- recompute no longer produces (a student no longer enrolled, a day with no money left).
-- The per-session logic itself lives in libs/serving/src/sql (one implementation, used by the
-- projector, rebuild and the CLI); docs/analytics-model.md explains each column.

-- The views of 0003 that the stores replace, dependants first (18.16 has no DROP VIEW; DROP TABLE
-- drops a view on every version).
DROP TABLE IF EXISTS attendance_by_session;
DROP TABLE IF EXISTS attendance_by_classroom;
DROP TABLE IF EXISTS attendance_by_student;
DROP TABLE IF EXISTS attendance_by_week;
DROP TABLE IF EXISTS unmatched_participants;
DROP TABLE IF EXISTS attendance;
DROP TABLE IF EXISTS participant_matches;
DROP TABLE IF EXISTS session_roster;
DROP TABLE IF EXISTS attended_sessions;
DROP TABLE IF EXISTS engagement;
DROP TABLE IF EXISTS participant_intervals;
DROP TABLE IF EXISTS participant_devices;
DROP TABLE IF EXISTS recordings_by_classroom_month;
DROP TABLE IF EXISTS recordings;
DROP TABLE IF EXISTS revenue_monthly;
DROP TABLE IF EXISTS revenue_daily;
DROP TABLE IF EXISTS payments;
DROP TABLE IF EXISTS invoices;
DROP TABLE IF EXISTS sessions;

-- Each institute's time zone (IANA name; no row = UTC), set with
-- `npm run cli -- institutes set-timezone <slug> <zone>`, which also recomputes its rows.
CREATE TABLE IF NOT EXISTS institute_settings
(
    institute_id String,
    timezone     String,
    updated_ms   UInt64
)
ENGINE = ReplacingMergeTree(updated_ms)
ORDER BY institute_id
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS sessions_store
(
    institute_id      String,
    session_id        String,
    classroom_id      String,
    title             Nullable(String),
    meeting_status    Nullable(String),
    session_type      Nullable(String),
    teacher_id        Nullable(String),
    scheduled_start   Nullable(DateTime('UTC')),
    scheduled_end     Nullable(DateTime('UTC')),
    scheduled_minutes Nullable(Float64),
    created_at        Nullable(DateTime('UTC')),
    is_deleted        UInt8,
    is_cancelled      UInt8,
    actual_start      Nullable(DateTime('UTC')),
    actual_end        Nullable(DateTime('UTC')),
    actual_minutes    Nullable(Float64),
    local_day         Nullable(Date),
    _version          UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, session_id)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS engagement_store
(
    institute_id    String,
    session_id      String,
    participant     String,
    classroom_id    String,
    email           String,
    user_name       String,
    joins           UInt64,
    first_join      Nullable(DateTime('UTC')),
    last_leave      Nullable(DateTime('UTC')),
    seconds_present Int64,
    minutes_present Float64,
    minutes_late    Nullable(Float64),
    seconds_sharing Int64,
    minutes_sharing Float64,
    shared          String,
    student_id      String,
    matched_by      String,
    role            String,
    teacher_id      String,
    present_starts  Array(Int64),
    present_ends    Array(Int64),
    _version        UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, session_id, participant)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS attendance_store
(
    institute_id     String,
    session_id       String,
    student_id       String,
    classroom_id     String,
    session_title    Nullable(String),
    scheduled_start  DateTime('UTC'),
    week             Date,
    student_name     String,
    student_email    String,
    seconds_present  Int64,
    minutes_present  Float64,
    first_join       Nullable(DateTime('UTC')),
    minutes_late     Nullable(Float64),
    scheduled_minutes Float64,
    min_percent      Float64,
    min_minutes      Float64,
    required_minutes Float64,
    present          UInt8,
    status           String,
    _deleted         UInt8,
    _version         UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, session_id, student_id)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS recordings_store
(
    institute_id     String,
    session_id       String,
    recording_type   String,
    part_index       UInt32,
    classroom_id     String,
    session_title    Nullable(String),
    session_start    Nullable(DateTime('UTC')),
    url              String,
    duration_seconds Float64,
    duration_minutes Float64,
    recorded_at      DateTime('UTC'),
    local_day        Date,
    _version         UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, session_id, recording_type, part_index)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS invoices_store
(
    institute_id     String,
    student_id       String,
    classroom_id     String,
    instalment_key   String,
    instalment_index Nullable(Int64),
    amount_minor     Int64,
    currency         String,
    charged_at       DateTime('UTC'),
    due_on           Nullable(DateTime('UTC')),
    paid_when_sent   Nullable(UInt8),
    fee_type         String,
    note             String,
    student_name     String,
    classroom_name   String,
    _version         UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, student_id, classroom_id, instalment_key);

CREATE TABLE IF NOT EXISTS payments_store
(
    institute_id   String,
    transaction_id String,
    paid_at        DateTime('UTC'),
    classroom_id   String,
    student_id     String,
    amount_minor   Int64,
    currency       String,
    payment_type   String,
    student_name   String,
    classroom_name String,
    _version       UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, transaction_id)
SETTINGS index_granularity = 256;

CREATE TABLE IF NOT EXISTS revenue_daily_store
(
    institute_id    String,
    classroom_id    String,
    day             Date,
    currency        String,
    invoiced_minor  Int64,
    invoices        UInt64,
    collected_minor Int64,
    payments        UInt64,
    _deleted        UInt8,
    _version        UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, classroom_id, day, currency)
SETTINGS index_granularity = 256;

-- The schedule as it stands now (see libs/serving/src/sql/sessions.sql.ts). status: cancelled,
-- held (a meeting started), not_held (past its scheduled end and never started; its students are
-- not marked absent) or scheduled. local_day: the scheduled start's day in the institute's zone.
CREATE VIEW IF NOT EXISTS sessions AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, v.2 AS title, v.3 AS meeting_status, v.4 AS session_type,
    v.5 AS teacher_id, v.6 AS scheduled_start, v.7 AS scheduled_end, v.8 AS scheduled_minutes, v.9 AS created_at, v.10 AS is_deleted,
    v.11 AS is_cancelled, v.12 AS actual_start, v.13 AS actual_end, v.14 AS actual_minutes, v.15 AS local_day,
    multiIf(is_cancelled = 1, 'cancelled', isNotNull(actual_start), 'held',
            isNotNull(scheduled_end) AND assumeNotNull(scheduled_end) < now(), 'not_held', 'scheduled') AS status
FROM
(
    SELECT institute_id, session_id, argMax(tuple(classroom_id, title, meeting_status, session_type, teacher_id, scheduled_start, scheduled_end, scheduled_minutes, created_at, is_deleted, is_cancelled, actual_start, actual_end, actual_minutes, local_day), _version) AS v
    FROM sessions_store
    GROUP BY institute_id, session_id
);

-- Engagement per session and participant, with the enrolled student it was matched to
-- (student_id, matched_by 'email' | 'name' | '') and role: student, teacher or other.
CREATE VIEW IF NOT EXISTS engagement AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, participant, v.2 AS email, v.3 AS user_name,
    v.4 AS joins, v.5 AS first_join, v.6 AS last_leave, v.7 AS seconds_present, v.8 AS minutes_present, v.9 AS minutes_late,
    v.10 AS seconds_sharing, v.11 AS minutes_sharing, v.12 AS shared, v.13 AS student_id, v.14 AS matched_by, v.15 AS role,
    v.16 AS teacher_id
FROM
(
    SELECT institute_id, session_id, participant, argMax(tuple(classroom_id, email, user_name, joins, first_join, last_leave, seconds_present, minutes_present, minutes_late, seconds_sharing, minutes_sharing, shared, student_id, matched_by, role, teacher_id), _version) AS v
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
CREATE VIEW IF NOT EXISTS attendance AS
SELECT
    institute_id, session_id, v.2 AS classroom_id, v.3 AS session_title, v.4 AS scheduled_start, v.5 AS week,
    student_id, v.6 AS student_name, v.7 AS student_email, v.8 AS seconds_present, v.9 AS minutes_present, v.10 AS first_join,
    v.11 AS minutes_late, v.12 AS scheduled_minutes, v.13 AS min_percent, v.14 AS min_minutes, v.15 AS required_minutes, v.16 AS present,
    v.17 AS status
FROM
(
    SELECT institute_id, session_id, student_id, argMax(tuple(_deleted, classroom_id, session_title, scheduled_start, week, student_name, student_email, seconds_present, minutes_present, first_join, minutes_late, scheduled_minutes, min_percent, min_minutes, required_minutes, present, status), _version) AS v
    FROM attendance_store
    GROUP BY institute_id, session_id, student_id
)
WHERE v.1 = 0;

-- Attendance rates (present / enrolled student-sessions), from `attendance`.
CREATE VIEW IF NOT EXISTS attendance_by_session AS
SELECT
    institute_id, session_id, classroom_id, any(session_title) AS session_title, any(scheduled_start) AS session_start,
    count() AS enrolled, sum(present) AS present, enrolled - present AS absent,
    round(present / enrolled, 4) AS attendance_rate
FROM attendance
GROUP BY institute_id, session_id, classroom_id;

CREATE VIEW IF NOT EXISTS attendance_by_classroom AS
SELECT
    institute_id, classroom_id, uniqExact(session_id) AS sessions, count() AS enrolled_slots,
    sum(present) AS present, round(present / enrolled_slots, 4) AS attendance_rate
FROM attendance
GROUP BY institute_id, classroom_id;

CREATE VIEW IF NOT EXISTS attendance_by_student AS
SELECT
    institute_id, classroom_id, student_id, max(student_name) AS student_name, count() AS sessions,
    sum(present) AS present, round(present / sessions, 4) AS attendance_rate,
    sum(seconds_present) AS total_seconds_present, round(total_seconds_present / 60, 2) AS total_minutes_present
FROM attendance
GROUP BY institute_id, classroom_id, student_id;

-- week = the Monday of the session's scheduled start, in the institute's time zone.
CREATE VIEW IF NOT EXISTS attendance_by_week AS
SELECT
    institute_id, classroom_id, week, uniqExact(session_id) AS sessions, count() AS enrolled_slots,
    sum(present) AS present, round(present / enrolled_slots, 4) AS attendance_rate
FROM attendance
GROUP BY institute_id, classroom_id, week;


-- One student's attendance trend: per student and week (Monday, institute's time zone), over all
-- of the student's classrooms.
CREATE VIEW IF NOT EXISTS student_attendance_by_week AS
SELECT
    institute_id, student_id, week, max(student_name) AS student_name, uniqExact(classroom_id) AS classrooms,
    count() AS sessions, sum(present) AS present, round(present / sessions, 4) AS attendance_rate,
    round(sum(seconds_present) / 60, 2) AS minutes_present
FROM attendance
GROUP BY institute_id, student_id, week;

-- Sessions taught: held sessions only, each counting its meeting's length, or its scheduled length
-- when the meeting's end never arrived; teacher = the session's teacher (userId in Wise's session),
-- day = the scheduled start's day in the institute's time zone.
CREATE VIEW IF NOT EXISTS taught_sessions AS
SELECT
    institute_id, ifNull(teacher_id, '') AS teacher_id, session_id, classroom_id, assumeNotNull(local_day) AS day,
    ifNull(actual_minutes, ifNull(scheduled_minutes, 0.)) AS minutes_taught
FROM sessions
WHERE status = 'held' AND isNotNull(local_day);

-- Hours taught per teacher and week (Monday) or month (its first day).
CREATE VIEW IF NOT EXISTS teacher_hours_by_week AS
SELECT
    institute_id, teacher_id, toMonday(day) AS week, count() AS sessions_taught,
    round(sum(minutes_taught) / 60, 2) AS hours_taught
FROM taught_sessions
GROUP BY institute_id, teacher_id, week;

CREATE VIEW IF NOT EXISTS teacher_hours_by_month AS
SELECT
    institute_id, teacher_id, toStartOfMonth(day) AS month, count() AS sessions_taught,
    round(sum(minutes_taught) / 60, 2) AS hours_taught
FROM taught_sessions
GROUP BY institute_id, teacher_id, month;

-- Recordings: one row per session, type and part (see libs/serving/src/sql/recordings.sql.ts).
CREATE VIEW IF NOT EXISTS recordings AS
SELECT
    institute_id, session_id, v.1 AS classroom_id, v.2 AS session_title, v.3 AS session_start, recording_type,
    part_index, v.4 AS url, v.5 AS duration_seconds, v.6 AS duration_minutes, v.7 AS recorded_at, v.8 AS local_day
FROM
(
    SELECT institute_id, session_id, recording_type, part_index, argMax(tuple(classroom_id, session_title, session_start, url, duration_seconds, duration_minutes, recorded_at, local_day), _version) AS v
    FROM recordings_store
    GROUP BY institute_id, session_id, recording_type, part_index
);

-- Recording totals per classroom and month (month of the session's scheduled start, else of the
-- recording's arrival, in the institute's time zone).
CREATE VIEW IF NOT EXISTS recordings_by_classroom_month AS
SELECT
    institute_id, classroom_id, toStartOfMonth(local_day) AS month,
    uniqExact(session_id) AS sessions_recorded, count() AS parts,
    sum(duration_seconds) AS duration_seconds, round(duration_seconds / 3600, 2) AS hours
FROM recordings
GROUP BY institute_id, classroom_id, month;

-- Invoices: one row per instalment, however often Wise re-sends it (libs/serving/src/sql/revenue.sql.ts).
CREATE VIEW IF NOT EXISTS invoices AS
SELECT
    institute_id, student_id, classroom_id, instalment_key, v.1 AS instalment_index, v.2 AS amount_minor,
    v.3 AS currency, v.4 AS charged_at, v.5 AS due_on, v.6 AS paid_when_sent, v.7 AS fee_type, v.8 AS note,
    v.9 AS student_name, v.10 AS classroom_name
FROM
(
    SELECT institute_id, student_id, classroom_id, instalment_key, argMax(tuple(instalment_index, amount_minor, currency, charged_at, due_on, paid_when_sent, fee_type, note, student_name, classroom_name), _version) AS v
    FROM invoices_store
    GROUP BY institute_id, student_id, classroom_id, instalment_key
);

-- Payments: one row per transaction id.
CREATE VIEW IF NOT EXISTS payments AS
SELECT
    institute_id, transaction_id, v.1 AS paid_at, v.2 AS classroom_id, v.3 AS student_id, v.4 AS amount_minor,
    v.5 AS currency, v.6 AS payment_type, v.7 AS student_name, v.8 AS classroom_name
FROM
(
    SELECT institute_id, transaction_id, argMax(tuple(paid_at, classroom_id, student_id, amount_minor, currency, payment_type, student_name, classroom_name), _version) AS v
    FROM payments_store
    GROUP BY institute_id, transaction_id
);

-- Money per day (institute's time zone), classroom and currency: invoiced (by charge day) and
-- collected (by payment day), in minor units; never summed across currencies.
CREATE VIEW IF NOT EXISTS revenue_daily AS
SELECT
    institute_id, day, classroom_id, currency, v.2 AS invoiced_minor, v.3 AS invoices,
    v.4 AS collected_minor, v.5 AS payments
FROM
(
    SELECT institute_id, classroom_id, day, currency, argMax(tuple(_deleted, invoiced_minor, invoices, collected_minor, payments), _version) AS v
    FROM revenue_daily_store
    GROUP BY institute_id, classroom_id, day, currency
)
WHERE v.1 = 0;

-- The same per month (month = its first day, institute's time zone).
CREATE VIEW IF NOT EXISTS revenue_monthly AS
SELECT
    institute_id, toStartOfMonth(day) AS month, classroom_id, currency,
    sum(invoiced_minor) AS invoiced_minor, sum(invoices) AS invoices,
    sum(collected_minor) AS collected_minor, sum(payments) AS payments
FROM revenue_daily
GROUP BY institute_id, month, classroom_id, currency;

