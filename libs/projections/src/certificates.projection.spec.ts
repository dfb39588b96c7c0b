import { projectCertificate } from './certificates.projection';
import { at, envelope, RECEIVED_S, refusal } from './projection.fixtures';
import { CERTIFICATE_EVENTS } from './projected-tables';

const body = (certificate: unknown) => ({
  event: 'CertificateIssuedEvent' as const,
  payload: { classroom: { _id: 'c1' }, student: { _id: 'u1' }, certificate },
});
const run = (certificate: unknown) => projectCertificate(envelope(body(certificate)))[CERTIFICATE_EVENTS]!;

describe('projectCertificate', () => {
  it.each([
    ['issued on issuedOn', { _id: 'k1', certificateNumber: 7, issuedOn: '2024-06-07T12:00:00Z' }, at('2024-06-07T12:00:00Z'), '7'],
    ['issued at receipt without issuedOn', { _id: 'k1', certificateNumber: 'C-1' }, RECEIVED_S, 'C-1'],
  ])('%s', (_case, certificate, issuedAt, number) => {
    expect(run(certificate)[0]).toMatchObject({
      certificate_id: 'k1',
      classroom_id: 'c1',
      student_id: 'u1',
      issued_at: issuedAt,
      certificate_number: number,
    });
  });
  it('refuses a certificate without _id', () => expect(refusal(body({}))).toMatch(/payload\.certificate\._id/));
});
