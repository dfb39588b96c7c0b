-- Versions of ClickHouse's serving rows (libs/serving/src/versions.ts). A refresh round takes one
-- after the facts it follows are written and reads facts only after taking it; a sequence hands
-- them out in one order to every projector and CLI on every host, across restarts, so the round
-- with the highest version of a row has seen every fact of it, whatever the processes' clocks say
-- (docs/serving.md). Even numbers: a round writes its rows at v + 1 and its tombstones at v.
-- It starts above every version the wall-clock scheme before it issued (microseconds since 1970,
-- about 1.8e15 in 2026), so rows written before the upgrade never outrank newer ones; 4e15 leaves
-- 2.5e15 versions below 2^53, beyond which JavaScript numbers lose precision.
CREATE SEQUENCE IF NOT EXISTS serving_versions AS bigint START WITH 4000000000000000 INCREMENT BY 2 MINVALUE 4000000000000000;
