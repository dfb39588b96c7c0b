-- Two more stages of a serving refresh round (libs/serving/src/serving-refresh.ts), so that every
-- store a round writes is computed from fact rows read within that round, never from another
-- store: the round's sessions as their facts give them now (sessions.sql.ts), which engagement,
-- attendance, rosters and recordings join, and the round's engagement rows, from which attendance
-- unites each student's intervals. A store read by a round could hold a row that an older, slower
-- round of another process has not yet replaced; facts have no such gap (docs/serving.md).
-- Same lifetime as serving_keys: one partition per round, dropped when the round ends.
CREATE TABLE IF NOT EXISTS serving_round_sessions
(
    round             String,
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
    local_day         Nullable(Date)
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, session_id);

CREATE TABLE IF NOT EXISTS serving_round_engagement
(
    round           String,
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
    present_ends    Array(Int64)
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, session_id, participant);
