/*
 * "A week an institute would sign off": one classroom's week in which what Wise delivers is not
 * the whole story, one case per rule of the analytics model (docs/analytics-model.md, "The attendance rule").
 * Read it top to bottom; signoff.test.ts says, by hand, what the views must show.
 *
 * All times are UTC. Monday 2024-09-02 to Friday 2024-09-06; every session is scheduled
 * 10:00-11:00 unless stated. Students: Asha, Ben, Cara, Dina, all enrolled on Saturday.
 *
 * T1 Mon  MeetingStarted lost for good: joins, leaves and a MeetingEnded (Zoom start 10:02) arrive.
 * T2 Tue  The teacher ends the class after 25 minutes.
 * T3 Wed  The teacher opens the meeting 15 minutes late (10:15); Asha was waiting from 09:40.
 * T4 Thu  Dina is suspended (fee delay) from Wednesday noon to Thursday noon.
 * T5 Fri  SessionsCreated lost for good: Zoom's meeting events (start 10:05, 60 min) and Wise's
 *         AttendanceComputed (which names the classroom and teacher) arrive.
 * T6 Fri  14:00-15:00: no meeting event at all arrives, only joins and leaves.
 *
 * Eli is enrolled on Saturday, removed on Monday noon and added again on Wednesday noon: Wise sends
 * the very bytes of Saturday's StudentAdded again (the event carries no time), which ingestion
 * stores as a new event, the body's next generation (libs/contracts/src/resent-bodies.ts).
 * Asha's first instalment is invoiced on Saturday without its installmentId, and re-sent with it
 * on Monday, when her second instalment is added.
 */
import { generationEventId, type Envelope } from '@wise/contracts';
import { ev, envelopeOf, invoice, zoom, type Body } from './scenario';

export const SIGNOFF_INSTITUTE = 'harbor-academy';

export const K = '665f000000000000000c3003'; // Biology 9
export const T1 = '665f0000000000000005f001';
export const T2 = '665f0000000000000005f002';
export const T3 = '665f0000000000000005f003';
export const T4 = '665f0000000000000005f004';
export const T5 = '665f0000000000000005f005';
export const T6 = '665f0000000000000005f006';

export const TINA = { _id: '665f0000000000000000cc01', name: 'Tina Teacher', email: 'tina@harbor.test' };
export const ASHA = { _id: '665f0000000000000000dd01', name: 'Asha Kumar', email: 'asha@harbor.test' };
export const BEN = { _id: '665f0000000000000000dd02', name: 'Ben Lal', email: 'ben@harbor.test' };
export const CARA = { _id: '665f0000000000000000dd03', name: 'Cara Nair', email: 'cara@harbor.test' };
export const DINA = { _id: '665f0000000000000000dd04', name: 'Dina Shah', email: 'dina@harbor.test' };
export const ELI = { _id: '665f0000000000000000dd05', name: 'Eli Roy', email: 'eli@harbor.test' };

const BIOLOGY = { _id: K, name: 'Biology 9', subject: 'Biology', classNumber: 3003 };
type Person = typeof ASHA;

const day = (d: string, hm: string) => `2024-09-${d}T${hm}:00Z`;

const session = (id: string, d: string, from = '10:00', to = '11:00') => ({
  _id: id,
  classId: K,
  userId: TINA._id,
  createdAt: '2024-08-30T10:00:00.000Z',
  meetingStatus: 'UPCOMING',
  type: 'SCHEDULED',
  title: `Cells ${id.slice(-1)}`,
  scheduledStartTime: day(d, from),
  scheduledEndTime: day(d, to),
});

const started = (s: string, at: string) => zoom('MeetingStartedEvent', s, at, { start_time: at, duration: 60 });
const ended = (s: string, start: string, end: string) =>
  zoom('MeetingEndedEvent', s, end, { start_time: start, end_time: end, duration: 60 });
const who = (p: Person) => ({ id: '', user_id: `${p.email}-1`, user_name: p.name, participant_uuid: `pu-${p.email}`, email: p.email });
const joined = (s: string, p: Person, at: string) =>
  zoom('ParticipantJoinedMeetingEvent', s, at, { participant: { ...who(p), join_time: at } });
const left = (s: string, p: Person, at: string) =>
  zoom('ParticipantLeftMeetingEvent', s, at, { participant: { ...who(p), leave_time: at, leave_reason: 'left the meeting' } });
/** A stay in the class: a join and its leave. */
const stay = (s: string, p: Person, from: string, to: string): Array<[Body, string]> => [
  [joined(s, p, from), from],
  [left(s, p, to), to],
];
const suspension = (p: Person, suspended: boolean) =>
  ev('StudentSuspensionUpdatedEvent', { reason: 'FEE_DELAY', suspended, classroom: BIOLOGY, student: p, teacher: TINA });
const added = (p: Person) => ev('StudentAddedToClassroomEvent', { classroom: BIOLOGY, student: p });
const removed = (p: Person) => ev('StudentRemovedFromClassroomEvent', { classroom: BIOLOGY, student: p, remove: true });
/** [body, receivedAt, generation (0 unless stated)] in the order Wise delivered them. */
const DELIVERIES: Array<[Body, string] | [Body, string, number]> = [
  [ev('TeacherAddedToClassroomEvent', { classroom: BIOLOGY, teacher: TINA }), '2024-08-31T09:00:00Z'],
  ...[ASHA, BEN, CARA, DINA, ELI].map((p): [Body, string] => [added(p), '2024-08-31T09:05:00Z']),
  // Asha's first instalment, without its installmentId.
  [invoice(ASHA, BIOLOGY, '', 0, 500000, 'INR', '2024-08-31T08:00:00.000Z'), '2024-08-31T11:00:00Z'],
  // T5's creation never arrives: Wise gave up on it.
  [
    ev('SessionsCreatedEvent', {
      sessions: [session(T1, '02'), session(T2, '03'), session(T3, '04'), session(T4, '05'), session(T6, '06', '14:00', '15:00')],
    }),
    '2024-08-31T10:00:00Z',
  ],

  // Her second instalment added: Wise re-sends the first, now with its id.
  [invoice(ASHA, BIOLOGY, 'inst-asha-0', 0, 500000, 'INR', '2024-08-31T08:00:00.000Z'), day('02', '09:00')],
  [invoice(ASHA, BIOLOGY, 'inst-asha-1', 1, 500000, 'INR', '2024-09-02T08:00:00.000Z'), day('02', '09:00')],
  [removed(ELI), day('02', '12:00')],

  // T1: no MeetingStarted. Zoom's start (10:02) comes with the MeetingEnded.
  ...stay(T1, ASHA, day('02', '10:02'), day('02', '10:50')), // 48 min
  ...stay(T1, BEN, day('02', '10:10'), day('02', '10:40')), // 30 min
  ...stay(T1, CARA, day('02', '10:30'), day('02', '10:45')), // 15 min
  [ended(T1, day('02', '10:02'), day('02', '11:00')), day('02', '11:00')],

  // T2: ended after 25 minutes.
  [started(T2, day('03', '10:00')), day('03', '10:00')],
  ...stay(T2, ASHA, day('03', '10:00'), day('03', '10:25')), // 25 min
  ...stay(T2, BEN, day('03', '10:15'), day('03', '10:25')), // 10 min
  [ended(T2, day('03', '10:00'), day('03', '10:25')), day('03', '10:25')],

  // T3: Asha waits from 09:40; the teacher opens the class at 10:15.
  ...stay(T3, ASHA, day('04', '09:40'), day('04', '10:40')), // in class 10:15-10:40 = 25 min
  [started(T3, day('04', '10:15')), day('04', '10:15')],
  ...stay(T3, BEN, day('04', '10:20'), day('04', '11:00')), // 40 min
  ...stay(T3, CARA, day('04', '10:30'), day('04', '10:45')), // 15 min
  [ended(T3, day('04', '10:15'), day('04', '11:00')), day('04', '11:00')],
  // Dina suspended at Wednesday noon (the event carries no time: its receipt places it).
  [suspension(DINA, true), day('04', '12:00')],
  // Eli added again: Saturday's bytes, after his removal and past Wise's retry window.
  [added(ELI), day('04', '12:00'), 1],

  // T4: Dina suspended at its start.
  [started(T4, day('05', '10:00')), day('05', '10:00')],
  ...stay(T4, ASHA, day('05', '10:00'), day('05', '11:00')), // 60
  ...stay(T4, BEN, day('05', '10:00'), day('05', '10:20')), // 20
  ...stay(T4, CARA, day('05', '10:00'), day('05', '10:45')), // 45
  [ended(T4, day('05', '10:00'), day('05', '11:00')), day('05', '11:00')],
  [suspension(DINA, false), day('05', '12:00')],

  // T5: known only from Zoom (start 10:05, 60 min) and Wise's AttendanceComputed.
  [started(T5, day('06', '10:05')), day('06', '10:05')],
  ...stay(T5, ASHA, day('06', '10:05'), day('06', '11:00')), // 55
  ...stay(T5, BEN, day('06', '10:06'), day('06', '10:40')), // 34
  ...stay(T5, DINA, day('06', '10:30'), day('06', '10:50')), // 20
  [ended(T5, day('06', '10:05'), day('06', '11:00')), day('06', '11:00')],
  [ev('AttendanceComputedEvent', { session: { _id: T5, classId: K, userId: TINA._id } }), day('06', '11:10')],

  // T6: only joins and leaves.
  ...stay(T6, ASHA, day('06', '14:05'), day('06', '14:50')), // 45
  ...stay(T6, BEN, day('06', '14:10'), day('06', '14:20')), // 10
];

/** The week's envelopes in delivery order (each delivered once), with the ids ingestion gives them. */
export function signoffWeek(): Envelope[] {
  return DELIVERIES.map(([body, at, generation = 0]) => {
    const e = envelopeOf(body, at, SIGNOFF_INSTITUTE);
    return { ...e, eventId: generationEventId(e.eventId, generation) };
  });
}
