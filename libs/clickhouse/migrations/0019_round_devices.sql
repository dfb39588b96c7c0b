-- One more stage of a serving refresh round: the participant events of the round's sessions, per
-- participant and device (sorted joins, leaves and sharing times; intervals.sql.ts). A round read
-- participant_events four times (the sessions' first join, twice for the intervals, once for
-- matching participants to students); it now reads them once, into this table, and the three
-- statements read the round's partition. All three see one reading of the facts.
-- Same lifetime as serving_keys: one partition per round, dropped when the round ends.
CREATE TABLE IF NOT EXISTS serving_round_devices
(
    round                String,
    institute_id         String,
    session_id           String,
    participant          String,
    device_key           String,
    email                String,
    user_name            String,
    joins                Array(UInt32),
    leaves               Array(UInt32),
    share_start_times    Array(UInt32),
    share_start_contents Array(String),
    share_ends           Array(UInt32)
)
ENGINE = MergeTree
PARTITION BY round
ORDER BY (institute_id, session_id, participant, device_key);
