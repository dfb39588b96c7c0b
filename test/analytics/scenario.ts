/*
 * "A classroom week": the events an institute's Wise account would send for one week of two
 * classrooms, in the order they were received. Read it top to bottom; expected.ts works out, by
 * hand, what the analytics views must say about it.
 *
 * All times are UTC. Monday 2024-06-03 to Friday 2024-06-07.
 */
import { deriveEventId, ENVELOPE_SCHEMA_VERSION, parseWiseBody, type Envelope } from '@wise/contracts';

export const INSTITUTE = 'acme-academy';

// Wise ids are 24-hex; these are readable ones.
export const C1 = '665f000000000000000c1001'; // Physics 10
export const C2 = '665f000000000000000c2002'; // Chemistry 11
export const S1 = '665f0000000000000005e001'; // Mon, held
export const S2 = '665f0000000000000005e002'; // Tue, renamed, held
export const S3 = '665f0000000000000005e003'; // Wed, cancelled by update
export const S4 = '665f0000000000000005e004'; // Thu, held (after Chitra left)
export const S5 = '665f0000000000000005e005'; // Fri, deleted
export const S6 = '665f0000000000000005e006'; // Tue, Chemistry, meeting end never arrives

export const TEACHER = { _id: '665f0000000000000000aa01', name: 'Tara Teacher', email: 'tara@acme.test' };
export const ALICE = { _id: '665f0000000000000000bb01', name: 'Alice Anand', email: 'alice@acme.test' };
export const BOB = { _id: '665f0000000000000000bb02', name: 'Bob Bose', email: 'bob@acme.test' };
export const CHITRA = { _id: '665f0000000000000000bb03', name: 'Chitra Rao', email: 'chitra@acme.test' };
export const DEV = { _id: '665f0000000000000000bb04', name: 'Dev Mehta', email: 'dev@acme.test' };
export const ERIN = { _id: '665f0000000000000000bb05', name: 'Erin Iyer', email: 'erin@acme.test' };

const PHYSICS = { _id: C1, name: 'Physics 10', subject: 'Physics', classNumber: 1001 };
const CHEMISTRY = { _id: C2, name: 'Chemistry 11', subject: 'Chemistry', classNumber: 2002 };

export type Body = { event: string; payload: Record<string, unknown>; [k: string]: unknown };

/** The envelope ingestion would publish for `body` received at `receivedAt` (ISO, UTC). */
export function envelopeOf(body: Body, receivedAt: string, instituteId = INSTITUTE): Envelope {
  const raw = Buffer.from(JSON.stringify(body));
  const parsed = parseWiseBody(raw);
  if (!parsed.ok) throw new Error(`scenario body refused by the contract: ${parsed.reason}`);
  return {
    v: ENVELOPE_SCHEMA_VERSION,
    eventId: deriveEventId(instituteId, raw),
    instituteId,
    eventName: parsed.eventName,
    receivedAt: Date.parse(receivedAt),
    occurredAt: parsed.links.occurredAtMs,
    sessionId: parsed.links.sessionId,
    classroomId: parsed.links.classroomId,
    userId: parsed.links.userId,
    body: JSON.parse(raw.toString('utf8')),
  };
}

export const ev = (event: string, payload: Record<string, unknown>): Body => ({ event, payload });
const day = (d: string, hm: string) => `2024-06-${d}T${hm}:00Z`;

function session(id: string, classId: string, d: string, title: string, from = '10:00', to = '11:00') {
  return {
    _id: id,
    classId,
    userId: TEACHER._id,
    createdAt: '2024-06-01T10:00:00.000Z',
    meetingStatus: 'UPCOMING',
    type: 'SCHEDULED',
    title,
    scheduledStartTime: day(d, from),
    scheduledEndTime: day(d, to),
  };
}

/** A Zoom-shaped in-meeting body (MeetingStarted/Ended, Participant*, Sharing*). */
export function zoom(event: string, sessionId: string, at: string, object: Record<string, unknown>): Body {
  return ev(event, {
    sessionId,
    event: `meeting.${event}`,
    event_ts: Date.parse(at),
    payload: {
      account_id: 'acct-1',
      object: { id: 85746352810, uuid: `uuid-${sessionId}`, host_id: 'host-1', topic: 'Physics 10', type: 2, ...object },
    },
  });
}

/** MeetingStarted at `at` (Zoom's start_time), or MeetingEnded at `at` (without the start, which this helper does not know). */
export const meeting = (kind: 'Started' | 'Ended', s: string, at: string) =>
  zoom(`Meeting${kind}Event`, s, at, kind === 'Started' ? { start_time: at, duration: 60 } : { end_time: at, duration: 60 });

/** A Zoom connection: `device` is Zoom's per-connection user_id. */
export type Who = { name: string; email: string; device: string };
const person = (w: Who) => ({ id: '', user_id: w.device, user_name: w.name, participant_uuid: `pu-${w.device}`, email: w.email });
export const join = (s: string, w: Who, at: string) =>
  zoom('ParticipantJoinedMeetingEvent', s, at, { participant: { ...person(w), join_time: at } });
export const leave = (s: string, w: Who, at: string) =>
  zoom('ParticipantLeftMeetingEvent', s, at, { participant: { ...person(w), leave_time: at, leave_reason: 'left the meeting' } });
const share = (kind: 'Stared' | 'Ended', s: string, w: Who, at: string, content: string) =>
  zoom(`Sharing${kind}InMeetingEvent`, s, at, {
    participant: { ...person(w), sharing_details: { content, source: 'in_meeting', link_source: '', file_link: '', date_time: at } },
  });

const tara = (device: string): Who => ({ name: TEACHER.name, email: TEACHER.email, device });
const aliceLaptop: Who = { name: ALICE.name, email: ALICE.email, device: 'alice-laptop' };
const alicePhone: Who = { name: ALICE.name, email: ALICE.email, device: 'alice-phone' };
const bob = (device: string): Who => ({ name: BOB.name, email: BOB.email, device });
const chitra = (device: string): Who => ({ name: CHITRA.name, email: CHITRA.email, device });
// Dev joins as a guest without email: matched by name (case-insensitive).
const devGuest = (name: string, device: string): Who => ({ name, email: '', device });
const guest: Who = { name: 'Guest Visitor', email: 'Guest@Other.test', device: 'guest-1' };
const erin: Who = { name: ERIN.name, email: ERIN.email, device: 'erin-1' };

export const member = (kind: string, classroom: object, who: object, extra: Record<string, unknown> = {}) =>
  ev(kind, { classroom, [kind.startsWith('Teacher') ? 'teacher' : 'student']: who, ...extra });

export function invoice(
  student: object,
  classroom: { _id: string },
  installmentId: string,
  index: number,
  value: number,
  currency: string,
  chargedAt: string,
) {
  return ev('FeeInvoiceChargedEvent', {
    classroom,
    student,
    transaction: {
      status: 'CHARGED',
      type: 'INVOICE',
      senderId: (student as { _id: string })._id,
      receiverId: 'inst-acct',
      chargedAt,
      amount: { value, currency },
      note: `Invoice for Installment ${index}`,
      metadata: {
        classId: classroom._id,
        dueOn: '2024-06-30T00:00:00.000Z',
        dueAfterDays: 30,
        paid: false,
        index,
        paymentOptionId: '',
        installmentId,
        feeType: 'INSTALLMENT',
        feeAssignedManually: true,
      },
    },
  });
}
export const payment = (student: object, classroom: object, id: string, value: number, currency: string) =>
  ev('FeePaymentCompletedEvent', { type: 'OFFLINE', classroom, student, transaction: { _id: id, amount: { value, currency } } });
const suspension = (student: object, suspended: boolean, reason: string, overDue?: { value: number; currency: string }) =>
  ev('StudentSuspensionUpdatedEvent', {
    reason,
    suspended,
    ...(overDue ? { overDue } : {}),
    classroom: PHYSICS,
    student,
    teacher: TEACHER,
  });

/** [body, receivedAt] in the order Wise delivered them. */
const DELIVERIES: Array<[Body, string]> = [
  // Saturday: roster. Membership events carry no time: receivedAt places them.
  [member('TeacherAddedToClassroomEvent', PHYSICS, TEACHER), day('01', '09:00')],
  [member('StudentAddedToClassroomEvent', PHYSICS, ALICE), day('01', '09:05')],
  [member('StudentAddedToClassroomEvent', PHYSICS, BOB), day('01', '09:05')],
  [member('StudentAddedToClassroomEvent', PHYSICS, CHITRA), day('01', '09:06')],
  [member('StudentAddedToClassroomEvent', PHYSICS, DEV), day('01', '09:06')],
  [member('StudentAddedToClassroomEvent', CHEMISTRY, ERIN), day('01', '09:07')],
  // One event creates the Physics week; another the Chemistry session.
  [
    ev('SessionsCreatedEvent', {
      sessions: [
        session(S1, C1, '03', 'Optics 1'),
        session(S2, C1, '04', 'Optics 2'),
        session(S3, C1, '05', 'Optics 3'),
        session(S4, C1, '06', 'Optics 4'),
        session(S5, C1, '07', 'Optics 5'),
      ],
    }),
    day('01', '10:00'),
  ],
  [ev('SessionsCreatedEvent', { sessions: [session(S6, C2, '04', 'Titration', '15:00', '16:00')] }), day('01', '10:01')],
  // Fees: first instalments.
  [invoice(ALICE, PHYSICS, 'inst-a0', 0, 500000, 'INR', '2024-06-01T08:00:00.000Z'), day('01', '11:00')],
  [invoice(BOB, PHYSICS, '', 0, 300000, 'INR', '2024-06-01T08:30:00.000Z'), day('01', '11:01')],
  [invoice(ERIN, CHEMISTRY, 'inst-e0', 0, 15000, 'USD', '2024-06-02T09:00:00.000Z'), day('02', '09:00')],
  [suspension(BOB, true, 'FEE_DELAY', { value: 300000, currency: 'INR' }), day('02', '09:30')],
  // S2 renamed twice: the patch with the later updatedAt wins, although it is delivered first.
  [
    ev('SessionsUpdatedEvent', {
      sessions: [
        { _id: S2, classId: C1, createdAt: '2024-06-01T10:00:00.000Z', updatedAt: '2024-06-02T08:00:00.000Z', title: 'Optics 2: Lenses' },
      ],
    }),
    day('02', '08:00'),
  ],
  [
    ev('SessionsUpdatedEvent', {
      sessions: [
        { _id: S2, classId: C1, createdAt: '2024-06-01T10:00:00.000Z', updatedAt: '2024-06-01T12:00:00.000Z', title: 'Optics 2 (draft)' },
      ],
    }),
    day('02', '12:00'),
  ],
  // Monday S1: meeting 10:02-11:00.
  [meeting('Started', S1, day('03', '10:02')), day('03', '10:02')],
  [join(S1, aliceLaptop, day('03', '10:00')), day('03', '10:02')],
  [join(S1, tara('tara-1'), day('03', '10:01')), day('03', '10:02')],
  [join(S1, bob('bob-1'), day('03', '10:05')), day('03', '10:05')],
  [share('Stared', S1, tara('tara-1'), day('03', '10:05'), 'desktop'), day('03', '10:05')],
  [join(S1, chitra('chitra-1'), day('03', '10:10')), day('03', '10:10')],
  [join(S1, guest, day('03', '10:15')), day('03', '10:15')],
  [join(S1, devGuest('Dev Mehta', 'dev-1'), day('03', '10:20')), day('03', '10:20')],
  [leave(S1, bob('bob-1'), day('03', '10:20')), day('03', '10:20')],
  [share('Ended', S1, tara('tara-1'), day('03', '10:25'), 'desktop'), day('03', '10:25')],
  [join(S1, bob('bob-2'), day('03', '10:25')), day('03', '10:25')],
  [join(S1, alicePhone, day('03', '10:30')), day('03', '10:30')],
  [leave(S1, guest, day('03', '10:30')), day('03', '10:30')],
  [leave(S1, devGuest('Dev Mehta', 'dev-1'), day('03', '10:35')), day('03', '10:35')],
  [leave(S1, aliceLaptop, day('03', '10:40')), day('03', '10:40')],
  [share('Stared', S1, alicePhone, day('03', '10:40'), 'application'), day('03', '10:40')],
  [share('Ended', S1, alicePhone, day('03', '10:45'), 'application'), day('03', '10:45')],
  [leave(S1, bob('bob-2'), day('03', '10:45')), day('03', '10:45')],
  [leave(S1, alicePhone, day('03', '10:50')), day('03', '10:50')],
  // Chitra's leave never arrives.
  [leave(S1, tara('tara-1'), day('03', '11:00')), day('03', '11:00')],
  [meeting('Ended', S1, day('03', '11:00')), day('03', '11:00')],
  [
    ev('RecordingCompletedEvent', {
      userId: TEACHER._id,
      sessionId: S1,
      recordings: [
        { type: 'shared_screen_with_speaker_view', url: 'https://rec.example/s1/part-0.mp4', duration: 1800, partIndex: 0 },
        { type: 'shared_screen_with_speaker_view', url: 'https://rec.example/s1/part-1.mp4', duration: 1500, partIndex: 1 },
      ],
    }),
    day('03', '11:30'),
  ],
  [ev('AttendanceComputedEvent', { session: { _id: S1, classId: C1, userId: TEACHER._id } }), day('03', '11:31')],
  [payment(ALICE, PHYSICS, 'tx-1', 500000, 'INR'), day('03', '12:00')],
  // Tuesday S2: meeting 10:00-11:05.
  [meeting('Started', S2, day('04', '10:00')), day('04', '10:00')],
  [join(S2, tara('tara-2'), day('04', '10:00')), day('04', '10:00')],
  [join(S2, { ...aliceLaptop, device: 'alice-laptop-2' }, day('04', '10:00')), day('04', '10:00')],
  [join(S2, chitra('chitra-2'), day('04', '10:00')), day('04', '10:00')],
  [join(S2, devGuest('dev mehta', 'dev-2'), day('04', '10:05')), day('04', '10:05')],
  [leave(S2, chitra('chitra-2'), day('04', '10:20')), day('04', '10:20')],
  [leave(S2, devGuest('dev mehta', 'dev-2'), day('04', '10:45')), day('04', '10:45')],
  [leave(S2, { ...aliceLaptop, device: 'alice-laptop-2' }, day('04', '11:00')), day('04', '11:00')],
  [leave(S2, tara('tara-2'), day('04', '11:05')), day('04', '11:05')],
  [meeting('Ended', S2, day('04', '11:05')), day('04', '11:05')],
  [
    ev('RecordingCompletedEvent', {
      userId: TEACHER._id,
      sessionId: S2,
      recordings: [{ type: 'shared_screen_with_speaker_view', url: 'https://rec.example/s2/part-0.mp4', duration: 3900, partIndex: 0 }],
    }),
    day('04', '11:30'),
  ],
  // Adding Alice's second instalment re-sends both of hers (instalment 0 with a new chargedAt).
  [invoice(ALICE, PHYSICS, 'inst-a0', 0, 500000, 'INR', '2024-06-04T08:00:00.000Z'), day('04', '08:00')],
  [invoice(ALICE, PHYSICS, 'inst-a1', 1, 500000, 'INR', '2024-06-04T08:00:00.000Z'), day('04', '08:00')],
  // Bob's instalment (no installmentId: keyed by index) is re-sent too.
  [invoice(BOB, PHYSICS, '', 0, 300000, 'INR', '2024-06-04T08:30:00.000Z'), day('04', '08:30')],
  [payment(BOB, PHYSICS, 'tx-2', 150000, 'INR'), day('04', '09:00')],
  // Tuesday S6 (Chemistry): the meeting's end never arrives, nor Erin's leave.
  [meeting('Started', S6, day('04', '15:00')), day('04', '15:00')],
  [join(S6, erin, day('04', '15:10')), day('04', '15:10')],
  [payment(ERIN, CHEMISTRY, 'tx-3', 15000, 'USD'), day('04', '16:00')],
  // S3 cancelled by a sparse update.
  [
    ev('SessionsUpdatedEvent', {
      sessions: [
        { _id: S3, classId: C1, createdAt: '2024-06-01T10:00:00.000Z', updatedAt: '2024-06-04T18:00:00.000Z', meetingStatus: 'CANCELLED' },
      ],
    }),
    day('04', '18:00'),
  ],
  // S5 deleted; a later-dated patch to it does not bring it back.
  [
    ev('SessionsDeletedEvent', {
      sessions: [{ ...session(S5, C1, '07', 'Optics 5 (Cancelled)'), meetingStatus: 'CANCELLED', updatedAt: '2024-06-05T09:00:00.000Z' }],
    }),
    day('05', '09:00'),
  ],
  [
    ev('SessionsUpdatedEvent', {
      sessions: [
        { _id: S5, classId: C1, createdAt: '2024-06-01T10:00:00.000Z', updatedAt: '2024-06-06T09:00:00.000Z', title: 'Optics 5 (moved)' },
      ],
    }),
    day('06', '09:00'),
  ],
  [suspension(BOB, true, 'FEE_DELAY', { value: 150000, currency: 'INR' }), day('05', '08:00')],
  [suspension(DEV, true, 'SUSPEND'), day('05', '08:10')],
  [suspension(DEV, false, 'SUSPEND'), day('05', '09:10')],
  [payment(DEV, PHYSICS, 'tx-4', 2000, 'USD'), day('05', '10:00')],
  // Wednesday noon: Chitra leaves the classroom.
  [member('StudentRemovedFromClassroomEvent', PHYSICS, CHITRA, { remove: true }), day('05', '12:00')],
  // Thursday S4: meeting 10:00-10:50; Chitra still joins, but is no longer enrolled.
  [meeting('Started', S4, day('06', '10:00')), day('06', '10:00')],
  [join(S4, tara('tara-4'), day('06', '10:00')), day('06', '10:00')],
  [join(S4, { ...aliceLaptop, device: 'alice-laptop-4' }, day('06', '10:00')), day('06', '10:00')],
  [join(S4, chitra('chitra-4'), day('06', '10:00')), day('06', '10:00')],
  [join(S4, bob('bob-4'), day('06', '10:30')), day('06', '10:30')],
  [leave(S4, bob('bob-4'), day('06', '10:50')), day('06', '10:50')],
  [leave(S4, { ...aliceLaptop, device: 'alice-laptop-4' }, day('06', '10:50')), day('06', '10:50')],
  [leave(S4, chitra('chitra-4'), day('06', '10:50')), day('06', '10:50')],
  [leave(S4, tara('tara-4'), day('06', '10:50')), day('06', '10:50')],
  [meeting('Ended', S4, day('06', '10:50')), day('06', '10:50')],
  [
    ev('CertificateIssuedEvent', {
      classroom: PHYSICS,
      student: ALICE,
      certificate: {
        _id: 'cert-1',
        certificateNumber: 'CERT-2024-001',
        url: 'https://cert.example/1',
        issuedOn: '2024-06-07T12:00:00.000Z',
      },
    }),
    day('07', '12:00'),
  ],
];

/** The week's envelopes in delivery order (each delivered once); another institute's copy gives the same figures. */
export function classroomWeek(instituteId = INSTITUTE): Envelope[] {
  return DELIVERIES.map(([body, at]) => envelopeOf(body, at, instituteId));
}

/** A deterministic PRNG (mulberry32), so a shuffled variant is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rnd = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Every envelope delivered `copies` times, as Wise retries do: same body, so same eventId; each
 * retry received later than the first delivery (here k × 7 minutes later). Shuffled by `seed`.
 */
export function redelivered(envelopes: readonly Envelope[], copies: number, seed: number): Envelope[] {
  const all = envelopes.flatMap((e) => Array.from({ length: copies }, (_, k) => ({ ...e, receivedAt: e.receivedAt + k * 7 * 60_000 })));
  return shuffled(all, seed);
}
