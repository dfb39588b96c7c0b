import { z } from 'zod';
import {
  classroomRef,
  money,
  optionalRefId,
  optionalText,
  optionalPlannedTime,
  personRef,
  wiseEvent,
  wiseId,
  wiseObject,
  wiseTime,
} from './common.schemas';

/** A payment collected. It carries no time of its own: Wise's sample has none. */
export const feePaymentCompletedSchema = wiseEvent(
  'FeePaymentCompletedEvent',
  wiseObject({
    type: optionalText,
    classroom: classroomRef,
    student: personRef,
    transaction: wiseObject({
      _id: wiseId,
      amount: money,
    }),
  }),
);

/*
 * An instalment invoiced. There is no transaction id, and Wise re-sends the event for every
 * instalment whenever one is added: `metadata.index` (with installmentId where Wise fills it) is
 * what names the instalment, so it is required, also when installmentId is given: every Wise
 * sample carries it, and the projection's `instalment_index` column then always has a value.
 */
export const feeInvoiceChargedSchema = wiseEvent(
  'FeeInvoiceChargedEvent',
  wiseObject({
    classroom: classroomRef,
    student: personRef,
    transaction: wiseObject({
      status: optionalText,
      type: optionalText,
      senderId: optionalRefId,
      receiverId: optionalRefId,
      chargedAt: wiseTime,
      amount: money,
      note: optionalText,
      metadata: wiseObject({
        classId: optionalRefId,
        dueOn: optionalPlannedTime,
        dueAfterDays: z.number().nullish(),
        paid: z.boolean().nullish(),
        index: z.number().int().nonnegative(),
        paymentOptionId: optionalRefId,
        installmentId: optionalRefId,
        feeType: optionalText,
        feeAssignedManually: z.boolean().nullish(),
      }),
    }),
  }),
);
