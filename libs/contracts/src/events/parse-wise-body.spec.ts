import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WISE_EVENT_NAMES, type WiseEventName } from './event-names';
import { parseWiseBody, type EventLinks, type ParseResult } from './parse-wise-body';

const FIXTURES = join(__dirname, '../../../testing/fixtures/wise');
const rawFixture = (name: WiseEventName): string => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: WiseEventName): any => JSON.parse(rawFixture(name));

const CLASS = '665f1c2a9b1e4a0012345601';
const SESSION = '665f1c2a9b1e4a00123456a1';
const SESSION2 = '665f1c2a9b1e4a00123456a2';
const STUDENT = '665f1c2a9b1e4a0012345611';
const TEACHER = '665f1c2a9b1e4a0012345621';
const at = (iso: string): number => Date.parse(iso);

function expectOk(r: ParseResult): Extract<ParseResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r;
}

function expectFail(r: ParseResult): Extract<ParseResult, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ok for ${r.eventName}`);
  return r;
}

describe('parseWiseBody: every fixture', () => {
  const cases: [WiseEventName, EventLinks, string | null][] = [
    ['MeetingStartedEvent', { occurredAtMs: at('2024-06-04T13:30:12.345Z'), sessionId: SESSION, classroomId: null, userId: null }, SESSION],
    ['MeetingEndedEvent', { occurredAtMs: at('2024-06-04T14:31:02.118Z'), sessionId: SESSION, classroomId: null, userId: null }, SESSION],
    [
      'ParticipantJoinedMeetingEvent',
      { occurredAtMs: at('2024-06-04T13:31:05Z'), sessionId: SESSION, classroomId: null, userId: null },
      SESSION,
    ],
    [
      'ParticipantLeftMeetingEvent',
      { occurredAtMs: at('2024-06-04T14:28:40Z'), sessionId: SESSION, classroomId: null, userId: null },
      SESSION,
    ],
    [
      'SharingStaredInMeetingEvent',
      { occurredAtMs: at('2024-06-04T13:40:00Z'), sessionId: SESSION, classroomId: null, userId: null },
      SESSION,
    ],
    [
      'SharingEndedInMeetingEvent',
      { occurredAtMs: at('2024-06-04T13:52:30Z'), sessionId: SESSION, classroomId: null, userId: null },
      SESSION,
    ],
    ['RecordingCompletedEvent', { occurredAtMs: null, sessionId: SESSION, classroomId: null, userId: TEACHER }, SESSION],
    ['AttendanceComputedEvent', { occurredAtMs: null, sessionId: SESSION, classroomId: CLASS, userId: TEACHER }, SESSION],
    ['StudentAddedToClassroomEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: STUDENT }, CLASS],
    ['TeacherAddedToClassroomEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: TEACHER }, CLASS],
    ['StudentRemovedFromClassroomEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: STUDENT }, CLASS],
    ['TeacherRemovedFromClassroomEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: TEACHER }, CLASS],
    ['StudentSuspensionUpdatedEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: STUDENT }, CLASS],
    ['FeePaymentCompletedEvent', { occurredAtMs: null, sessionId: null, classroomId: CLASS, userId: STUDENT }, CLASS],
    [
      'FeeInvoiceChargedEvent',
      { occurredAtMs: at('2024-06-01T07:48:49.911Z'), sessionId: null, classroomId: CLASS, userId: STUDENT },
      CLASS,
    ],
    [
      'CertificateIssuedEvent',
      { occurredAtMs: at('2024-06-30T10:00:00.000Z'), sessionId: null, classroomId: CLASS, userId: STUDENT },
      CLASS,
    ],
    // Two sessions: the event names no single session, and is ordered by classroom.
    ['SessionsCreatedEvent', { occurredAtMs: at('2024-06-01T09:15:22.481Z'), sessionId: null, classroomId: CLASS, userId: null }, CLASS],
    // Sparse patch without updatedAt: no time of its own.
    ['SessionsUpdatedEvent', { occurredAtMs: null, sessionId: SESSION, classroomId: CLASS, userId: null }, CLASS],
    [
      'SessionsDeletedEvent',
      { occurredAtMs: at('2024-06-05T08:02:11.907Z'), sessionId: SESSION2, classroomId: CLASS, userId: TEACHER },
      CLASS,
    ],
  ];

  it('covers every event of WISE_EVENT_NAMES', () => {
    expect(cases.map(([n]) => n).sort()).toEqual([...WISE_EVENT_NAMES].sort());
  });

  it.each(cases)('%s parses with its links', (name, links, orderingEntity) => {
    const r = expectOk(parseWiseBody(rawFixture(name)));
    expect(r.eventName).toBe(name);
    expect(r.links).toEqual(links);
    expect(r.orderingEntity).toBe(orderingEntity);
    expect(r.body).toEqual(fixture(name));
  });

  it('accepts a Buffer as well as a string', () => {
    const r = expectOk(parseWiseBody(Buffer.from(rawFixture('FeeInvoiceChargedEvent'), 'utf8')));
    expect(r.eventName).toBe('FeeInvoiceChargedEvent');
  });

  it('ignores a leading byte-order mark', () => {
    expect(parseWiseBody(`\uFEFF${rawFixture('MeetingStartedEvent')}`).ok).toBe(true);
  });
});

describe('parseWiseBody: links', () => {
  it('reads event_ts from the top level when payload has none', () => {
    const b = fixture('MeetingStartedEvent');
    const ts = b.payload.event_ts;
    delete b.payload.event_ts;
    b.event_ts = ts;
    expect(expectOk(parseWiseBody(JSON.stringify(b))).links.occurredAtMs).toBe(ts);
  });

  it('prefers payload.event_ts over the top level one', () => {
    const b = fixture('MeetingStartedEvent');
    b.event_ts = b.payload.event_ts - 60_000;
    expect(expectOk(parseWiseBody(JSON.stringify(b))).links.occurredAtMs).toBe(b.payload.event_ts);
  });

  it.each<[WiseEventName, string, number]>([
    ['MeetingStartedEvent', 'start_time', at('2024-06-04T13:30:12Z')],
    ['MeetingEndedEvent', 'end_time', at('2024-06-04T14:31:02Z')],
  ])('%s falls back to object.%s without event_ts', (name, _field, expected) => {
    const b = fixture(name);
    delete b.event_ts;
    delete b.payload.event_ts;
    expect(expectOk(parseWiseBody(JSON.stringify(b))).links.occurredAtMs).toBe(expected);
  });

  it('sharing falls back to event_ts without sharing_details.date_time', () => {
    const b = fixture('SharingEndedInMeetingEvent');
    delete b.payload.payload.object.participant.sharing_details.date_time;
    expect(expectOk(parseWiseBody(JSON.stringify(b))).links.occurredAtMs).toBe(b.payload.event_ts);
  });

  it('a sessions event with one session names it, and its creator', () => {
    const b = fixture('SessionsCreatedEvent');
    b.payload.sessions.pop();
    const r = expectOk(parseWiseBody(JSON.stringify(b)));
    expect(r.links).toMatchObject({ sessionId: SESSION, classroomId: CLASS, userId: TEACHER });
    expect(r.orderingEntity).toBe(CLASS);
  });

  it('a sessions update dates itself by the latest updatedAt of its items', () => {
    const b = fixture('SessionsUpdatedEvent');
    b.payload.sessions = [
      { _id: SESSION, classId: CLASS, updatedAt: '2024-06-02T10:00:00Z' },
      { _id: SESSION2, classId: CLASS, updatedAt: '2024-06-03T10:00:00Z' },
    ];
    expect(expectOk(parseWiseBody(JSON.stringify(b))).links.occurredAtMs).toBe(at('2024-06-03T10:00:00Z'));
  });

  it('accepts the masked ids of Wise published sample', () => {
    const b = fixture('FeeInvoiceChargedEvent');
    b.payload.classroom._id = 'XXXXXXXXXXXXXXX';
    b.payload.student._id = 'XXXXXXXXXXXXXXX';
    b.payload.transaction.metadata.classId = 'XXXXXXXXXXXXXXX';
    const r = expectOk(parseWiseBody(JSON.stringify(b)));
    expect(r.links).toMatchObject({ classroomId: 'XXXXXXXXXXXXXXX', userId: 'XXXXXXXXXXXXXXX' });
  });
});

describe('parseWiseBody: rejections', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const edit = (name: WiseEventName, change: (b: any) => void): string => {
    const b = fixture(name);
    change(b);
    return JSON.stringify(b);
  };

  it.each<[string, string | Buffer, string | RegExp, string | null]>([
    ['malformed JSON', '{"event": "MeetingStartedEvent",', /^body is not valid JSON: \S/, null],
    ['empty body', '', /^body is not valid JSON: /, null],
    ['empty Buffer', Buffer.alloc(0), /^body is not valid JSON: /, null],
    ['array body', '[{"event":"MeetingStartedEvent","payload":{}}]', 'body is not a JSON object (got an array)', null],
    ['null body', 'null', 'body is not a JSON object (got null)', null],
    ['string body', '"MeetingStartedEvent"', 'body is not a JSON object (got a string)', null],
    ['missing event', '{"payload":{}}', 'body has no "event" field', null],
    ['non-string event', '{"event":7,"payload":{}}', 'body\'s "event" is not a string (got a number)', null],
    [
      'unknown event',
      '{"event":"LessonBookedEvent","payload":{}}',
      `unknown event name "LessonBookedEvent" (known: ${WISE_EVENT_NAMES.length} Wise events)`,
      'LessonBookedEvent',
    ],
    [
      'wrong case',
      '{"event":"meetingStartedEvent","payload":{}}',
      `unknown event name "meetingStartedEvent" (known: ${WISE_EVENT_NAMES.length} Wise events)`,
      'meetingStartedEvent',
    ],
    [
      'typo corrected',
      '{"event":"SharingStartedInMeetingEvent","payload":{}}',
      /^unknown event name "SharingStartedInMeetingEvent"/,
      'SharingStartedInMeetingEvent',
    ],
    ['inherited name', '{"event":"toString","payload":{}}', /^unknown event name "toString"/, 'toString'],
    ['missing payload', '{"event":"MeetingStartedEvent"}', 'MeetingStartedEvent: body has no "payload" field', 'MeetingStartedEvent'],
    [
      'array payload',
      '{"event":"MeetingStartedEvent","payload":[]}',
      'MeetingStartedEvent: body\'s "payload" is not an object (got an array)',
      'MeetingStartedEvent',
    ],
    [
      'money value as string',
      edit('FeeInvoiceChargedEvent', (b) => {
        b.payload.transaction.amount.value = '10000';
      }),
      'FeeInvoiceChargedEvent: payload.transaction.amount.value: expected a number, received a string',
      'FeeInvoiceChargedEvent',
    ],
    [
      'money value fractional',
      edit('FeePaymentCompletedEvent', (b) => {
        b.payload.transaction.amount.value = 100.5;
      }),
      'FeePaymentCompletedEvent: payload.transaction.amount.value: expected an integer, received a fraction',
      'FeePaymentCompletedEvent',
    ],
    [
      'money without currency',
      edit('StudentSuspensionUpdatedEvent', (b) => {
        delete b.payload.overDue.currency;
      }),
      'StudentSuspensionUpdatedEvent: payload.overDue.currency: is required',
      'StudentSuspensionUpdatedEvent',
    ],
    [
      'missing sessionId',
      edit('MeetingStartedEvent', (b) => {
        delete b.payload.sessionId;
      }),
      'MeetingStartedEvent: payload.sessionId: is required',
      'MeetingStartedEvent',
    ],
    [
      'empty sessionId',
      edit('RecordingCompletedEvent', (b) => {
        b.payload.sessionId = '';
      }),
      'RecordingCompletedEvent: payload.sessionId: must not be empty',
      'RecordingCompletedEvent',
    ],
    [
      'missing Zoom object',
      edit('ParticipantJoinedMeetingEvent', (b) => {
        delete b.payload.payload.object;
      }),
      'ParticipantJoinedMeetingEvent: payload.payload.object: is required',
      'ParticipantJoinedMeetingEvent',
    ],
    [
      'missing join_time',
      edit('ParticipantJoinedMeetingEvent', (b) => {
        delete b.payload.payload.object.participant.join_time;
      }),
      'ParticipantJoinedMeetingEvent: payload.payload.object.participant.join_time: is required',
      'ParticipantJoinedMeetingEvent',
    ],
    [
      'participant with neither email nor name',
      edit('ParticipantLeftMeetingEvent', (b) => {
        delete b.payload.payload.object.participant.email;
        b.payload.payload.object.participant.user_name = ' ';
      }),
      'ParticipantLeftMeetingEvent: payload.payload.object.participant: needs a non-empty email or user_name',
      'ParticipantLeftMeetingEvent',
    ],
    [
      'sharing participant with empty email and name',
      edit('SharingEndedInMeetingEvent', (b) => {
        b.payload.payload.object.participant.email = '';
        b.payload.payload.object.participant.user_name = '';
      }),
      'SharingEndedInMeetingEvent: payload.payload.object.participant: needs a non-empty email or user_name',
      'SharingEndedInMeetingEvent',
    ],
    [
      'garbage leave_time',
      edit('ParticipantLeftMeetingEvent', (b) => {
        b.payload.payload.object.participant.leave_time = 'soon';
      }),
      'ParticipantLeftMeetingEvent: payload.payload.object.participant.leave_time: expected an ISO-8601 time or an epoch number',
      'ParticipantLeftMeetingEvent',
    ],
    [
      'garbage event_ts',
      edit('MeetingEndedEvent', (b) => {
        b.event_ts = 'now';
      }),
      'MeetingEndedEvent: event_ts: expected an ISO-8601 time or an epoch number',
      'MeetingEndedEvent',
    ],
    [
      'meeting with no time at all',
      edit('MeetingStartedEvent', (b) => {
        delete b.payload.event_ts;
        delete b.payload.payload.object.start_time;
      }),
      'MeetingStartedEvent: payload.payload.object.start_time: is required when the event has no event_ts',
      'MeetingStartedEvent',
    ],
    [
      'sharing with no time at all',
      edit('SharingStaredInMeetingEvent', (b) => {
        delete b.payload.event_ts;
        delete b.payload.payload.object.participant.sharing_details;
      }),
      'SharingStaredInMeetingEvent: payload.payload.object.participant.sharing_details.date_time: is required when the event has no event_ts',
      'SharingStaredInMeetingEvent',
    ],
    [
      'invoice without chargedAt',
      edit('FeeInvoiceChargedEvent', (b) => {
        delete b.payload.transaction.chargedAt;
      }),
      'FeeInvoiceChargedEvent: payload.transaction.chargedAt: is required',
      'FeeInvoiceChargedEvent',
    ],
    [
      'invoice without instalment index',
      edit('FeeInvoiceChargedEvent', (b) => {
        delete b.payload.transaction.metadata.index;
      }),
      'FeeInvoiceChargedEvent: payload.transaction.metadata.index: is required',
      'FeeInvoiceChargedEvent',
    ],
    [
      'suspended as a string',
      edit('StudentSuspensionUpdatedEvent', (b) => {
        b.payload.suspended = 'true';
      }),
      'StudentSuspensionUpdatedEvent: payload.suspended: expected a boolean, received a string',
      'StudentSuspensionUpdatedEvent',
    ],
    [
      'student without id',
      edit('StudentAddedToClassroomEvent', (b) => {
        delete b.payload.student._id;
      }),
      'StudentAddedToClassroomEvent: payload.student._id: is required',
      'StudentAddedToClassroomEvent',
    ],
    [
      'classroom is null',
      edit('TeacherAddedToClassroomEvent', (b) => {
        b.payload.classroom = null;
      }),
      'TeacherAddedToClassroomEvent: payload.classroom: expected an object, received null',
      'TeacherAddedToClassroomEvent',
    ],
    [
      'negative partIndex',
      edit('RecordingCompletedEvent', (b) => {
        b.payload.recordings[1].partIndex = -1;
      }),
      'RecordingCompletedEvent: payload.recordings[1].partIndex: must be >= 0',
      'RecordingCompletedEvent',
    ],
    [
      'recording without url',
      edit('RecordingCompletedEvent', (b) => {
        delete b.payload.recordings[0].url;
      }),
      'RecordingCompletedEvent: payload.recordings[0].url: is required',
      'RecordingCompletedEvent',
    ],
    [
      'no sessions',
      edit('SessionsCreatedEvent', (b) => {
        b.payload.sessions = [];
      }),
      'SessionsCreatedEvent: payload.sessions: expected at least 1 item(s)',
      'SessionsCreatedEvent',
    ],
    [
      'sparse update without classId',
      edit('SessionsUpdatedEvent', (b) => {
        delete b.payload.sessions[0].classId;
      }),
      'SessionsUpdatedEvent: payload.sessions[0].classId: is required',
      'SessionsUpdatedEvent',
    ],
    [
      'attendance without session id',
      edit('AttendanceComputedEvent', (b) => {
        delete b.payload.session._id;
      }),
      'AttendanceComputedEvent: payload.session._id: is required',
      'AttendanceComputedEvent',
    ],
    [
      'certificate with garbage issuedOn',
      edit('CertificateIssuedEvent', (b) => {
        b.payload.certificate.issuedOn = 'last week';
      }),
      'CertificateIssuedEvent: payload.certificate.issuedOn: expected an ISO-8601 time or an epoch number',
      'CertificateIssuedEvent',
    ],
    [
      'certificate number of another type',
      edit('CertificateIssuedEvent', (b) => {
        b.payload.certificate.certificateNumber = { n: 1 };
      }),
      'CertificateIssuedEvent: payload.certificate.certificateNumber: has an unexpected type (an object)',
      'CertificateIssuedEvent',
    ],
  ])('%s', (_label, raw, reason, eventName) => {
    const r = expectFail(parseWiseBody(raw));
    if (typeof reason === 'string') expect(r.reason).toBe(reason);
    else expect(r.reason).toMatch(reason);
    expect(r.eventName).toBe(eventName);
  });

  it('lists several failing paths, joined with "; "', () => {
    const raw = edit('FeeInvoiceChargedEvent', (b) => {
      delete b.payload.student._id;
      b.payload.transaction.amount.value = 1.5;
    });
    expect(expectFail(parseWiseBody(raw)).reason).toBe(
      'FeeInvoiceChargedEvent: payload.student._id: is required; payload.transaction.amount.value: expected an integer, received a fraction',
    );
  });

  it('caps the list at five issues and counts the rest', () => {
    const raw = JSON.stringify({ event: 'SessionsDeletedEvent', payload: { sessions: Array.from({ length: 4 }, () => ({})) } });
    const { reason } = expectFail(parseWiseBody(raw));
    expect(reason.split('; ')).toHaveLength(6);
    expect(reason).toMatch(/; and 3 more$/);
  });

  it('shortens an absurdly long unknown name', () => {
    const { reason, eventName } = expectFail(parseWiseBody(JSON.stringify({ event: 'A'.repeat(5000), payload: {} })));
    expect(reason.length).toBeLessThan(200);
    expect(eventName).toHaveLength(5000);
  });

  it('never puts field values into a reason (they may be emails)', () => {
    const raw = edit('StudentAddedToClassroomEvent', (b) => {
      b.payload.student.email = 42;
      b.payload.student._id = ['vishwas.sen@example.com'];
    });
    const { reason } = expectFail(parseWiseBody(raw));
    expect(reason).not.toContain('example.com');
    expect(reason).not.toContain('42');
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const deep = `{"event":"MeetingStartedEvent","payload":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    expect(expectFail(parseWiseBody(deep)).reason).toBe('MeetingStartedEvent: body nests deeper than 64 levels');
  });
});
