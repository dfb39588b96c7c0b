/*
 * The fee chain's rows, computed in the projector from the fee facts a round reads
 * (revenue.sql.ts: invoiceFacts, paymentFacts): instalments, payments and the money of each
 * classroom-day. On 18.16 a statement costs about as much to analyse as to run on a round's few
 * hundred rows, and the daily money as one INSERT … SELECT nested the invoice and payment rules
 * inside the day's sums; here the rules run over plain rows, and each store gets one INSERT of
 * values (measured in docs/benchmarks.md, "Fee rows and the weekly rollup computed in the projector").
 *
 * Copies collapse to their first delivery (in the read, sql/fact-patterns.ts) and the latest
 * version wins by time, then event id, as for the other facts a round reads.
 *
 * The time-zone rule stays in ClickHouse (localDate): each fact is read with its day already in
 * its institute's zone, and a day is monotonic in time, so the day of the earliest fact is the
 * earliest day.
 */

import { compareBytes, num, orNull, text } from './row-values';

/** One delivery-collapsed or raw row of invoice_events, as invoiceFacts reads it. */
export interface InvoiceFact {
  institute_id: string;
  student_id: string;
  classroom_id: string;
  /** 0 when the fact had none (the contract requires one; ClickHouse's assumeNotNull gives 0). */
  instalment_index: number;
  event_id: string;
  at_ms: number;
  installment_id: string;
  amount_minor: number;
  currency: string;
  /** 'YYYY-MM-DD hh:mm:ss', UTC: text order is time order. */
  charged_at: string;
  /** charged_at's day in the institute's zone. */
  charged_day: string;
  due_on: string | null;
  paid: number | null;
  fee_type: string;
  note: string;
  student_name: string;
  classroom_name: string;
}

/** One row of payment_events, as paymentFacts reads it. */
export interface PaymentFact {
  institute_id: string;
  transaction_id: string;
  event_id: string;
  classroom_id: string;
  student_id: string;
  amount_minor: number;
  currency: string;
  payment_type: string;
  paid_at_ms: number;
  /** paid_at_ms to the second, 'YYYY-MM-DD hh:mm:ss' UTC. */
  paid_at: string;
  /** paid_at's day in the institute's zone. */
  paid_day: string;
  student_name: string;
  classroom_name: string;
}

/** A row of invoiceFacts (revenue.sql.ts), typed. */
export function toInvoiceFact(r: Record<string, unknown>): InvoiceFact {
  return {
    institute_id: text(r.institute_id),
    student_id: text(r.student_id),
    classroom_id: text(r.classroom_id),
    instalment_index: num(r.instalment_index),
    event_id: text(r.event_id),
    at_ms: num(r.at_ms),
    installment_id: text(r.installment_id),
    amount_minor: num(r.amount_minor),
    currency: text(r.currency),
    charged_at: text(r.charged_at),
    charged_day: text(r.charged_day),
    due_on: orNull(r.due_on, text),
    paid: orNull(r.paid, num),
    fee_type: text(r.fee_type),
    note: text(r.note),
    student_name: text(r.student_name),
    classroom_name: text(r.classroom_name),
  };
}

/** A row of paymentFacts (revenue.sql.ts), typed. */
export function toPaymentFact(r: Record<string, unknown>): PaymentFact {
  return {
    institute_id: text(r.institute_id),
    transaction_id: text(r.transaction_id),
    event_id: text(r.event_id),
    classroom_id: text(r.classroom_id),
    student_id: text(r.student_id),
    amount_minor: num(r.amount_minor),
    currency: text(r.currency),
    payment_type: text(r.payment_type),
    paid_at_ms: num(r.paid_at_ms),
    paid_at: text(r.paid_at),
    paid_day: text(r.paid_day),
    student_name: text(r.student_name),
    classroom_name: text(r.classroom_name),
  };
}

/** A row of instalments_store, and the day its money counts on. */
export interface Instalment {
  institute_id: string;
  student_id: string;
  classroom_id: string;
  instalment_index: number;
  installment_id: string;
  amount_minor: number;
  currency: string;
  charged_at: string;
  due_on: string | null;
  paid_when_sent: number | null;
  fee_type: string;
  note: string;
  student_name: string;
  classroom_name: string;
  day: string;
}

/** A row of payments_store, and the day its money counts on. */
export interface Payment {
  institute_id: string;
  transaction_id: string;
  paid_at: string;
  classroom_id: string;
  student_id: string;
  amount_minor: number;
  currency: string;
  payment_type: string;
  student_name: string;
  classroom_name: string;
  day: string;
}

/** A row of revenue_daily_store. */
export interface RevenueDay {
  institute_id: string;
  classroom_id: string;
  day: string;
  currency: string;
  invoiced_minor: number;
  invoices: number;
  collected_minor: number;
  payments: number;
}

/** A classroom-day as revenueDays takes them. */
export const dayKey = (institute: string, classroom: string, day: string): string => JSON.stringify([institute, classroom, day]);

/**
 * Invoices: one row per instalment (institute, student, classroom, instalment index), however often
 * Wise re-sends it and whether or not a version carries its installmentId (the index is Wise's own
 * name for the instalment and every version has it). Copies of one event count once, at its first
 * delivery. installment_id, student_name and classroom_name come from the latest version that
 * carried one; charged_at is the first charge seen, and its day the instalment's; the other fields
 * come from the latest version, by the event's time and then its id. `paid_when_sent` is as sent
 * with the invoice: no webhook reports that an invoice was paid later, or refunded.
 */
export function instalmentsOf(facts: readonly InvoiceFact[]): Instalment[] {
  const out: Instalment[] = [];
  const instalment = (f: InvoiceFact) => [f.institute_id, f.student_id, f.classroom_id, f.instalment_index];
  for (const versions of groups(collapse(facts, instalment, 'at_ms'), instalment)) {
    const latest = latestOf(versions, 'at_ms');
    const first = versions.reduce((a, b) => (b.charged_at < a.charged_at ? b : a));
    out.push({
      institute_id: latest.institute_id,
      student_id: latest.student_id,
      classroom_id: latest.classroom_id,
      instalment_index: latest.instalment_index,
      installment_id: latestNonEmpty(versions, 'at_ms', 'installment_id'),
      amount_minor: latest.amount_minor,
      currency: latest.currency,
      charged_at: first.charged_at,
      due_on: latest.due_on,
      paid_when_sent: latest.paid,
      fee_type: latest.fee_type,
      note: latest.note,
      student_name: latestNonEmpty(versions, 'at_ms', 'student_name'),
      classroom_name: latestNonEmpty(versions, 'at_ms', 'classroom_name'),
      day: first.charged_day,
    });
  }
  return out;
}

/**
 * Payments: one row per transaction id. The payment event has no time of its own, so paid_at is the
 * envelope's occurredAt, else the first delivery's receipt (retries can make it late), and its day
 * the payment's; the other fields come from the latest version.
 */
export function paymentsOf(facts: readonly PaymentFact[]): Payment[] {
  const out: Payment[] = [];
  const transaction = (f: PaymentFact) => [f.institute_id, f.transaction_id];
  for (const versions of groups(collapse(facts, transaction, 'paid_at_ms'), transaction)) {
    const latest = latestOf(versions, 'paid_at_ms');
    const first = versions.reduce((a, b) => (b.paid_at_ms < a.paid_at_ms ? b : a));
    out.push({
      institute_id: latest.institute_id,
      transaction_id: latest.transaction_id,
      paid_at: first.paid_at,
      classroom_id: latest.classroom_id,
      student_id: latest.student_id,
      amount_minor: latest.amount_minor,
      currency: latest.currency,
      payment_type: latest.payment_type,
      student_name: latestNonEmpty(versions, 'paid_at_ms', 'student_name'),
      classroom_name: latestNonEmpty(versions, 'paid_at_ms', 'classroom_name'),
      day: first.paid_day,
    });
  }
  return out;
}

/**
 * Money per day (in the institute's zone), classroom and currency for the classroom-days `days`
 * holds (dayKey): invoiced by charge day, collected by payment day, in minor units, never summed
 * across currencies; no webhook reports refunds, so collected is gross. A payment counts in the
 * classroom its latest version names.
 */
export function revenueDays(instalments: readonly Instalment[], payments: readonly Payment[], days: ReadonlySet<string>): RevenueDay[] {
  const rows = new Map<string, RevenueDay>();
  const add = (x: { institute_id: string; classroom_id: string; day: string; currency: string }): RevenueDay | null => {
    if (!days.has(dayKey(x.institute_id, x.classroom_id, x.day))) return null;
    const id = JSON.stringify([x.institute_id, x.classroom_id, x.day, x.currency]);
    let row = rows.get(id);
    if (!row) {
      row = {
        institute_id: x.institute_id,
        classroom_id: x.classroom_id,
        day: x.day,
        currency: x.currency,
        invoiced_minor: 0,
        invoices: 0,
        collected_minor: 0,
        payments: 0,
      };
      rows.set(id, row);
    }
    return row;
  };
  for (const i of instalments) {
    const row = add(i);
    if (row) {
      row.invoiced_minor += i.amount_minor;
      row.invoices += 1;
    }
  }
  for (const p of payments) {
    const row = add(p);
    if (row) {
      row.collected_minor += p.amount_minor;
      row.payments += 1;
    }
  }
  return [...rows.values()];
}

/** One row per event of a thing: copies hold the same values, and the event's time is its first delivery's. */
function collapse<F extends { event_id: string }>(
  facts: readonly F[],
  key: (f: F) => ReadonlyArray<string | number>,
  at: keyof F & string,
): F[] {
  const events = new Map<string, F>();
  for (const f of facts) {
    const id = JSON.stringify([...key(f), f.event_id]);
    const seen = events.get(id);
    if (!seen) events.set(id, f);
    // The earliest copy whole: what is derived from its time (a payment's paid_at and day) with it.
    else if ((f[at] as number) < (seen[at] as number)) events.set(id, f);
  }
  return [...events.values()];
}

function groups<F>(facts: readonly F[], key: (f: F) => ReadonlyArray<string | number>): F[][] {
  const byKey = new Map<string, F[]>();
  for (const f of facts) {
    const id = JSON.stringify(key(f));
    const group = byKey.get(id);
    if (group) group.push(f);
    else byKey.set(id, [f]);
  }
  return [...byKey.values()];
}

/** Which version is later: by its time, then its event id (ClickHouse's argMax over tuple(time, event_id)). */
function later<F extends { event_id: string }>(a: F, b: F, at: keyof F): boolean {
  const ta = a[at] as number;
  const tb = b[at] as number;
  return ta !== tb ? ta > tb : compareBytes(a.event_id, b.event_id) > 0;
}

function latestOf<F extends { event_id: string }>(versions: readonly F[], at: keyof F): F {
  return versions.reduce((a, b) => (later(b, a, at) ? b : a));
}

/** The value of `field` in the latest version that carried one (an empty one does not erase it); '' if none did. */
function latestNonEmpty<F extends { event_id: string }>(versions: readonly F[], at: keyof F, field: keyof F): string {
  let best: F | null = null;
  for (const v of versions) if ((v[field] as string) !== '' && (!best || later(v, best, at))) best = v;
  return best ? (best[field] as string) : '';
}
