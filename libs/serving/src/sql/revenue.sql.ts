import type { TableNames } from '../tables';
import { localDate, type TimeZones } from './local-time';

export const INVOICE_STORE_COLUMNS = [
  'institute_id',
  'student_id',
  'classroom_id',
  'instalment_key',
  'instalment_index',
  'amount_minor',
  'currency',
  'charged_at',
  'due_on',
  'paid_when_sent',
  'fee_type',
  'note',
  'student_name',
  'classroom_name',
];

/**
 * Invoices: one row per instalment (institute, student, classroom, instalment_key), however often
 * Wise re-sends it. charged_at is the first charge seen; other fields from the latest version (by
 * the event's time, else earliest receipt, then event id). `paid_when_sent` is as sent with the
 * invoice: no webhook reports that an invoice was paid later, or refunded. `filter` selects on
 * (institute_id, student_id, classroom_id).
 */
export function computeInvoices(t: TableNames, filter: string): string {
  return `
SELECT
    institute_id, student_id, classroom_id, instalment_key,
    argMax(instalment_index, k) AS instalment_index,
    argMax(amount_minor, k) AS amount_minor,
    argMax(currency, k) AS currency,
    min(charged_at) AS charged_at,
    argMax(due_on, k) AS due_on,
    argMax(paid, k) AS paid_when_sent,
    argMax(fee_type, k) AS fee_type,
    argMax(note, k) AS note,
    argMaxIf(student_name, k, student_name != '') AS student_name,
    argMaxIf(classroom_name, k, classroom_name != '') AS classroom_name
FROM
(
    SELECT
        institute_id, student_id, classroom_id, instalment_key, tuple(at_ms, event_id) AS k,
        instalment_index, amount_minor, currency, charged_at, due_on, paid, fee_type, note, student_name, classroom_name
    FROM
    (
        SELECT
            institute_id, student_id, classroom_id, instalment_key, event_id, min(at_ms) AS at_ms,
            any(instalment_index) AS instalment_index, any(amount_minor) AS amount_minor, any(currency) AS currency,
            any(charged_at) AS charged_at, any(due_on) AS due_on, any(paid) AS paid, any(fee_type) AS fee_type,
            any(note) AS note, any(student_name) AS student_name, any(classroom_name) AS classroom_name
        FROM ${t.invoice_events}
        WHERE ${filter}
        GROUP BY institute_id, student_id, classroom_id, instalment_key, event_id
    )
)
GROUP BY institute_id, student_id, classroom_id, instalment_key`;
}

export const PAYMENT_STORE_COLUMNS = [
  'institute_id',
  'transaction_id',
  'paid_at',
  'classroom_id',
  'student_id',
  'amount_minor',
  'currency',
  'payment_type',
  'student_name',
  'classroom_name',
];

/**
 * Payments: one row per transaction id. paid_at: the payment event has no time of its own, so it
 * is the envelope's occurredAt, else the first delivery's receipt (retries can make it late).
 * `filter` selects on (institute_id, transaction_id).
 */
export function computePayments(t: TableNames, filter: string): string {
  return `
SELECT
    institute_id, transaction_id,
    toDateTime(intDiv(min(paid_at_ms), 1000), 'UTC') AS paid_at,
    argMax(classroom_id, k) AS classroom_id,
    argMax(student_id, k) AS student_id,
    argMax(amount_minor, k) AS amount_minor,
    argMax(currency, k) AS currency,
    argMax(payment_type, k) AS payment_type,
    argMaxIf(student_name, k, student_name != '') AS student_name,
    argMaxIf(classroom_name, k, classroom_name != '') AS classroom_name
FROM
(
    SELECT
        institute_id, transaction_id, paid_at_ms, tuple(paid_at_ms, event_id) AS k, classroom_id, student_id,
        amount_minor, currency, payment_type, student_name, classroom_name
    FROM
    (
        SELECT
            institute_id, transaction_id, event_id, min(paid_at_ms) AS paid_at_ms, any(classroom_id) AS classroom_id,
            any(student_id) AS student_id, any(amount_minor) AS amount_minor, any(currency) AS currency,
            any(payment_type) AS payment_type, any(student_name) AS student_name, any(classroom_name) AS classroom_name
        FROM ${t.payment_events}
        WHERE ${filter}
        GROUP BY institute_id, transaction_id, event_id
    )
)
GROUP BY institute_id, transaction_id`;
}

export const REVENUE_STORE_COLUMNS = [
  'institute_id',
  'classroom_id',
  'day',
  'currency',
  'invoiced_minor',
  'invoices',
  'collected_minor',
  'payments',
];

/**
 * Money per day (in the institute's time zone), classroom and currency: invoiced (by charge day)
 * and collected (by payment day), in minor units, for the classrooms `classroomFilter` selects.
 * Never summed across currencies; no webhook reports refunds, so collected is gross. A payment's
 * classroom is a value, not part of its key, so payments are read per institute and filtered after.
 * Invoices and payments are computed here from their facts (the rules above), not read from their
 * stores, which may hold a row an older round has not replaced yet.
 */
export function computeRevenueDaily(t: TableNames, classroomFilter: string, instituteFilter: string, zones: TimeZones): string {
  const invoices = computeInvoices(t, classroomFilter);
  const payments = computePayments(t, instituteFilter);
  return `
SELECT
    institute_id, classroom_id, day, currency,
    sum(invoiced) AS invoiced_minor, sum(is_invoice) AS invoices,
    sum(collected) AS collected_minor, sum(is_payment) AS payments
FROM
(
    SELECT institute_id, ${localDate('charged_at', zones)} AS day, classroom_id, currency,
           amount_minor AS invoiced, toUInt64(1) AS is_invoice, toInt64(0) AS collected, toUInt64(0) AS is_payment
    FROM (${invoices})
    UNION ALL
    SELECT institute_id, ${localDate('paid_at', zones)} AS day, classroom_id, currency,
           toInt64(0) AS invoiced, toUInt64(0) AS is_invoice, amount_minor AS collected, toUInt64(1) AS is_payment
    FROM (${payments})
    WHERE ${classroomFilter}
)
GROUP BY institute_id, classroom_id, day, currency`;
}

/**
 * Every classroom any version of a payment named (a later version may move it): their totals
 * change too. From the facts, which keep every version, so also the classrooms of versions that
 * reach ClickHouse after a newer one.
 */
export function paymentClassrooms(t: TableNames, filter: string): string {
  return `SELECT DISTINCT institute_id, classroom_id FROM ${t.payment_events} WHERE ${filter}`;
}
