-- The raw tables move to a database of their own: `events` (every accepted body, byte for byte)
-- and `quarantine` (every refused one) go to `<database>_raw` ({raw_database}, bound by the
-- migration runner; libs/clickhouse/src/raw-tables.ts). A database is the only unit ClickHouse
-- 18.16 can refuse a user, so the BI user, allowed the analytics database alone, can no longer read
-- raw payloads, while every view keeps its name and reads what it read before (no view reads
-- `events` or `quarantine`).
--
-- RENAME moves a table without copying a row, on 18.16 and on current ClickHouse, so an existing
-- deployment keeps its data. The runner skips a RENAME whose table has already moved (a crash
-- between a statement and its record), and stops if the table is in both places.
CREATE DATABASE IF NOT EXISTS {raw_database};

RENAME TABLE events TO {raw_database}.events;

RENAME TABLE quarantine TO {raw_database}.quarantine;
