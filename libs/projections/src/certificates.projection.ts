import type { Envelope } from '@wise/contracts';
import { baseColumns, envelopeTimeMs, text, timeMs, toDateTime } from './columns';
import { CERTIFICATE_EVENTS, type ProjectedRows } from './projected-tables';

/** CertificateIssuedEvent: issued on `issuedOn`, else the event's time, else its earliest receipt. */
export function projectCertificate(env: Envelope<'CertificateIssuedEvent'>): ProjectedRows {
  const { classroom, student, certificate } = env.body.payload;
  return {
    [CERTIFICATE_EVENTS]: [
      {
        ...baseColumns(env),
        certificate_id: certificate._id,
        classroom_id: classroom._id,
        student_id: student._id,
        certificate_number: text(certificate.certificateNumber),
        url: certificate.url ?? '',
        issued_at: toDateTime(timeMs(certificate.issuedOn) ?? envelopeTimeMs(env)),
        student_name: (student.name ?? '').trim(),
        classroom_name: classroom.name ?? '',
      },
    ],
  };
}
