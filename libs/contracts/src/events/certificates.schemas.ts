import { z } from 'zod';
import { classroomRef, optionalText, optionalWiseTime, personRef, wiseEvent, wiseId } from './common.schemas';

export const certificateIssuedSchema = wiseEvent(
  'CertificateIssuedEvent',
  z.looseObject({
    classroom: classroomRef,
    student: personRef,
    certificate: z.looseObject({
      _id: wiseId,
      // A number or a formatted string: the samples do not say which, and analytics only shows it.
      certificateNumber: z.union([z.string(), z.number()]).nullish(),
      url: optionalText,
      issuedOn: optionalWiseTime,
    }),
  }),
);
