/*
 * "Evenings in India": an institute in IST (UTC+05:30) whose evening classes start after 00:00
 * IST, i.e. on the previous day in UTC; one session never held and one still to come. Read it top
 * to bottom; local-time.test.ts works out, by hand, what the views say in UTC and in IST.
 */
import type { Envelope } from '@wise/contracts';
import { envelopeOf, ev, invoice, join, leave, meeting, member, payment, type Body, type Who } from './scenario';

export const EVENING_INSTITUTE = 'ganga-tutors';
export const MATHS = { _id: '6660000000000000000c0009', name: 'Maths 9' };
export const RAVI = { _id: '66600000000000000000aa09', name: 'Ravi Rao', email: 'ravi@ganga.test' };
export const PRIYA = { _id: '66600000000000000000bb09', name: 'Priya Pal', email: 'priya@ganga.test' };
export const KABIR = { _id: '66600000000000000000bb10', name: 'Kabir Kar', email: 'kabir@ganga.test' };

// Sun 2024-06-09 19:00-20:00 UTC = Mon 2024-06-10 00:30-01:30 IST; held 19:00-20:00 UTC.
export const SA = '66600000000000000005a001';
// Sun 2024-06-30 19:00-20:00 UTC = Mon 2024-07-01 00:30-01:30 IST (another month in IST); held 19:00-19:50.
export const SB = '66600000000000000005a002';
// Wed 2024-06-12 10:00-11:00 UTC: nobody ever started it (not_held).
export const SC = '66600000000000000005a003';
// 2099: still to come (scheduled).
export const SD = '66600000000000000005a004';

const item = (id: string, start: string, end: string, title: string) => ({
  _id: id,
  classId: MATHS._id,
  userId: RAVI._id,
  createdAt: '2024-06-01T10:00:00.000Z',
  meetingStatus: 'UPCOMING',
  type: 'SCHEDULED',
  title,
  scheduledStartTime: start,
  scheduledEndTime: end,
});
const who = (p: { name: string; email: string }, device: string): Who => ({ name: p.name, email: p.email, device });

const DELIVERIES: Array<[Body, string]> = [
  [member('TeacherAddedToClassroomEvent', MATHS, RAVI), '2024-06-01T09:00:00Z'],
  [member('StudentAddedToClassroomEvent', MATHS, PRIYA), '2024-06-01T09:01:00Z'],
  [member('StudentAddedToClassroomEvent', MATHS, KABIR), '2024-06-01T09:02:00Z'],
  [
    ev('SessionsCreatedEvent', {
      sessions: [
        item(SA, '2024-06-09T19:00:00Z', '2024-06-09T20:00:00Z', 'Algebra'),
        item(SB, '2024-06-30T19:00:00Z', '2024-06-30T20:00:00Z', 'Geometry'),
        item(SC, '2024-06-12T10:00:00Z', '2024-06-12T11:00:00Z', 'Trigonometry'),
        item(SD, '2099-01-05T10:00:00Z', '2099-01-05T11:00:00Z', 'Calculus'),
      ],
    }),
    '2024-06-01T10:00:00Z',
  ],
  // SA: Priya 60 min, Kabir 15 min (of 60: absent under the default 50 % rule).
  [meeting('Started', SA, '2024-06-09T19:00:00Z'), '2024-06-09T19:00:00Z'],
  [join(SA, who(PRIYA, 'priya-1'), '2024-06-09T19:00:00Z'), '2024-06-09T19:00:00Z'],
  [join(SA, who(KABIR, 'kabir-1'), '2024-06-09T19:30:00Z'), '2024-06-09T19:30:00Z'],
  [leave(SA, who(KABIR, 'kabir-1'), '2024-06-09T19:45:00Z'), '2024-06-09T19:45:00Z'],
  [leave(SA, who(PRIYA, 'priya-1'), '2024-06-09T20:00:00Z'), '2024-06-09T20:00:00Z'],
  [meeting('Ended', SA, '2024-06-09T20:00:00Z'), '2024-06-09T20:00:00Z'],
  // SB: Priya 50 min of 60 (present); Kabir never joins.
  [meeting('Started', SB, '2024-06-30T19:00:00Z'), '2024-06-30T19:00:00Z'],
  [join(SB, who(PRIYA, 'priya-2'), '2024-06-30T19:00:00Z'), '2024-06-30T19:00:00Z'],
  [leave(SB, who(PRIYA, 'priya-2'), '2024-06-30T19:50:00Z'), '2024-06-30T19:50:00Z'],
  [meeting('Ended', SB, '2024-06-30T19:50:00Z'), '2024-06-30T19:50:00Z'],
  [
    ev('RecordingCompletedEvent', {
      userId: RAVI._id,
      sessionId: SB,
      recordings: [{ type: 'shared_screen_with_speaker_view', url: 'https://rec.example/sb/part-0.mp4', duration: 3000, partIndex: 0 }],
    }),
    '2024-06-30T20:10:00Z',
  ],
  // Money on the evening of 30 June UTC, which is 1 July in IST.
  [invoice(PRIYA, MATHS, 'inst-p0', 0, 250000, 'INR', '2024-06-30T20:00:00.000Z'), '2024-06-30T20:00:00Z'],
  [payment(PRIYA, MATHS, 'tx-p0', 250000, 'INR'), '2024-06-30T21:00:00Z'],
];

export function eveningsInIndia(): Envelope[] {
  return DELIVERIES.map(([body, at]) => envelopeOf(body, at, EVENING_INSTITUTE));
}
