-- One invoice per instalment, whether or not Wise sent its installmentId the first time. An
-- instalment is (institute, student, classroom, metadata.index): Wise names it by its index ("Invoice
-- for Installment 0") and re-sends every instalment of a student whenever one is added, so the
-- index is what every version of it carries; installmentId is not always filled. invoices_store
-- (0004) was keyed by installmentId, else 'index:<n>', so an instalment first sent without its id
-- and later with it was two invoices. instalments_store is keyed by the index and keeps the
-- latest non-empty installmentId as an attribute (docs/analytics-model.md, "Ordering rules"). The fact table
-- invoice_events keeps its key: the serving SQL groups its rows by index
-- (libs/serving/src/sql/revenue.sql.ts), so no fact is rewritten.
CREATE TABLE IF NOT EXISTS instalments_store
(
    institute_id     String,
    student_id       String,
    classroom_id     String,
    instalment_index Int64,
    installment_id   String,
    amount_minor     Int64,
    currency         String,
    charged_at       DateTime('UTC'),
    due_on           Nullable(DateTime('UTC')),
    paid_when_sent   Nullable(UInt8),
    fee_type         String,
    note             String,
    student_name     String,
    classroom_name   String,
    _version         UInt64
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (institute_id, student_id, classroom_id, instalment_index)
SETTINGS index_granularity = 256;

-- The invoices stored before, one row per instalment (version 1: every round outranks it). Where
-- both an 'index:<n>' row and an installmentId row exist, the one with the id gives the values and
-- the earliest charge is kept. Read through the `invoices` view, which exists before and after
-- this migration with these columns, so that the statement is safe to run again.
INSERT INTO instalments_store (institute_id, student_id, classroom_id, instalment_index, installment_id, amount_minor, currency, charged_at, due_on, paid_when_sent, fee_type, note, student_name, classroom_name, _version)
SELECT
    institute_id, student_id, classroom_id, idx, v.1, v.2, v.3, charged_at, v.4, v.5, v.6, v.7, v.8, v.9, toUInt64(1)
FROM
(
    SELECT
        institute_id, student_id, classroom_id, assumeNotNull(instalment_index) AS idx,
        min(charged_at) AS charged_at,
        argMax(
            tuple(if(startsWith(instalment_key, 'index:'), '', instalment_key), amount_minor, currency, due_on, paid_when_sent, fee_type, note, student_name, classroom_name),
            tuple(startsWith(instalment_key, 'index:') = 0, instalment_key)
        ) AS v
    FROM invoices
    GROUP BY institute_id, student_id, classroom_id, idx
);

DROP TABLE IF EXISTS invoices;

-- Invoices: one row per instalment, however often and in whatever form Wise re-sends it.
-- instalment_key names it as before: its installmentId once any version carried one, else
-- 'index:<n>'.
CREATE VIEW IF NOT EXISTS invoices AS
SELECT
    institute_id, student_id, classroom_id, if(v.1 != '', v.1, concat('index:', toString(instalment_index))) AS instalment_key,
    instalment_index, v.1 AS installment_id, v.2 AS amount_minor, v.3 AS currency, v.4 AS charged_at, v.5 AS due_on,
    v.6 AS paid_when_sent, v.7 AS fee_type, v.8 AS note, v.9 AS student_name, v.10 AS classroom_name
FROM
(
    SELECT institute_id, student_id, classroom_id, instalment_index, argMax(tuple(installment_id, amount_minor, currency, charged_at, due_on, paid_when_sent, fee_type, note, student_name, classroom_name), _version) AS v
    FROM instalments_store
    GROUP BY institute_id, student_id, classroom_id, instalment_index
);

DROP TABLE IF EXISTS invoices_store;
