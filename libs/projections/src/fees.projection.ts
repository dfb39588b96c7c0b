import type { Envelope } from '@wise/contracts';
import { baseColumns, envelopeTimeMs, guaranteed, timeMs, toDateTime, toNullableDateTime } from './columns';
import { INVOICE_EVENTS, MONEY_BY_TIME, PAYMENT_EVENTS, type ProjectedRows } from './projected-tables';

/**
 * Names one version's fact row (invoice_events and money_by_time sort by it): Wise's installmentId
 * when this version fills it, else `index:<n>`. It is not the instalment: Wise may send one
 * instalment without its id and later with it, so the serving layer groups the versions by
 * (institute, student, classroom, instalment_index) instead. Kept as it was so that an event
 * projected again lands on its own earlier rows.
 */
export function instalmentKey(installmentId: string, index: number): string {
  return installmentId !== '' ? installmentId : `index:${index}`;
}

/** FeeInvoiceChargedEvent: one instalment charged (metadata.index and chargedAt are required by the contract). */
export function projectInvoice(env: Envelope<'FeeInvoiceChargedEvent'>): ProjectedRows {
  const { classroom, student, transaction } = env.body.payload;
  const { metadata, amount } = transaction;
  const installmentId = metadata.installmentId ?? '';
  const chargedAt = toDateTime(guaranteed(timeMs(transaction.chargedAt), 'payload.transaction.chargedAt'));
  const key = instalmentKey(installmentId, metadata.index);
  return {
    [MONEY_BY_TIME]: [
      { ...baseColumns(env), at_s: chargedAt, kind: 'invoice', classroom_id: classroom._id, student_id: student._id, money_key: key },
    ],
    [INVOICE_EVENTS]: [
      {
        ...baseColumns(env),
        student_id: student._id,
        classroom_id: classroom._id,
        instalment_key: key,
        instalment_index: metadata.index,
        installment_id: installmentId,
        amount_minor: amount.value,
        currency: amount.currency,
        charged_at: chargedAt,
        due_on: toNullableDateTime(timeMs(metadata.dueOn)),
        // Wise's flag as sent with this invoice; no webhook reports a later payment of it.
        paid: typeof metadata.paid === 'boolean' ? (metadata.paid ? 1 : 0) : null,
        fee_type: metadata.feeType ?? '',
        status: transaction.status ?? '',
        note: transaction.note ?? '',
        at_ms: envelopeTimeMs(env),
        student_name: (student.name ?? '').trim(),
        classroom_name: classroom.name ?? '',
      },
    ],
  };
}

/**
 * FeePaymentCompletedEvent: keyed by transaction._id. It carries no time: paid_at is the envelope's
 * occurredAt, else the receipt of its earliest delivery (min over copies in the views).
 */
export function projectPayment(env: Envelope<'FeePaymentCompletedEvent'>): ProjectedRows {
  const { classroom, student, transaction, type } = env.body.payload;
  const paidAtMs = envelopeTimeMs(env);
  return {
    [MONEY_BY_TIME]: [
      {
        ...baseColumns(env),
        at_s: Math.floor(paidAtMs / 1000),
        kind: 'payment',
        classroom_id: classroom._id,
        student_id: student._id,
        money_key: transaction._id,
      },
    ],
    [PAYMENT_EVENTS]: [
      {
        ...baseColumns(env),
        transaction_id: transaction._id,
        classroom_id: classroom._id,
        student_id: student._id,
        amount_minor: transaction.amount.value,
        currency: transaction.amount.currency,
        payment_type: type ?? '',
        paid_at_ms: paidAtMs,
        student_name: (student.name ?? '').trim(),
        classroom_name: classroom.name ?? '',
      },
    ],
  };
}
