-- Money per institute, classroom, month and currency, stored: what `revenue_monthly` reads, so
-- that a question over every institute ("revenue by month across the group") groups one row per
-- classroom-month instead of one per classroom-day. Kept by the serving rounds like the weekly
-- attendance rollup (0009): after a round's daily revenue is written, the months of its days are
-- recomputed from revenue_daily_store at a version taken after those writes (docs/serving.md,
-- "Stored rollups"). A marker row per classroom-month (currency '', _deleted 1) and a sweep retire
-- a currency the month no longer has.
CREATE TABLE IF NOT EXISTS revenue_monthly_store
(
    institute_id    String,
    classroom_id    String,
    month           Date,
    currency        String,
    invoiced_minor  Int64,
    invoices        UInt64,
    collected_minor Int64,
    payments        UInt64,
    _deleted        UInt8,
    _version        UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, classroom_id, month, currency)
SETTINGS index_granularity = 256;

-- The months of the money stored before this table existed (version 1: every round outranks it).
INSERT INTO revenue_monthly_store (institute_id, classroom_id, month, currency, invoiced_minor, invoices, collected_minor, payments, _deleted, _version)
SELECT institute_id, classroom_id, month, currency, invoiced_minor, invoices, collected_minor, payments, toUInt8(0), toUInt64(1)
FROM revenue_monthly;

DROP TABLE IF EXISTS revenue_monthly;

-- month = the first day of the month, in the institute's time zone.
CREATE VIEW IF NOT EXISTS revenue_monthly AS
SELECT
    institute_id, month, classroom_id, currency, v.2 AS invoiced_minor, v.3 AS invoices,
    v.4 AS collected_minor, v.5 AS payments
FROM
(
    SELECT institute_id, classroom_id, month, currency, argMax(tuple(_deleted, invoiced_minor, invoices, collected_minor, payments), _version) AS v
    FROM revenue_monthly_store
    GROUP BY institute_id, classroom_id, month, currency
)
WHERE v.1 = 0;
