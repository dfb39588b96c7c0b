/*
 * What the views must say about scenario.ts, worked out by hand. Times UTC, scheduled sessions
 * 10:00-11:00 (60 min) unless stated. Default attendance rule: present when time present
 * >= 50 % of the class's duration (the shorter of scheduled and actual) AND >= 1 min.
 *
 * Changed on purpose by the analytics rules of issue 18 (docs/analytics-model.md):
 * - time present counts only inside the class (S1 ran 10:02-11:00: alice 48, not 50; tara 58);
 * - lateness is measured from the class's actual start (S1 started 10:02: dev 18, bob 3, chitra 8,
 *   guest 13, tara 0); the scheduled figure stays in minutes_late_scheduled;
 * - the threshold is half of the time the class ran when shorter than scheduled (S1 58 min -> 29;
 *   S4 50 min -> 25);
 * - Bob is suspended (FEE_DELAY) from Sunday 09:30 on, before every session of the week: his
 *   sessions are `suspended`, in no rate (he was counted present at S1 and absent at S2 and S4).
 */
import { ALICE, BOB, C1, C2, CHITRA, DEV, ERIN, S1, S2, S3, S4, S5, S6, TEACHER } from './scenario';

/** sessions: [session, title, meeting_status, is_cancelled, is_deleted, actual_start, actual_end, actual_minutes] */
export const SESSIONS: Array<[string, string, string, number, number, string | null, string | null, number | null]> = [
  [S1, 'Optics 1', 'UPCOMING', 0, 0, '2024-06-03 10:02:00', '2024-06-03 11:00:00', 58], // 10:02 -> 11:00 = 58 min
  // Two renames: "Lenses" (updatedAt 06-02 08:00) beats "(draft)" (updatedAt 06-01 12:00), though delivered first.
  [S2, 'Optics 2: Lenses', 'UPCOMING', 0, 0, '2024-06-04 10:00:00', '2024-06-04 11:05:00', 65],
  [S3, 'Optics 3', 'CANCELLED', 1, 0, null, null, null], // sparse update: only meetingStatus changed; title kept
  [S4, 'Optics 4', 'UPCOMING', 0, 0, '2024-06-06 10:00:00', '2024-06-06 10:50:00', 50],
  // Deleted on 06-05; the later patch (06-06) renames it but cannot undelete it.
  [S5, 'Optics 5 (moved)', 'CANCELLED', 1, 1, null, null, null],
  [S6, 'Titration', 'UPCOMING', 0, 0, '2024-06-04 15:00:00', null, null], // MeetingEnded never arrived
];

/** roster: [classroom, role, member, is_member, left_at] */
export const ROSTER: Array<[string, string, string, number, string | null]> = [
  [C1, 'student', ALICE._id, 1, null],
  [C1, 'student', BOB._id, 1, null],
  [C1, 'student', CHITRA._id, 0, '2024-06-05 12:00:00'], // removed Wednesday noon (receivedAt: no time in the event)
  [C1, 'student', DEV._id, 1, null],
  [C1, 'teacher', TEACHER._id, 1, null],
  [C2, 'student', ERIN._id, 1, null],
];

/**
 * engagement: [session, participant, joins, first_join, last_leave, minutes_present, minutes_late,
 * minutes_sharing, shared]. Time inside the class; minutes_late = first join - the class's actual
 * start (S1 10:02, S2 10:00, S4 10:00, S6 15:00), never negative.
 */
export const ENGAGEMENT: Array<[string, string, number, string, string, number, number, number, string]> = [
  // Dev joined as a guest without email: identity = his display name.
  [S1, 'Dev Mehta', 1, '2024-06-03 10:20:00', '2024-06-03 10:35:00', 15, 18, 0, ''], // 10:20-10:35 = 15; late from 10:02
  // alice: laptop 10:00-10:40, phone 10:30-10:50 -> union 10:00-10:50, inside the class (from
  // 10:02) 48 (not 40 + 20 = 60); she shared an application from the phone 10:40-10:45 = 5.
  [S1, 'alice@acme.test', 2, '2024-06-03 10:00:00', '2024-06-03 10:50:00', 48, 0, 5, 'application'],
  // bob: 10:05-10:20 (15) + rejoin 10:25-10:45 (20) = 35; late 3 (5 after the scheduled start).
  [S1, 'bob@acme.test', 2, '2024-06-03 10:05:00', '2024-06-03 10:45:00', 35, 3, 0, ''],
  // chitra: joined 10:10, leave never arrived -> closed at the meeting's end 11:00 = 50.
  [S1, 'chitra@acme.test', 1, '2024-06-03 10:10:00', '2024-06-03 11:00:00', 50, 8, 0, ''],
  // The guest's email arrives as "Guest@Other.test": identity is lower-cased.
  [S1, 'guest@other.test', 1, '2024-06-03 10:15:00', '2024-06-03 10:30:00', 15, 13, 0, ''],
  // tara: 10:01-11:00, inside the class 10:02-11:00 = 58; shared the desktop 10:05-10:25 = 20.
  [S1, 'tara@acme.test', 1, '2024-06-03 10:01:00', '2024-06-03 11:00:00', 58, 0, 20, 'desktop'],
  [S2, 'alice@acme.test', 1, '2024-06-04 10:00:00', '2024-06-04 11:00:00', 60, 0, 0, ''],
  [S2, 'chitra@acme.test', 1, '2024-06-04 10:00:00', '2024-06-04 10:20:00', 20, 0, 0, ''],
  [S2, 'dev mehta', 1, '2024-06-04 10:05:00', '2024-06-04 10:45:00', 40, 5, 0, ''], // 10:05-10:45 = 40
  [S2, 'tara@acme.test', 1, '2024-06-04 10:00:00', '2024-06-04 11:05:00', 65, 0, 0, ''], // the class ran to 11:05
  [S4, 'alice@acme.test', 1, '2024-06-06 10:00:00', '2024-06-06 10:50:00', 50, 0, 0, ''],
  [S4, 'bob@acme.test', 1, '2024-06-06 10:30:00', '2024-06-06 10:50:00', 20, 30, 0, ''],
  [S4, 'chitra@acme.test', 1, '2024-06-06 10:00:00', '2024-06-06 10:50:00', 50, 0, 0, ''],
  [S4, 'tara@acme.test', 1, '2024-06-06 10:00:00', '2024-06-06 10:50:00', 50, 0, 0, ''],
  // erin: joined 15:10, no leave and no meeting end -> closed at the scheduled end 16:00 = 50; late 10.
  [S6, 'erin@acme.test', 1, '2024-06-04 15:10:00', '2024-06-04 16:00:00', 50, 10, 0, ''],
];

/**
 * attendance: [session, student, minutes_present, present, status]. Counted sessions: S1, S2, S4,
 * S6 (S3 cancelled, S5 deleted). Enrolled at the start: S1 and S2 alice, bob, chitra, dev; S4
 * (after Chitra's removal on Wednesday) alice, bob, dev; S6 erin. Bob is suspended at every start
 * (Dev's suspension on Wednesday 08:10-09:10 covers no session). Threshold: S1 ran 58 min -> 29;
 * S2 ran 65 of 60 scheduled -> 30; S4 ran 50 min -> 25; S6 has no end -> 30.
 */
export const ATTENDANCE: Array<[string, string, number, number, string]> = [
  [S1, ALICE._id, 48, 1, 'present'],
  [S1, BOB._id, 35, 0, 'suspended'], // there, but suspended: in no rate
  [S1, CHITRA._id, 50, 1, 'present'],
  [S1, DEV._id, 15, 0, 'absent'], // matched by name "Dev Mehta"; 15 < 29
  [S2, ALICE._id, 60, 1, 'present'],
  [S2, BOB._id, 0, 0, 'suspended'], // never joined
  [S2, CHITRA._id, 20, 0, 'absent'],
  [S2, DEV._id, 40, 1, 'present'], // matched by name, case-insensitive ("dev mehta")
  [S4, ALICE._id, 50, 1, 'present'],
  [S4, BOB._id, 20, 0, 'suspended'],
  [S4, DEV._id, 0, 0, 'absent'],
  [S6, ERIN._id, 50, 1, 'present'],
];

/** attendance_by_session: [session, enrolled (not suspended), present, suspended, rate] */
export const ATTENDANCE_BY_SESSION: Array<[string, number, number, number, number]> = [
  [S1, 3, 2, 1, 0.6667], // alice, chitra of alice, chitra, dev
  [S2, 3, 2, 1, 0.6667], // alice, dev of alice, chitra, dev
  [S4, 2, 1, 1, 0.5], // alice of alice, dev
  [S6, 1, 1, 0, 1],
];

/** attendance_by_classroom: [classroom, sessions, enrolled_slots, present, suspended, rate] */
export const ATTENDANCE_BY_CLASSROOM: Array<[string, number, number, number, number, number]> = [
  [C1, 3, 8, 5, 3, 0.625], // slots 3 + 3 + 2 = 8; present 2 + 2 + 1 = 5; 5 / 8
  [C2, 1, 1, 1, 0, 1],
];

/** attendance_by_student: [classroom, student, sessions, present, suspended, rate] */
export const ATTENDANCE_BY_STUDENT: Array<[string, string, number, number, number, number | null]> = [
  [C1, ALICE._id, 3, 3, 0, 1],
  [C1, BOB._id, 0, 0, 3, null], // suspended all week: no rate
  [C1, CHITRA._id, 2, 1, 0, 0.5], // enrolled for S1 and S2 only; present S1
  [C1, DEV._id, 3, 1, 0, 0.3333], // S2 only
  [C2, ERIN._id, 1, 1, 0, 1],
];

/** attendance_by_week: [classroom, week (Monday), sessions, enrolled_slots, present, suspended, rate] */
export const ATTENDANCE_BY_WEEK: Array<[string, string, number, number, number, number, number]> = [
  [C1, '2024-06-03', 3, 8, 5, 3, 0.625],
  [C2, '2024-06-03', 1, 1, 1, 0, 1],
];

/** unmatched_participants: [session, participant, minutes_present, role] */
export const UNMATCHED: Array<[string, string, number, string]> = [
  [S1, 'guest@other.test', 15, 'other'],
  [S1, 'tara@acme.test', 58, 'teacher'],
  [S2, 'tara@acme.test', 65, 'teacher'],
  [S4, 'chitra@acme.test', 50, 'other'], // no longer enrolled on Thursday, still joined: kept visible
  [S4, 'tara@acme.test', 50, 'teacher'],
];

/** recordings_by_classroom_month: [classroom, month, sessions_recorded, parts, duration_seconds, hours] */
export const RECORDINGS_BY_MONTH: Array<[string, string, number, number, number, number]> = [
  [C1, '2024-06-01', 2, 3, 7200, 2], // S1 1800 + 1500, S2 3900 -> 7200 s = 2 h
];

/** invoices: [student, instalment_key, amount_minor, currency, charged_at] (re-sends collapse) */
export const INVOICES: Array<[string, string, number, string, string]> = [
  [ALICE._id, 'inst-a0', 500000, 'INR', '2024-06-01 08:00:00'], // sent twice (06-01, re-sent 06-04): first charge kept
  [ALICE._id, 'inst-a1', 500000, 'INR', '2024-06-04 08:00:00'],
  [BOB._id, 'index:0', 300000, 'INR', '2024-06-01 08:30:00'], // no installmentId: keyed by index; sent twice
  [ERIN._id, 'inst-e0', 15000, 'USD', '2024-06-02 09:00:00'],
];

/** payments: [transaction, amount_minor, currency, paid_at (= first receipt: no time in the event)] */
export const PAYMENTS: Array<[string, number, string, string]> = [
  ['tx-1', 500000, 'INR', '2024-06-03 12:00:00'],
  ['tx-2', 150000, 'INR', '2024-06-04 09:00:00'],
  ['tx-3', 15000, 'USD', '2024-06-04 16:00:00'],
  ['tx-4', 2000, 'USD', '2024-06-05 10:00:00'],
];

/** revenue_monthly: [month, classroom, currency, invoiced_minor, invoices, collected_minor, payments] */
export const REVENUE_MONTHLY: Array<[string, string, string, number, number, number, number]> = [
  // invoiced 500000 + 500000 + 300000 = 1300000 (3 instalments); collected 500000 + 150000 = 650000
  ['2024-06-01', C1, 'INR', 1300000, 3, 650000, 2],
  ['2024-06-01', C1, 'USD', 0, 0, 2000, 1], // Dev paid in USD in the same classroom: a separate row
  ['2024-06-01', C2, 'USD', 15000, 1, 15000, 1],
];

/** revenue_daily: [day, classroom, currency, invoiced_minor, collected_minor] */
export const REVENUE_DAILY: Array<[string, string, string, number, number]> = [
  ['2024-06-01', C1, 'INR', 800000, 0], // alice inst-a0 500000 + bob index:0 300000
  ['2024-06-02', C2, 'USD', 15000, 0],
  ['2024-06-03', C1, 'INR', 0, 500000],
  ['2024-06-04', C1, 'INR', 500000, 150000], // alice inst-a1; bob's payment
  ['2024-06-04', C2, 'USD', 0, 15000],
  ['2024-06-05', C1, 'USD', 0, 2000],
];

/** dues: [student, overdue_minor, currency]: Bob's latest suspension says 150000 INR; Dev was unsuspended. */
export const DUES: Array<[string, number, string]> = [[BOB._id, 150000, 'INR']];

/** certificates: [certificate, student, number, issued_at] */
export const CERTIFICATES: Array<[string, string, string, string]> = [['cert-1', ALICE._id, 'CERT-2024-001', '2024-06-07 12:00:00']];
