-- Granules of 256 rows instead of 8,192 for the fact tables and the serving stores. A serving
-- round reads facts and stores by key (a session, a classroom, a payer), and ClickHouse reads at
-- least a whole granule for each key it finds: with 8,192 rows a granule held much of a small
-- institute's history, so a round read more as history grew (44k rows at 26 weeks, 78k at 104, for
-- the same 500 deliveries) although it recomputes only what they changed. With 256 it reads 13k
-- and 12k (docs/benchmarks.md, "Granules of 256 rows"). Dashboards read an institute's rows as one
-- range either way; the index grows from 1 to 32 entries per 8,192 rows, a few kB per million.
--
-- The raw tables (bulk reads by key range), the round tables (a round's rows sit in a partition of
-- their own) and the ledger keep the default.
--
-- Neither 18.16 nor current ClickHouse can change the setting of an existing table, so the runner
-- copies each table into one created with it (libs/clickhouse/src/granularity.ts): rows are kept,
-- and nothing is done to a table that has it already. A deployment created after this migration
-- has it from the CREATE statements of 0002-0017.
ALTER TABLE session_events MODIFY SETTING index_granularity = 256;
ALTER TABLE meeting_events MODIFY SETTING index_granularity = 256;
ALTER TABLE participant_events MODIFY SETTING index_granularity = 256;
ALTER TABLE roster_events MODIFY SETTING index_granularity = 256;
ALTER TABLE suspension_events MODIFY SETTING index_granularity = 256;
ALTER TABLE recording_events MODIFY SETTING index_granularity = 256;
ALTER TABLE invoice_events MODIFY SETTING index_granularity = 256;
ALTER TABLE payment_events MODIFY SETTING index_granularity = 256;
ALTER TABLE certificate_events MODIFY SETTING index_granularity = 256;
ALTER TABLE attendance_rules MODIFY SETTING index_granularity = 256;
ALTER TABLE classroom_sessions MODIFY SETTING index_granularity = 256;
ALTER TABLE money_by_time MODIFY SETTING index_granularity = 256;
ALTER TABLE session_starts MODIFY SETTING index_granularity = 256;
ALTER TABLE institute_settings MODIFY SETTING index_granularity = 256;
ALTER TABLE attendance_rule_settings MODIFY SETTING index_granularity = 256;
ALTER TABLE sessions_store MODIFY SETTING index_granularity = 256;
ALTER TABLE engagement_store MODIFY SETTING index_granularity = 256;
ALTER TABLE attendance_store MODIFY SETTING index_granularity = 256;
ALTER TABLE attendance_weekly_store MODIFY SETTING index_granularity = 256;
ALTER TABLE recordings_store MODIFY SETTING index_granularity = 256;
ALTER TABLE instalments_store MODIFY SETTING index_granularity = 256;
ALTER TABLE payments_store MODIFY SETTING index_granularity = 256;
ALTER TABLE revenue_daily_store MODIFY SETTING index_granularity = 256;
ALTER TABLE revenue_monthly_store MODIFY SETTING index_granularity = 256;
