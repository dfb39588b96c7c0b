import type { DaySpan, KeyColumns } from '../round';
import type { TableNames } from '../serving-tables';
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
 * Every invoice fact (copies included) of the owners `owners` selects on (institute_id,
 * student_id, classroom_id), with its charge's day in the institute's zone: what instalmentsOf
 * (fee-rows.ts) computes an owner's instalments from. Whole owners, since the fact table's
 * instalment_key ('index:<n>' or the id) differs between versions of one instalment.
 */
export function invoiceFacts(t: TableNames, owners: string, zones: TimeZones): string {
  return `
SELECT
    institute_id, student_id, classroom_id, ifNull(instalment_index, 0) AS instalment_index, event_id, at_ms,
    installment_id, amount_minor, currency, charged_at, toString(${localDate('charged_at', zones)}) AS charged_day,
    due_on, paid, fee_type, note, student_name, classroom_name
FROM ${t.invoice_events}
WHERE ${owners}`;
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
 * Every payment fact (copies included) of the transactions `payments` selects on (institute_id,
 * transaction_id), with its time to the second and that time's day in the institute's zone: what
 * paymentsOf (fee-rows.ts) computes a payment from.
 */
export function paymentFacts(t: TableNames, payments: string, zones: TimeZones): string {
  return `
SELECT
    institute_id, transaction_id, event_id, classroom_id, student_id, amount_minor, currency, payment_type,
    paid_at_ms, ${PAID_AT} AS paid_at, toString(${localDate(PAID_AT, zones)}) AS paid_day, student_name, classroom_name
FROM ${t.payment_events}
WHERE ${payments}`;
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
 * What the money of the classroom-days `days` lists (institute_id, classroom_id, day), whose first
 * and last day `daySpan` gives, is computed from: the owners and the payments counted on them, as
 * filters on the invoice and payment facts (invoiceFacts, paymentFacts), found by time in
 * money_by_time. An instalment by its owner: its versions' money_key differs when one carries the
 * installmentId and another does not, and its day is that of its earliest version, which may lie
 * outside the days. A payment by its day alone: its latest version may name another classroom
 * than the row of that day. Both are then computed from all their facts (fee-rows.ts), not read
 * from their stores, which may hold a row an older round has not replaced yet.
 */
export function moneyOnDays(
  t: TableNames,
  days: KeyColumns<'institute_id' | 'classroom_id' | 'day'>,
  daySpan: DaySpan,
  instituteFilter: string,
  zones: TimeZones,
): { owners: string; payments: string } {
  // The UTC span of the days, a day wider each side for any time zone (an index range, not a rule).
  const span = `at_s >= ${Math.max(daySpan.first - 1, 0) * 86400} AND at_s < ${(daySpan.last + 2) * 86400}`;
  const atDay = localDate(`toDateTime(at_s, 'UTC')`, zones);
  return {
    owners: `(institute_id, student_id, classroom_id) IN (
        SELECT institute_id, student_id, classroom_id FROM ${t.money_by_time}
        WHERE ${instituteFilter} AND kind = 'invoice' AND ${span} AND (institute_id, classroom_id, ${atDay}) IN (${days(['institute_id', 'classroom_id', 'day'])}))`,
    payments: `(institute_id, transaction_id) IN (
        SELECT institute_id, money_key FROM ${t.money_by_time}
        WHERE ${instituteFilter} AND kind = 'payment' AND ${span} AND (institute_id, ${atDay}) IN (${days(['institute_id', 'day'])}))`,
  };
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
