import { z } from 'zod';
import { classroomRef, optionalText, optionalWiseTime, personRef, wiseEvent, wiseId, wiseObject } from './common.schemas';

export const certificateIssuedSchema = wiseEvent(
  'CertificateIssuedEvent',
  wiseObject({
    classroom: classroomRef,
    student: personRef,
    certificate: wiseObject({
      _id: wiseId,
      // A number or a formatted string: the samples do not say which, and analytics only shows it.
      certificateNumber: z.union([z.string(), z.number()]).nullish(),
      url: optionalText,
      issuedOn: optionalWiseTime,
    }),
  }),
);
