-- Invoices and payments by time (libs/projections/src/fees.projection.ts writes a row here beside
-- each invoice_events and payment_events row): which days a fee change can move. A serving round
-- recomputes the revenue of the classroom-days its invoices and payments are or were counted on,
-- and finds the other money of those days here instead of reading its institute's whole fee
-- history (libs/serving/src/serving-refresh.ts). at_s: an invoice's chargedAt, a payment's time
-- (occurredAt, else the receipt of that delivery), epoch seconds. money_key: the instalment key or
-- the transaction id. A fact table like the others: copies collapse, `rebuild` projects it again.
CREATE TABLE IF NOT EXISTS money_by_time
(
    institute_id  String,
    at_s          UInt32,
    kind          String,
    classroom_id  String,
    student_id    String,
    money_key     String,
    event_id      String,
    delivery_rank UInt64
)
ENGINE = ReplacingMergeTree(delivery_rank)
ORDER BY (institute_id, at_s, kind, money_key, event_id)
SETTINGS index_granularity = 256;

-- The fee facts stored before this table existed.
INSERT INTO money_by_time (institute_id, at_s, kind, classroom_id, student_id, money_key, event_id, delivery_rank)
SELECT institute_id, toUInt32(charged_at), 'invoice', classroom_id, student_id, instalment_key, event_id, delivery_rank
FROM invoice_events;

INSERT INTO money_by_time (institute_id, at_s, kind, classroom_id, student_id, money_key, event_id, delivery_rank)
SELECT institute_id, toUInt32(intDiv(paid_at_ms, 1000)), 'payment', classroom_id, student_id, transaction_id, event_id, delivery_rank
FROM payment_events;
