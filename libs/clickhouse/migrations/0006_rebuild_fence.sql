-- The rebuild's fence and its record (libs/clickhouse/src/rebuild-fence.ts). A fence is open while
-- it has a `started` row and no `cleared` row; while one is open, projectors write nothing to the
-- tables the rebuild replaces. Rows, by kind:
--   started   when the rebuild set the fence; detail: who (pid and host)
--   alive     the rebuild's heartbeat (the latest one is kept); detail: who runs it now
--   paused    a projector acknowledging it writes nothing; member: its Kafka group member id
--   swap      the swap began; detail: the tables being swapped (JSON), so a rerun can finish it
--   left      the rebuild stopped and left the fence for the next one to finish; detail: why
--   cleared   the fence was lifted; detail: why
-- Append-only: a fence is opened and closed by inserts (18.16 has no synchronous DELETE), and the
-- table keeps the history of every rebuild, a few rows each.
CREATE TABLE IF NOT EXISTS rebuild_fence
(
    fence_id String,
    kind     String,
    member   String,
    detail   String,
    at_ms    UInt64
)
ENGINE = ReplacingMergeTree(at_ms)
ORDER BY (fence_id, kind, member);
