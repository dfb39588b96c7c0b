import { z } from 'zod';
import {
  classroomRef,
  money,
  optionalRefId,
  optionalText,
  optionalWiseTime,
  personRef,
  wiseEvent,
  wiseId,
  wiseTime,
} from './common.schemas';

/** A payment collected. It carries no time of its own: Wise's sample has none. */
export const feePaymentCompletedSchema = wiseEvent(
  'FeePaymentCompletedEvent',
  z.looseObject({
    type: optionalText,
    classroom: classroomRef,
    student: personRef,
    transaction: z.looseObject({
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
  z.looseObject({
    classroom: classroomRef,
    student: personRef,
    transaction: z.looseObject({
      status: optionalText,
      type: optionalText,
      senderId: optionalRefId,
      receiverId: optionalRefId,
      chargedAt: wiseTime,
      amount: money,
      note: optionalText,
      metadata: z.looseObject({
        classId: optionalRefId,
        dueOn: optionalWiseTime,
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
