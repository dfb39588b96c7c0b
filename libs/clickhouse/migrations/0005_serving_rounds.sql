-- The keys of one serving refresh round (libs/serving/src/round.ts): the projector writes
-- the sessions, classrooms, fee payers and payments a round recomputes here, one partition per
-- round, and every statement of the round selects its rows with `IN (SELECT … FROM serving_keys
-- WHERE round = …)`. Literal key lists of a thousand tuples, repeated in each subquery, cost
-- ClickHouse more to parse and analyse than to run; a subquery is read once per statement and
-- still uses each table's primary key. The round drops its partition when it ends; partitions of
-- rounds a crash interrupted are dropped when a projector starts.
CREATE TABLE IF NOT EXISTS serving_keys
(
    round        String,
    kind         String,
    institute_id String,
    k1           String,
    k2           String
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, kind, k1, k2);

-- Intermediate results of a round, computed once per round and read by the statements that need
-- them (18.16 has no WITH for subqueries, and analysing one statement with these nested in it
-- twice cost more than running it): the participants' presence and sharing intervals of the
-- round's sessions (libs/serving/src/sql/intervals.sql.ts) and the students enrolled at each
-- session's start (roster.sql.ts). Same lifetime as serving_keys.
CREATE TABLE IF NOT EXISTS serving_round_intervals
(
    round           String,
    institute_id    String,
    session_id      String,
    classroom_id    String,
    participant     String,
    device_key      String,
    email           String,
    user_name       String,
    interval_kind   String,
    shared          String,
    started_at      DateTime('UTC'),
    ended_at        DateTime('UTC'),
    closed_by_rule  UInt8,
    scheduled_start Nullable(DateTime('UTC'))
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, session_id, participant);

CREATE TABLE IF NOT EXISTS serving_round_roster
(
    round             String,
    institute_id      String,
    session_id        String,
    classroom_id      String,
    title             Nullable(String),
    scheduled_start   DateTime('UTC'),
    scheduled_seconds Int64,
    local_day         Nullable(Date),
    student_id        String,
    student_name      String,
    student_email     String
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, session_id, student_id);
