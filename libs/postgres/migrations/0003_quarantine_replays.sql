-- What `npm run cli -- quarantine replay` re-published to the events topic, one row per quarantine
-- row (keyed like ClickHouse's quarantine table). A later replay skips these, so nothing is
-- published twice; the event id is the delivery's own, so a copy published before its row was
-- written (a crash in between) collapses with it downstream.
CREATE TABLE IF NOT EXISTS quarantine_replays (
    institute_id  text        NOT NULL,
    stage         text        NOT NULL,
    quarantine_id text        NOT NULL,
    event_id      text        NOT NULL,
    event_name    text        NOT NULL,
    replayed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institute_id, stage, quarantine_id)
);
