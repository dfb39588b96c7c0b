import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WISE_EVENT_NAMES, type WiseEventName } from './event-names';
import { parseWiseBody } from './parse-wise-body';
import { WISE_EVENT_SCHEMAS } from './wise-event-schemas';

const FIXTURES = join(__dirname, '../../../testing/fixtures/wise');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: WiseEventName): any => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

const EXTRA = { addedByWiseLater: { nested: [1, 'two', null] } };

/** Adds EXTRA to every object of the body, at every depth. */
function withExtras(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withExtras);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = { ...EXTRA };
  for (const [k, x] of Object.entries(v)) out[k] = withExtras(x);
  return out;
}

describe('WISE_EVENT_SCHEMAS', () => {
  it('has exactly one schema per event name', () => {
    expect(Object.keys(WISE_EVENT_SCHEMAS).sort()).toEqual([...WISE_EVENT_NAMES].sort());
  });

  it.each(WISE_EVENT_NAMES.map((n) => [n]))('%s rejects a body of another event', (name) => {
    const other = WISE_EVENT_NAMES.find((n) => n !== name) as WiseEventName;
    expect(WISE_EVENT_SCHEMAS[name].safeParse(fixture(other)).success).toBe(false);
  });

  // zod's output is never read (it leaves unknown fields out, see wiseObject): what is kept is the
  // validated input, returned by parseWiseBody, and the raw bytes.
  it.each(WISE_EVENT_NAMES.map((n) => [n]))('%s accepts and keeps unknown fields at every depth', (name) => {
    const body = withExtras(fixture(name));
    expect(WISE_EVENT_SCHEMAS[name].safeParse(body).success).toBe(true);
    const r = parseWiseBody(JSON.stringify(body));
    expect(r.ok).toBe(true);
    expect(r.ok && r.body).toEqual(body);
  });
});

describe('what the schemas leave alone', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  it.each<[string, WiseEventName, (b: any) => void]>([
    [
      'a sparse update with only _id and classId',
      'SessionsUpdatedEvent',
      (b) => {
        b.payload.sessions = [{ _id: '665f1c2a9b1e4a00123456a1', classId: '665f1c2a9b1e4a0012345601' }];
      },
    ],
    [
      'a sparse update that only cancels',
      'SessionsUpdatedEvent',
      (b) => {
        b.payload.sessions = [{ _id: '665f1c2a9b1e4a00123456a1', classId: '665f1c2a9b1e4a0012345601', meetingStatus: 'CANCELLED' }];
      },
    ],
    [
      'a meeting status Wise may add later',
      'SessionsCreatedEvent',
      (b) => {
        b.payload.sessions[0].meetingStatus = 'RESCHEDULED';
      },
    ],
    [
      'a guest without email (Zoom sends "")',
      'ParticipantJoinedMeetingEvent',
      (b) => {
        b.payload.payload.object.participant.email = '';
      },
    ],
    [
      'a participant with a name but no email field',
      'ParticipantLeftMeetingEvent',
      (b) => {
        delete b.payload.payload.object.participant.email;
      },
    ],
    [
      'an in-meeting event with neither event_ts',
      'ParticipantJoinedMeetingEvent',
      (b) => {
        delete b.payload.event_ts;
      },
    ],
    [
      'event_ts in epoch seconds',
      'MeetingEndedEvent',
      (b) => {
        b.event_ts = 1717511462;
      },
    ],
    [
      'Zoom times as epoch numbers',
      'ParticipantLeftMeetingEvent',
      (b) => {
        b.payload.payload.object.participant.leave_time = 1717511320000;
      },
    ],
    [
      'a numeric Zoom meeting id or a string one',
      'MeetingStartedEvent',
      (b) => {
        b.payload.payload.object.id = '85746352810';
      },
    ],
    [
      'an unsuspension without overDue or teacher',
      'StudentSuspensionUpdatedEvent',
      (b) => {
        b.payload.suspended = false;
        b.payload.reason = 'SUSPEND';
        delete b.payload.overDue;
        delete b.payload.teacher;
      },
    ],
    [
      'overDue null',
      'StudentSuspensionUpdatedEvent',
      (b) => {
        b.payload.overDue = null;
      },
    ],
    [
      'a suspension reason Wise may add later',
      'StudentSuspensionUpdatedEvent',
      (b) => {
        b.payload.reason = 'MANUAL';
      },
    ],
    [
      'an invoice with empty installmentId (one-time fee)',
      'FeeInvoiceChargedEvent',
      (b) => {
        b.payload.transaction.metadata.installmentId = '';
        b.payload.transaction.metadata.feeType = 'ONE_TIME';
      },
    ],
    [
      'a payment of another currency',
      'FeePaymentCompletedEvent',
      (b) => {
        b.payload.transaction.amount = { value: 4999, currency: 'USD' };
      },
    ],
    [
      'a zero amount',
      'FeePaymentCompletedEvent',
      (b) => {
        b.payload.transaction.amount.value = 0;
      },
    ],
    [
      'a numeric certificate number',
      'CertificateIssuedEvent',
      (b) => {
        b.payload.certificate.certificateNumber = 117;
      },
    ],
    [
      'a certificate without issuedOn',
      'CertificateIssuedEvent',
      (b) => {
        delete b.payload.certificate.issuedOn;
      },
    ],
    [
      'a recording without parts',
      'RecordingCompletedEvent',
      (b) => {
        b.payload.recordings = [];
      },
    ],
    [
      'a fractional recording duration',
      'RecordingCompletedEvent',
      (b) => {
        b.payload.recordings[0].duration = 1835.4;
      },
    ],
    [
      'a removal without the remove flag',
      'StudentRemovedFromClassroomEvent',
      (b) => {
        delete b.payload.remove;
      },
    ],
    [
      'attendance with only the session id',
      'AttendanceComputedEvent',
      (b) => {
        b.payload.session = { _id: '665f1c2a9b1e4a00123456a1' };
      },
    ],
  ])('accepts %s', (_label, name, change) => {
    const b = fixture(name);
    change(b);
    const r = parseWiseBody(JSON.stringify(b));
    expect(r.ok ? 'ok' : r.reason).toBe('ok');
  });
});
