import type { Envelope } from '@wise/contracts';
import {
  baseColumns,
  envelopeTimeMs,
  objectAt,
  payloadOf,
  requiredText,
  text,
  timeMs,
  toDateTime,
  type ProjectedRows,
} from './projection.helpers';
import { CERTIFICATE_EVENTS } from './tables';

/** CertificateIssuedEvent: issued on `issuedOn`, else the event's time, else its earliest receipt. */
export function projectCertificate(env: Envelope): ProjectedRows {
  const payload = payloadOf(env);
  const classroom = objectAt(payload, 'classroom');
  const student = objectAt(payload, 'student');
  const certificate = objectAt(payload, 'certificate');
  return {
    [CERTIFICATE_EVENTS]: [
      {
        ...baseColumns(env),
        certificate_id: requiredText(certificate, '_id', 'payload.certificate'),
        classroom_id: requiredText(classroom, '_id', 'payload.classroom'),
        student_id: requiredText(student, '_id', 'payload.student'),
        certificate_number: text(certificate.certificateNumber),
        url: text(certificate.url),
        issued_at: toDateTime(timeMs(certificate.issuedOn) ?? envelopeTimeMs(env)),
        student_name: text(student.name).trim(),
        classroom_name: text(classroom.name),
      },
    ],
  };
}
