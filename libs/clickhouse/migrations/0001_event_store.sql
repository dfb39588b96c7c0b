-- The event store: one row per event id (duplicates collapse on merge; read with FINAL or
-- GROUP BY event_id for exact answers). delivery_rank is larger for an earlier delivery, so the
-- copy kept is the first one received, whatever order the copies were projected in. No PARTITION
-- BY on a time column: two deliveries of the same event can be received months apart and must
-- still land in one partition to collapse.
CREATE TABLE IF NOT EXISTS events
(
    institute_id   String,
    event_id       String,
    event_name     String,
    schema_version UInt8,
    received_at    DateTime,
    received_at_ms UInt64,
    occurred_at    Nullable(DateTime),
    occurred_at_ms Nullable(Int64),
    session_id     String,
    classroom_id   String,
    user_id        String,
    payload        String,
    delivery_rank  UInt64,
    projected_at   DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, event_id);

-- Everything that could not become an event, from either app, with a reason a person can read.
-- stage: 'ingestion' (body refused at the HTTP edge) or 'projector' (message refused at Kafka).
CREATE TABLE IF NOT EXISTS quarantine
(
    institute_id   String,
    quarantine_id  String,
    stage          String,
    event_name     String,
    received_at    DateTime,
    received_at_ms UInt64,
    reason         String,
    raw            String,
    raw_encoding   String,
    source         String,
    projected_at   DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (institute_id, stage, quarantine_id);
