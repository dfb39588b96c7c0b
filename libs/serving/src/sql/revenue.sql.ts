import type { DaySpan, KeyColumns } from '../round';
import type { TableNames } from '../serving-tables';
import { eventCopiesCollapsed, latestNonEmptyOf, latestOf } from './fact-patterns';
import { liveLatestRows } from './latest-rows';
import { localDate, type TimeZones } from './local-time';

export const INSTALMENT_STORE_COLUMNS = [
  'institute_id',
  'student_id',
  'classroom_id',
  'instalment_index',
  'installment_id',
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
 * Which version of a fact is the latest: by its time, then its event id. Written inline in each
 * argMax rather than computed by a SELECT around the facts: a level less for 18.16 to analyse
 * again (flat-insert.ts).
 */
const LATEST_INVOICE = 'tuple(at_ms, event_id)';
const LATEST_PAYMENT = 'tuple(paid_at_ms, event_id)';

/**
 * Invoices: one row per instalment, (institute_id, student_id, classroom_id, instalment_index),
 * however often Wise re-sends it and whether or not a version carries its installmentId: the
 * index is Wise's own name for the instalment and every version has it (the contract requires
 * it), while installmentId is sometimes left empty, so grouping by it split one instalment in two.
 * installment_id is the latest non-empty one. charged_at is the first charge seen; the other
 * fields come from the latest version (by the event's time, else earliest receipt, then event id).
 * `paid_when_sent` is as sent with the invoice: no webhook reports that an invoice was paid later,
 * or refunded. `filter` selects fact rows on (institute_id, student_id, classroom_id): whole
 * owners, since the fact table's instalment_key ('index:<n>' or the id) differs between versions.
 */
export function computeInvoices(t: TableNames, filter: string): string {
  return `
SELECT
    institute_id, student_id, classroom_id, instalment_index,
    ${latestNonEmptyOf(['installment_id'], LATEST_INVOICE)},
    ${latestOf(['amount_minor', 'currency'], LATEST_INVOICE)},
    min(charged_at) AS charged_at,
    ${latestOf(['due_on', ['paid', 'paid_when_sent'], 'fee_type', 'note'], LATEST_INVOICE)},
    ${latestNonEmptyOf(['student_name', 'classroom_name'], LATEST_INVOICE)}
FROM
(${eventCopiesCollapsed({
    table: t.invoice_events,
    where: filter,
    keys: ['institute_id', 'student_id', 'classroom_id', 'assumeNotNull(instalment_index) AS instalment_index'],
    firstAt: 'at_ms',
    values: [
      'installment_id',
      'amount_minor',
      'currency',
      'charged_at',
      'due_on',
      'paid',
      'fee_type',
      'note',
      'student_name',
      'classroom_name',
    ],
  })}
)
GROUP BY institute_id, student_id, classroom_id, instalment_index`;
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
    ${latestOf(['classroom_id', 'student_id', 'amount_minor', 'currency', 'payment_type'], LATEST_PAYMENT)},
    ${latestNonEmptyOf(['student_name', 'classroom_name'], LATEST_PAYMENT)}
FROM
(${eventCopiesCollapsed({
    table: t.payment_events,
    where: filter,
    keys: ['institute_id', 'transaction_id'],
    firstAt: 'paid_at_ms',
    values: ['classroom_id', 'student_id', 'amount_minor', 'currency', 'payment_type', 'student_name', 'classroom_name'],
  })}
)
GROUP BY institute_id, transaction_id`;
}

/**
 * Every classroom-day (institute_id, k1 classroom, k2 the day in the institute's time zone) whose
 * money the given facts can move: the charge days of every version of the owners' instalments
 * (an instalment counts on its earliest, and a version without its id can move it);
 * for each payment, every classroom any version named on every day any delivery of it was
 * received or dated (its day is its earliest, its classroom its latest, so both can move); and
 * the stored days of `storedClassrooms` (an institute-wide recompute: days no fact counts any more).
 */
export function revenueDaysOf(t: TableNames, owners: string, payments: string, storedClassrooms: string, zones: TimeZones): string {
  return `
SELECT DISTINCT institute_id, k1, k2
FROM
(
    SELECT institute_id, classroom_id AS k1, toString(${localDate('charged_at', zones)}) AS k2 FROM ${t.invoice_events} WHERE ${owners}
    UNION ALL
    SELECT institute_id, arrayJoin(cs) AS k1, toString(arrayJoin(ds)) AS k2
    FROM
    (
        SELECT institute_id, groupUniqArray(classroom_id) AS cs, groupUniqArray(${localDate(PAID_AT, zones)}) AS ds
        FROM ${t.payment_events}
        WHERE ${payments}
        GROUP BY institute_id, transaction_id
    )
    UNION ALL
    SELECT institute_id, classroom_id AS k1, toString(day) AS k2 FROM ${t.revenue_daily_store} WHERE ${storedClassrooms} AND currency != ''
)`;
}

const PAID_AT = `toDateTime(intDiv(paid_at_ms, 1000), 'UTC')`;

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
 * and collected (by payment day), in minor units, for the classroom-days `days` lists
 * (institute_id, classroom_id, day), whose first and last day `daySpan` gives. Never summed across currencies; no webhook reports refunds,
 * so collected is gross. The instalments and payments counted on those days are found by time in
 * money_by_time (an instalment by its owner: its versions' money_key differs when one carries the
 * installmentId and another does not, and its day is that of its earliest version, which may lie
 * outside the days; a payment by its day alone: its latest version may name another classroom
 * than the row of that day), then computed from their facts by the rules above, not read from
 * their stores, which may hold a row an older round has not replaced yet.
 */
export function computeRevenueDays(
  t: TableNames,
  days: KeyColumns<'institute_id' | 'classroom_id' | 'day'>,
  daySpan: DaySpan,
  instituteFilter: string,
  zones: TimeZones,
): string {
  const allDays = days(['institute_id', 'classroom_id', 'day']);
  // The UTC span of the days, a day wider each side for any time zone (an index range, not a rule).
  const span = `at_s >= ${Math.max(daySpan.first - 1, 0) * 86400} AND at_s < ${(daySpan.last + 2) * 86400}`;
  const atDay = localDate(`toDateTime(at_s, 'UTC')`, zones);
  const invoices = computeInvoices(
    t,
    `(institute_id, student_id, classroom_id) IN (
        SELECT institute_id, student_id, classroom_id FROM ${t.money_by_time}
        WHERE ${instituteFilter} AND kind = 'invoice' AND ${span} AND (institute_id, classroom_id, ${atDay}) IN (${allDays}))`,
  );
  const payments = computePayments(
    t,
    `(institute_id, transaction_id) IN (
        SELECT institute_id, money_key FROM ${t.money_by_time}
        WHERE ${instituteFilter} AND kind = 'payment' AND ${span} AND (institute_id, ${atDay}) IN (${days(['institute_id', 'day'])}))`,
  );
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
)
WHERE (institute_id, classroom_id, day) IN (${allDays})
GROUP BY institute_id, classroom_id, day, currency`;
}

export const REVENUE_MONTH_COLUMNS = [
  'institute_id',
  'classroom_id',
  'month',
  'currency',
  'invoiced_minor',
  'invoices',
  'collected_minor',
  'payments',
];

/**
 * The money of each classroom-month `scopes` lists (institute_id, classroom_id, month), per
 * currency: the sum of the latest daily rows of those classrooms in those months. Reads
 * revenue_daily_store: run it at a version taken after the round's daily writes
 * (docs/serving.md, "Stored rollups").
 */
export function monthlyRevenue(t: TableNames, scopes: KeyColumns<'institute_id' | 'classroom_id' | 'month'>): string {
  return `
SELECT
    institute_id, classroom_id, month, currency,
    sum(invoiced_minor) AS invoiced_minor, sum(invoices) AS invoices, sum(collected_minor) AS collected_minor, sum(payments) AS payments
FROM
(
    SELECT institute_id, classroom_id, toStartOfMonth(day) AS month, currency, invoiced_minor, invoices, collected_minor, payments
    FROM (${liveLatestRows(
      t.revenue_daily_store,
      ['institute_id', 'classroom_id', 'day', 'currency'],
      ['invoiced_minor', 'invoices', 'collected_minor', 'payments'],
      `(institute_id, classroom_id) IN (${scopes(['institute_id', 'classroom_id'])}) AND currency != ''`,
    )})
)
WHERE (institute_id, classroom_id, month) IN (${scopes(['institute_id', 'classroom_id', 'month'])})
GROUP BY institute_id, classroom_id, month, currency`;
}
