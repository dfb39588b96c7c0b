import type { Envelope } from '@wise/contracts';
import {
  baseColumns,
  envelopeTimeMs,
  money,
  numberOrNull,
  objectAt,
  optionalObject,
  payloadOf,
  ProjectionError,
  requiredText,
  text,
  timeMs,
  toDateTime,
  toNullableDateTime,
  type ProjectedRows,
} from './projection.helpers';
import { INVOICE_EVENTS, PAYMENT_EVENTS } from './tables';

/**
 * Names one instalment: Wise's installmentId when it fills it, else `index:<n>`. Wise re-sends the
 * invoice of every instalment whenever one is added, so the views keep one row per
 * (institute, student, classroom, instalment_key).
 */
export function instalmentKey(installmentId: string, index: number): string {
  return installmentId !== '' ? installmentId : `index:${index}`;
}

/** FeeInvoiceChargedEvent: one instalment charged. */
export function projectInvoice(env: Envelope): ProjectedRows {
  const payload = payloadOf(env);
  const classroom = objectAt(payload, 'classroom');
  const student = objectAt(payload, 'student');
  const transaction = objectAt(payload, 'transaction');
  const metadata = optionalObject(transaction, 'metadata') ?? {};
  const index = numberOrNull(metadata.index);
  const installmentId = text(metadata.installmentId);
  if (installmentId === '' && (index === null || !Number.isInteger(index) || index < 0)) {
    throw new ProjectionError('payload.transaction.metadata has neither installmentId nor an integer index');
  }
  const chargedAt = timeMs(transaction.chargedAt);
  if (chargedAt === null) throw new ProjectionError('payload.transaction.chargedAt is missing or not a time');
  const amount = money(transaction.amount, 'payload.transaction.amount');
  return {
    [INVOICE_EVENTS]: [
      {
        ...baseColumns(env),
        student_id: requiredText(student, '_id', 'payload.student'),
        classroom_id: requiredText(classroom, '_id', 'payload.classroom'),
        instalment_key: instalmentKey(installmentId, index ?? -1),
        instalment_index: index,
        installment_id: installmentId,
        amount_minor: amount.amount_minor,
        currency: amount.currency,
        charged_at: toDateTime(chargedAt),
        due_on: toNullableDateTime(timeMs(metadata.dueOn)),
        // Wise's flag as sent with this invoice; no webhook reports a later payment of it.
        paid: typeof metadata.paid === 'boolean' ? (metadata.paid ? 1 : 0) : null,
        fee_type: text(metadata.feeType),
        status: text(transaction.status),
        note: text(transaction.note),
        at_ms: envelopeTimeMs(env),
        student_name: text(student.name).trim(),
        classroom_name: text(classroom.name),
      },
    ],
  };
}

/**
 * FeePaymentCompletedEvent: keyed by transaction._id. It carries no time: paid_at is the envelope's
 * occurredAt, else the receipt of its earliest delivery (min over copies in the views).
 */
export function projectPayment(env: Envelope): ProjectedRows {
  const payload = payloadOf(env);
  const classroom = objectAt(payload, 'classroom');
  const student = objectAt(payload, 'student');
  const transaction = objectAt(payload, 'transaction');
  const amount = money(transaction.amount, 'payload.transaction.amount');
  return {
    [PAYMENT_EVENTS]: [
      {
        ...baseColumns(env),
        transaction_id: requiredText(transaction, '_id', 'payload.transaction'),
        classroom_id: requiredText(classroom, '_id', 'payload.classroom'),
        student_id: requiredText(student, '_id', 'payload.student'),
        amount_minor: amount.amount_minor,
        currency: amount.currency,
        payment_type: text(payload.type),
        paid_at_ms: envelopeTimeMs(env),
        student_name: text(student.name).trim(),
        classroom_name: text(classroom.name),
      },
    ],
  };
}
