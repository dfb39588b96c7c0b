-- Analytics views: current state computed at query time from the fact tables of 0002, so every
-- answer depends only on the multiset of events (never on delivery order, copies or merges).
-- Conventions: plain table and column names for BI tools; times are DateTime in UTC; *_seconds are
-- whole seconds, *_minutes are rounded to 2 decimals; money is Int64 minor units next to its
-- currency and is never summed across currencies. Written for ClickHouse 18.16 and current LTS:
-- one JOIN per SELECT, every JOIN side a named subquery (current ClickHouse requires the alias),
-- no window functions, no JSON functions. docs/analytics-model.md explains each.

-- The schedule as it stands now. Field values: the highest (kind_rank, order_ms, event_id) row
-- that carries the field (updates > creation > a deletion's copy; order_ms = the item's updatedAt,
-- else the event's time, else its earliest receipt). A deletion is terminal whatever its order.
-- Actual start/end come from meeting events (earliest start, latest end).
CREATE VIEW IF NOT EXISTS sessions AS
SELECT
    institute_id, session_id, classroom_id, title, meeting_status, session_type, teacher_id,
    scheduled_start, scheduled_end, scheduled_minutes, created_at, is_deleted, is_cancelled,
    actual_start, actual_end, actual_minutes
FROM
(
SELECT
    institute_id,
    session_id,
    ifNull(argMax(f_classroom_id, k), '') AS classroom_id,
    argMax(f_title, k) AS title,
    argMax(f_meeting_status, k) AS patched_status,
    if(is_deleted = 1, 'CANCELLED', patched_status) AS meeting_status,
    argMax(f_session_type, k) AS session_type,
    argMax(f_teacher_id, k) AS teacher_id,
    argMax(f_scheduled_start, k) AS scheduled_start,
    argMax(f_scheduled_end, k) AS scheduled_end,
    round((toInt64(scheduled_end) - toInt64(scheduled_start)) / 60, 2) AS scheduled_minutes,
    argMax(f_created_at, k) AS created_at,
    max(f_deleted) AS is_deleted,
    toUInt8(is_deleted = 1 OR ifNull(patched_status, '') = 'CANCELLED') AS is_cancelled,
    min(f_meeting_start) AS actual_start,
    max(f_meeting_end) AS actual_end,
    round((toInt64(actual_end) - toInt64(actual_start)) / 60, 2) AS actual_minutes
FROM
(
    SELECT
        institute_id, session_id,
        tuple(kind_rank, order_ms, event_id) AS k,
        CAST(classroom_id AS Nullable(String)) AS f_classroom_id,
        title AS f_title, meeting_status AS f_meeting_status, session_type AS f_session_type,
        teacher_id AS f_teacher_id, scheduled_start AS f_scheduled_start, scheduled_end AS f_scheduled_end,
        created_at AS f_created_at, toUInt8(event_kind = 'deleted') AS f_deleted,
        CAST(NULL AS Nullable(DateTime('UTC'))) AS f_meeting_start,
        CAST(NULL AS Nullable(DateTime('UTC'))) AS f_meeting_end
    FROM
    (
        SELECT
            institute_id, session_id, event_id,
            any(classroom_id) AS classroom_id, any(event_kind) AS event_kind, any(kind_rank) AS kind_rank,
            min(order_ms) AS order_ms, any(title) AS title, any(meeting_status) AS meeting_status,
            any(session_type) AS session_type, any(teacher_id) AS teacher_id,
            any(scheduled_start) AS scheduled_start, any(scheduled_end) AS scheduled_end, any(created_at) AS created_at
        FROM session_events
        GROUP BY institute_id, session_id, event_id
    )
    UNION ALL
    SELECT
        institute_id, session_id,
        tuple(toUInt8(0), toInt64(0), '') AS k,
        CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)),
        CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(String)),
        CAST(NULL AS Nullable(DateTime('UTC'))), CAST(NULL AS Nullable(DateTime('UTC'))), CAST(NULL AS Nullable(DateTime('UTC'))),
        toUInt8(0),
        CAST(if(event_kind = 'started', at, NULL) AS Nullable(DateTime('UTC'))),
        CAST(if(event_kind = 'ended', at, NULL) AS Nullable(DateTime('UTC')))
    FROM meeting_events
)
GROUP BY institute_id, session_id
);

-- Who is in each classroom now (member_role student | teacher). Membership events carry no time:
-- each is placed at the envelope's occurredAt, else its earliest receipt. Latest event wins; on a
-- tie a removal wins. left_at is set only for members who are out now.
CREATE VIEW IF NOT EXISTS roster AS
SELECT
    institute_id, classroom_id, member_role, member_id,
    argMaxIf(member_name, tuple(at_ms, event_id), member_name != '') AS member_name,
    argMaxIf(member_email, tuple(at_ms, event_id), member_email != '') AS member_email,
    argMaxIf(classroom_name, tuple(at_ms, event_id), classroom_name != '') AS classroom_name,
    toUInt8(argMax(action, tuple(at_ms, action)) = 'added') AS is_member,
    toDateTime(intDiv(minIf(at_ms, action = 'added'), 1000), 'UTC') AS first_joined_at,
    toDateTime(intDiv(maxIf(at_ms, action = 'added'), 1000), 'UTC') AS last_joined_at,
    if(is_member = 1, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(intDiv(maxIf(at_ms, action = 'removed'), 1000), 'UTC') AS Nullable(DateTime('UTC')))) AS left_at
FROM
(
    SELECT
        institute_id, classroom_id, member_role, member_id, event_id,
        min(at_ms) AS at_ms, any(action) AS action, any(member_name) AS member_name,
        any(member_email) AS member_email, any(classroom_name) AS classroom_name
    FROM roster_events
    GROUP BY institute_id, classroom_id, member_role, member_id, event_id
)
GROUP BY institute_id, classroom_id, member_role, member_id;

-- Current suspension state per student and classroom (latest event by time, then event id). The
-- overdue amount is the one the latest event states (none when it states none).
CREATE VIEW IF NOT EXISTS suspensions AS
SELECT
    institute_id, classroom_id, student_id, student_name, classroom_name, suspended, reason,
    overdue.1 AS overdue_minor, overdue.2 AS overdue_currency, updated_at
FROM
(
    SELECT
        institute_id, classroom_id, student_id,
        argMaxIf(student_name, tuple(at_ms, event_id), student_name != '') AS student_name,
        argMaxIf(classroom_name, tuple(at_ms, event_id), classroom_name != '') AS classroom_name,
        argMax(suspended, tuple(at_ms, event_id)) AS suspended,
        argMax(reason, tuple(at_ms, event_id)) AS reason,
        argMax(tuple(overdue_minor, overdue_currency), tuple(at_ms, event_id)) AS overdue,
        toDateTime(intDiv(max(at_ms), 1000), 'UTC') AS updated_at
    FROM
    (
        SELECT
            institute_id, classroom_id, student_id, event_id, min(at_ms) AS at_ms,
            any(student_name) AS student_name, any(classroom_name) AS classroom_name, any(suspended) AS suspended,
            any(reason) AS reason, any(overdue_minor) AS overdue_minor, any(overdue_currency) AS overdue_currency
        FROM suspension_events
        GROUP BY institute_id, classroom_id, student_id, event_id
    )
    GROUP BY institute_id, classroom_id, student_id
);

-- Dues: students suspended now with an overdue amount (from StudentSuspensionUpdatedEvent only:
-- no webhook reports a balance, so this is what suspensions say is overdue, not a ledger).
CREATE VIEW IF NOT EXISTS dues AS
SELECT
    institute_id, classroom_id, classroom_name, student_id, student_name, reason,
    assumeNotNull(overdue_minor) AS overdue_minor, assumeNotNull(overdue_currency) AS currency, updated_at AS as_of
FROM suspensions
WHERE suspended = 1 AND isNotNull(overdue_minor);

-- Per session, participant and device (Zoom's per-connection id): the sorted, de-duplicated times
-- of its joins, leaves, sharing starts (with what was shared) and sharing ends.
CREATE VIEW IF NOT EXISTS participant_devices AS
SELECT
    institute_id, session_id, participant_key AS participant, device_key,
    min(email) AS email, min(user_name) AS user_name,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'joined')) AS joins,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'left')) AS leaves,
    -- Two parallel arrays, not one Array(Tuple): ClickHouse 18.16 stores an Array(Tuple) view
    -- column as Nested (share_starts.1, .2) and cannot read the view back after a restart.
    arrayMap(x -> x.1, arraySort(groupUniqArrayIf(tuple(toUInt32(at), shared), event_kind = 'sharing_started'))) AS share_start_times,
    arrayMap(x -> x.2, arraySort(groupUniqArrayIf(tuple(toUInt32(at), shared), event_kind = 'sharing_started'))) AS share_start_contents,
    arraySort(groupUniqArrayIf(toUInt32(at), event_kind = 'sharing_ended')) AS share_ends
FROM participant_events
GROUP BY institute_id, session_id, participant_key, device_key;

-- One row per time interval of a participant in a session: interval_kind 'present' (a join paired
-- with the first leave of the same device at or after it) or 'sharing' (a sharing start paired with
-- the first sharing end of the same device at or after it). An interval with no closing event is
-- closed at the meeting's end, else at the scheduled end, else it has no length
-- (closed_by_rule = 1). A leave or sharing end with nothing to close is ignored.
CREATE VIEW IF NOT EXISTS participant_intervals AS
SELECT
    institute_id, session_id, classroom_id, participant, device_key, email, user_name, interval_kind, shared,
    toDateTime(start_s, 'UTC') AS started_at,
    toDateTime(if(end_s = 0, greatest(start_s, close_s), end_s), 'UTC') AS ended_at,
    toUInt8(end_s = 0) AS closed_by_rule,
    scheduled_start
FROM
(
    SELECT
        institute_id, session_id, participant, device_key, email, user_name,
        'present' AS interval_kind, j AS start_s, arrayFirst(l -> l >= j, leaves) AS end_s, '' AS shared
    FROM participant_devices
    ARRAY JOIN joins AS j
    UNION ALL
    SELECT
        institute_id, session_id, participant, device_key, email, user_name,
        'sharing' AS interval_kind, s AS start_s, arrayFirst(e -> e >= s, share_ends) AS end_s, content AS shared
    FROM participant_devices
    ARRAY JOIN share_start_times AS s, share_start_contents AS content
) AS l
ANY LEFT JOIN
(
    SELECT
        institute_id, session_id, classroom_id, scheduled_start,
        toUInt32(ifNull(actual_end, ifNull(scheduled_end, toDateTime(0, 'UTC')))) AS close_s
    FROM sessions
) AS r USING (institute_id, session_id);

-- Engagement per session and participant (participant = lower-cased email, else display name).
-- Time present is the union of the 'present' intervals: overlapping devices count once. Sorted by
-- start, each interval adds what reaches past the latest end before it (a running max built with
-- arraySlice + arrayReduce, as 18.16 has no window functions; arrayResize hands each step the
-- array, because 18.16 mis-evaluates lambdas that capture an array column). Same for sharing.
CREATE VIEW IF NOT EXISTS engagement AS
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(first_join_s, 'UTC') AS Nullable(DateTime('UTC')))) AS first_join,
    if(joins = 0, CAST(NULL AS Nullable(DateTime('UTC'))), CAST(toDateTime(last_leave_s, 'UTC') AS Nullable(DateTime('UTC')))) AS last_leave,
    arraySum(arrayMap((s, e, m) -> greatest(e - greatest(s, m), 0), p_s, p_e,
        arrayMap((i, arr) -> arrayReduce('max', arraySlice(arr, 1, i - 1)), arrayEnumerate(p_e), arrayResize([p_e], length(p_e), p_e)))) AS seconds_present,
    round(seconds_present / 60, 2) AS minutes_present,
    if(joins = 0 OR isNull(scheduled_start), CAST(NULL AS Nullable(Float64)),
       CAST(round(greatest(toInt64(first_join_s) - toInt64(toUInt32(assumeNotNull(scheduled_start))), 0) / 60, 2) AS Nullable(Float64))) AS minutes_late,
    arraySum(arrayMap((s, e, m) -> greatest(e - greatest(s, m), 0), sh_s, sh_e,
        arrayMap((i, arr) -> arrayReduce('max', arraySlice(arr, 1, i - 1)), arrayEnumerate(sh_e), arrayResize([sh_e], length(sh_e), sh_e)))) AS seconds_sharing,
    round(seconds_sharing / 60, 2) AS minutes_sharing,
    shared
FROM
(
    SELECT
        institute_id, session_id, participant, classroom_id, scheduled_start, email, user_name, joins,
        first_join_s, last_leave_s, shared,
        arrayMap(x -> x.1, p) AS p_s, arrayMap(x -> x.2, p) AS p_e,
        arrayMap(x -> x.1, sh) AS sh_s, arrayMap(x -> x.2, sh) AS sh_e
    FROM
    (
        SELECT
            institute_id, session_id, participant,
            any(classroom_id) AS classroom_id, any(scheduled_start) AS scheduled_start,
            min(email) AS email, min(user_name) AS user_name,
            countIf(interval_kind = 'present') AS joins,
            minIf(toUInt32(started_at), interval_kind = 'present') AS first_join_s,
            maxIf(toUInt32(ended_at), interval_kind = 'present') AS last_leave_s,
            arraySort(groupArrayIf(tuple(toInt64(started_at), toInt64(ended_at)), interval_kind = 'present')) AS p,
            arraySort(groupArrayIf(tuple(toInt64(started_at), toInt64(ended_at)), interval_kind = 'sharing')) AS sh,
            arrayStringConcat(arraySort(groupUniqArrayIf(shared, interval_kind = 'sharing' AND shared != '')), ', ') AS shared
        FROM participant_intervals
        GROUP BY institute_id, session_id, participant
    )
);

-- Sessions that count for attendance: not cancelled or deleted, scheduled, and held (a meeting
-- started) or past their scheduled end.
CREATE VIEW IF NOT EXISTS attended_sessions AS
SELECT
    institute_id, session_id, classroom_id, title, assumeNotNull(scheduled_start) AS scheduled_start,
    toInt64(assumeNotNull(scheduled_end)) - toInt64(assumeNotNull(scheduled_start)) AS scheduled_seconds
FROM sessions
WHERE is_cancelled = 0 AND isNotNull(scheduled_start) AND isNotNull(scheduled_end)
  AND (isNotNull(actual_start) OR assumeNotNull(scheduled_end) < now());

-- The students enrolled in each attended session's classroom at its scheduled start: the latest
-- membership event at or before the start (by occurredAt, else earliest receipt; a removal wins a
-- tie) is an addition. Name and email as of that time.
CREATE VIEW IF NOT EXISTS session_roster AS
SELECT
    institute_id, session_id, r_classroom_id AS classroom_id, r_title AS title, r_start AS scheduled_start,
    r_seconds AS scheduled_seconds, student_id, student_name, student_email
FROM
(
    SELECT
        institute_id, session_id, member_id AS student_id,
        any(classroom_id) AS r_classroom_id, any(title) AS r_title, any(session_start) AS r_start,
        any(scheduled_seconds) AS r_seconds,
        argMax(action, tuple(at_ms, action)) AS last_action,
        argMaxIf(member_name, tuple(at_ms, event_id), member_name != '') AS student_name,
        argMaxIf(member_email, tuple(at_ms, event_id), member_email != '') AS student_email
    FROM
    (
        SELECT institute_id, classroom_id, session_id, title, scheduled_start AS session_start, scheduled_seconds
        FROM attended_sessions
    ) AS l
    ALL INNER JOIN
    (
        SELECT
            institute_id, classroom_id, member_id, event_id, min(at_ms) AS at_ms, any(action) AS action,
            any(member_name) AS member_name, any(member_email) AS member_email
        FROM roster_events
        WHERE member_role = 'student'
        GROUP BY institute_id, classroom_id, member_id, event_id
    ) AS r USING (institute_id, classroom_id)
    WHERE at_ms <= toInt64(toUInt32(session_start)) * 1000
    GROUP BY institute_id, session_id, member_id
)
WHERE last_action = 'added';

-- Which enrolled student each participant of a session is: same email (case-insensitive), else
-- same name (case-insensitive; projections trim names); student_id = '' when neither matches.
-- Two students with one email or name: the smallest student id is taken.
CREATE VIEW IF NOT EXISTS participant_matches AS
SELECT
    institute_id, session_id, participant,
    if(email_student != '', email_student, name_student) AS student_id,
    if(email_student != '', 'email', if(name_student != '', 'name', '')) AS matched_by
FROM
(
    SELECT institute_id, session_id, participant, match_name, email_student
    FROM
    (
        SELECT institute_id, session_id, participant, email AS match_email, lower(user_name) AS match_name
        FROM engagement
    ) AS l
    ANY LEFT JOIN
    (
        SELECT institute_id, session_id, student_email AS match_email, min(student_id) AS email_student
        FROM session_roster
        WHERE student_email != ''
        GROUP BY institute_id, session_id, student_email
    ) AS r USING (institute_id, session_id, match_email)
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, session_id, lower(student_name) AS match_name, min(student_id) AS name_student
    FROM session_roster
    WHERE student_name != ''
    GROUP BY institute_id, session_id, match_name
) AS r USING (institute_id, session_id, match_name);

-- The attendance rule in force per institute (latest row of attendance_rules).
CREATE VIEW IF NOT EXISTS attendance_rule AS
SELECT institute_id, argMax(min_percent, updated_at) AS min_percent, argMax(min_minutes, updated_at) AS min_minutes
FROM attendance_rules
GROUP BY institute_id;

-- Attendance per attended session and enrolled student. Time present = union of the intervals of
-- every participant matched to the student (a student on two identities still counts once).
-- present = 1 when seconds_present >= min_percent % of the scheduled duration AND >= min_minutes
-- (and > 0); rule from attendance_rules, default 50 % and 1 minute. Wise's own attendance values
-- are not sent by any webhook: this is computed from meeting events only.
CREATE VIEW IF NOT EXISTS attendance AS
SELECT
    institute_id, session_id, classroom_id, session_title, scheduled_start, week, student_id, student_name, student_email,
    seconds_present, round(seconds_present / 60, 2) AS minutes_present, first_join, minutes_late,
    round(scheduled_seconds / 60, 2) AS scheduled_minutes,
    if(has_rule = 1, rule_min_percent, 50.) AS min_percent,
    if(has_rule = 1, rule_min_minutes, 1.) AS min_minutes,
    round(greatest(min_percent * scheduled_seconds / 100, min_minutes * 60) / 60, 2) AS required_minutes,
    toUInt8(seconds_present > 0 AND seconds_present >= min_percent * scheduled_seconds / 100 AND seconds_present >= min_minutes * 60) AS present,
    if(present = 1, 'present', 'absent') AS status
FROM
(
    SELECT
        institute_id, session_id, classroom_id, title AS session_title, scheduled_start, toMonday(scheduled_start) AS week,
        scheduled_seconds, student_id, student_name, student_email,
        seconds_present, if(matched = 1, CAST(toDateTime(first_join_s, 'UTC') AS Nullable(DateTime('UTC'))), CAST(NULL AS Nullable(DateTime('UTC')))) AS first_join,
        if(matched = 1, CAST(round(greatest(toInt64(first_join_s) - toInt64(toUInt32(scheduled_start)), 0) / 60, 2) AS Nullable(Float64)), CAST(NULL AS Nullable(Float64))) AS minutes_late
    FROM session_roster
    ANY LEFT JOIN
    (
        SELECT
            institute_id, session_id, student_id, toUInt8(1) AS matched, first_join_s,
            arraySum(arrayMap((s, e, m) -> greatest(e - greatest(s, m), 0), p_s, p_e,
                arrayMap((i, arr) -> arrayReduce('max', arraySlice(arr, 1, i - 1)), arrayEnumerate(p_e), arrayResize([p_e], length(p_e), p_e)))) AS seconds_present
        FROM
        (
            SELECT institute_id, session_id, student_id, first_join_s, arrayMap(x -> x.1, p) AS p_s, arrayMap(x -> x.2, p) AS p_e
            FROM
            (
                SELECT
                    institute_id, session_id, student_id, min(toUInt32(started_at)) AS first_join_s,
                    arraySort(groupArray(tuple(toInt64(started_at), toInt64(ended_at)))) AS p
                FROM
                (
                    SELECT institute_id, session_id, participant, started_at, ended_at
                    FROM participant_intervals
                    WHERE interval_kind = 'present'
                ) AS l
                ALL INNER JOIN
                (
                    SELECT institute_id, session_id, participant, student_id FROM participant_matches WHERE student_id != ''
                ) AS r USING (institute_id, session_id, participant)
                GROUP BY institute_id, session_id, student_id
            )
        )
    ) AS r USING (institute_id, session_id, student_id)
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, min_percent AS rule_min_percent, min_minutes AS rule_min_minutes, toUInt8(1) AS has_rule
    FROM attendance_rule
) AS r USING (institute_id);

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

-- week = the Monday (UTC) of the session's scheduled start.
CREATE VIEW IF NOT EXISTS attendance_by_week AS
SELECT
    institute_id, classroom_id, week, uniqExact(session_id) AS sessions, count() AS enrolled_slots,
    sum(present) AS present, round(present / enrolled_slots, 4) AS attendance_rate
FROM attendance
GROUP BY institute_id, classroom_id, week;

-- Participants of a session not matched to a student enrolled at its start (teachers, guests,
-- former students, people joining under another name or email): kept visible, never dropped.
-- role = 'teacher' when the email is a teacher's of the classroom (roster, any time), else 'other'.
CREATE VIEW IF NOT EXISTS unmatched_participants AS
SELECT
    institute_id, session_id, classroom_id, participant, email, user_name, joins, first_join, last_leave,
    seconds_present, minutes_present, minutes_late,
    if(teacher_id != '', 'teacher', 'other') AS role, teacher_id
FROM
(
    SELECT *
    FROM engagement
    ANY LEFT JOIN
    (
        SELECT institute_id, session_id, participant, student_id FROM participant_matches
    ) AS r USING (institute_id, session_id, participant)
    WHERE student_id = ''
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, classroom_id, member_email AS email, min(member_id) AS teacher_id
    FROM roster_events
    WHERE member_role = 'teacher' AND member_email != ''
    GROUP BY institute_id, classroom_id, member_email
) AS r USING (institute_id, classroom_id, email);

-- Recordings: one row per session, type and part (the latest RecordingCompletedEvent for a part
-- wins, by time then event id). duration_seconds is Wise's `duration`, whose unit Wise does not
-- document; its samples are seconds.
CREATE VIEW IF NOT EXISTS recordings AS
SELECT
    institute_id, session_id, classroom_id, session_title, session_start, recording_type, part_index,
    url, duration_seconds, round(duration_seconds / 60, 2) AS duration_minutes, recorded_at
FROM
(
    SELECT
        institute_id, session_id, recording_type, part_index,
        argMax(url, tuple(at_ms, event_id)) AS url,
        argMax(duration, tuple(at_ms, event_id)) AS duration_seconds,
        toDateTime(intDiv(min(at_ms), 1000), 'UTC') AS recorded_at
    FROM
    (
        SELECT institute_id, session_id, recording_type, part_index, event_id, min(at_ms) AS at_ms, any(url) AS url, any(duration) AS duration
        FROM recording_events
        GROUP BY institute_id, session_id, recording_type, part_index, event_id
    )
    GROUP BY institute_id, session_id, recording_type, part_index
) AS l
ANY LEFT JOIN
(
    SELECT institute_id, session_id, classroom_id, title AS session_title, scheduled_start AS session_start FROM sessions
) AS r USING (institute_id, session_id);

-- Recording totals per classroom and month (month of the session's scheduled start, else of the
-- recording's arrival; UTC).
CREATE VIEW IF NOT EXISTS recordings_by_classroom_month AS
SELECT
    institute_id, classroom_id, toStartOfMonth(ifNull(session_start, recorded_at)) AS month,
    uniqExact(session_id) AS sessions_recorded, count() AS parts,
    sum(duration_seconds) AS duration_seconds, round(duration_seconds / 3600, 2) AS hours
FROM recordings
GROUP BY institute_id, classroom_id, month;

-- Invoices: one row per instalment (institute, student, classroom, instalment_key), however often
-- Wise re-sends it. charged_at is the first charge seen; other fields from the latest version (by
-- the event's time, else earliest receipt, then event id). `paid` is as sent with the invoice:
-- no webhook reports that an invoice was paid later, or refunded.
CREATE VIEW IF NOT EXISTS invoices AS
SELECT
    institute_id, student_id, classroom_id, instalment_key,
    argMax(instalment_index, k) AS instalment_index,
    argMax(amount_minor, k) AS amount_minor,
    argMax(currency, k) AS currency,
    min(charged_at) AS charged_at,
    argMax(due_on, k) AS due_on,
    argMax(paid, k) AS paid_when_sent,
    argMax(fee_type, k) AS fee_type,
    argMax(note, k) AS note,
    argMaxIf(student_name, k, student_name != '') AS student_name,
    argMaxIf(classroom_name, k, classroom_name != '') AS classroom_name
FROM
(
    SELECT
        institute_id, student_id, classroom_id, instalment_key, tuple(at_ms, event_id) AS k,
        instalment_index, amount_minor, currency, charged_at, due_on, paid, fee_type, note, student_name, classroom_name
    FROM
    (
        SELECT
            institute_id, student_id, classroom_id, instalment_key, event_id, min(at_ms) AS at_ms,
            any(instalment_index) AS instalment_index, any(amount_minor) AS amount_minor, any(currency) AS currency,
            any(charged_at) AS charged_at, any(due_on) AS due_on, any(paid) AS paid, any(fee_type) AS fee_type,
            any(note) AS note, any(student_name) AS student_name, any(classroom_name) AS classroom_name
        FROM invoice_events
        GROUP BY institute_id, student_id, classroom_id, instalment_key, event_id
    )
)
GROUP BY institute_id, student_id, classroom_id, instalment_key;

-- Payments: one row per transaction id. paid_at: the payment event has no time of its own, so it
-- is the envelope's occurredAt, else the first delivery's receipt (retries can make it late).
CREATE VIEW IF NOT EXISTS payments AS
SELECT
    institute_id, transaction_id,
    toDateTime(intDiv(min(paid_at_ms), 1000), 'UTC') AS paid_at,
    argMax(classroom_id, k) AS classroom_id,
    argMax(student_id, k) AS student_id,
    argMax(amount_minor, k) AS amount_minor,
    argMax(currency, k) AS currency,
    argMax(payment_type, k) AS payment_type,
    argMaxIf(student_name, k, student_name != '') AS student_name,
    argMaxIf(classroom_name, k, classroom_name != '') AS classroom_name
FROM
(
    SELECT
        institute_id, transaction_id, paid_at_ms, tuple(paid_at_ms, event_id) AS k, classroom_id, student_id,
        amount_minor, currency, payment_type, student_name, classroom_name
    FROM
    (
        SELECT
            institute_id, transaction_id, event_id, min(paid_at_ms) AS paid_at_ms, any(classroom_id) AS classroom_id,
            any(student_id) AS student_id, any(amount_minor) AS amount_minor, any(currency) AS currency,
            any(payment_type) AS payment_type, any(student_name) AS student_name, any(classroom_name) AS classroom_name
        FROM payment_events
        GROUP BY institute_id, transaction_id, event_id
    )
)
GROUP BY institute_id, transaction_id;

-- Money per UTC day, classroom and currency: invoiced (by charge day) and collected (by payment
-- day), in minor units. Never summed across currencies; refunds are not sent by any webhook, so
-- collected is gross.
CREATE VIEW IF NOT EXISTS revenue_daily AS
SELECT
    institute_id, day, classroom_id, currency,
    sum(invoiced) AS invoiced_minor, sum(is_invoice) AS invoices,
    sum(collected) AS collected_minor, sum(is_payment) AS payments
FROM
(
    SELECT institute_id, toDate(charged_at) AS day, classroom_id, currency,
           amount_minor AS invoiced, toUInt64(1) AS is_invoice, toInt64(0) AS collected, toUInt64(0) AS is_payment
    FROM invoices
    UNION ALL
    SELECT institute_id, toDate(paid_at) AS day, classroom_id, currency,
           toInt64(0) AS invoiced, toUInt64(0) AS is_invoice, amount_minor AS collected, toUInt64(1) AS is_payment
    FROM payments
)
GROUP BY institute_id, day, classroom_id, currency;

-- The same per UTC month (month = its first day).
CREATE VIEW IF NOT EXISTS revenue_monthly AS
SELECT
    institute_id, toStartOfMonth(day) AS month, classroom_id, currency,
    sum(invoiced_minor) AS invoiced_minor, sum(invoices) AS invoices,
    sum(collected_minor) AS collected_minor, sum(payments) AS payments
FROM revenue_daily
GROUP BY institute_id, month, classroom_id, currency;

-- Certificates issued: one row per certificate id (issued_at = issuedOn, else the event's time,
-- else its first receipt).
CREATE VIEW IF NOT EXISTS certificates AS
SELECT
    institute_id, certificate_id,
    argMax(classroom_id, event_id) AS classroom_id,
    argMax(student_id, event_id) AS student_id,
    argMax(certificate_number, event_id) AS certificate_number,
    argMax(url, event_id) AS url,
    min(issued_at) AS issued_at,
    argMaxIf(student_name, event_id, student_name != '') AS student_name,
    argMaxIf(classroom_name, event_id, classroom_name != '') AS classroom_name
FROM certificate_events
GROUP BY institute_id, certificate_id;
