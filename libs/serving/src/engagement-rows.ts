/*
 * Engagement, computed in the projector from what a round reads: the participant events of its
 * sessions per participant and device (participantDevices, the round's one read of them), the
 * sessions computed from them (session-rows.ts: their windows), and the sessions' rosters
 * (roster-rows.ts). As SQL on 18.16, the intervals, the engagement and the matching of participants
 * were statements whose analysis cost more than their few hundred rows (docs/benchmarks.md,
 * "Sessions and engagement computed in the projector"). String order, lower-casing and rounding
 * are ClickHouse's (row-values.ts), so the rows are those the SQL wrote.
 */
import { asciiLower, compareBytes, dateTimeText, minBytes, num, round2, text } from './row-values';
import type { RosterRow } from './roster-rows';

/** A row of participantDevices (sql/devices.sql.ts). */
export interface DeviceRow {
  institute_id: string;
  session_id: string;
  participant: string;
  device_key: string;
  email: string;
  user_name: string;
  /** Sorted, without repeats, epoch seconds; so are the other times. */
  joins: number[];
  leaves: number[];
  share_start_times: number[];
  /** What was shared at each of share_start_times. */
  share_start_contents: string[];
  share_ends: number[];
}

/** What engagement needs of a session (its row, session-rows.ts), times in epoch seconds. */
export interface SessionWindow {
  institute_id: string;
  session_id: string;
  classroom_id: string;
  scheduled_start: number | null;
  scheduled_end: number | null;
  actual_start: number | null;
  actual_end: number | null;
}

/** The columns of engagement_store a round writes, in order. */
export const ENGAGEMENT_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'participant',
  'email',
  'user_name',
  'joins',
  'first_join',
  'last_leave',
  'seconds_present',
  'minutes_present',
  'minutes_late',
  'seconds_sharing',
  'minutes_sharing',
  'shared',
  'student_id',
  'matched_by',
  'role',
  'teacher_id',
  'present_starts',
  'present_ends',
  'minutes_late_scheduled',
] as const;

/** A row of engagement_store. */
export interface EngagementRow {
  institute_id: string;
  session_id: string;
  classroom_id: string;
  participant: string;
  email: string;
  user_name: string;
  joins: number;
  first_join: string | null;
  last_leave: string | null;
  seconds_present: number;
  minutes_present: number;
  minutes_late: number | null;
  seconds_sharing: number;
  minutes_sharing: number;
  shared: string;
  student_id: string;
  matched_by: string;
  role: string;
  teacher_id: string;
  present_starts: number[];
  present_ends: number[];
  minutes_late_scheduled: number | null;
}

const times = (x: unknown): number[] => (Array.isArray(x) ? x.map(num) : []);

export function toDeviceRow(r: Record<string, unknown>): DeviceRow {
  return {
    institute_id: text(r.institute_id),
    session_id: text(r.session_id),
    participant: text(r.participant),
    device_key: text(r.device_key),
    email: text(r.email),
    user_name: text(r.user_name),
    joins: times(r.joins),
    leaves: times(r.leaves),
    share_start_times: times(r.share_start_times),
    share_start_contents: Array.isArray(r.share_start_contents) ? r.share_start_contents.map(text) : [],
    share_ends: times(r.share_ends),
  };
}

/** A session's key, and a participant's or a student's within it. */
const sessionKey = (institute: string, session: string): string => JSON.stringify([institute, session]);
const memberKey = (institute: string, session: string, who: string): string => JSON.stringify([institute, session, who]);

type Interval = readonly [start: number, end: number];

/**
 * Seconds covered by the union of intervals sorted by start: each adds what reaches past the
 * latest end before it.
 */
export function unionSeconds(intervals: readonly Interval[]): number {
  let total = 0;
  let reach = 0;
  for (const [s, e] of intervals) {
    total += Math.max(e - Math.max(s, reach), 0);
    reach = Math.max(reach, e);
  }
  return total;
}

/** By start, then end (arraySort of tuples). */
export const byStart = (a: Interval, b: Interval): number => a[0] - b[0] || a[1] - b[1];

/** A participant's intervals in a session, before they are clipped to the class. */
interface Participation {
  institute_id: string;
  session_id: string;
  participant: string;
  email: string;
  user_name: string;
  present: Interval[];
  sharing: Interval[];
  shared: Set<string>;
}

/**
 * Each device's intervals: 'present' from a join to the first leave of the same device at or
 * after it, 'sharing' from a sharing start to the first sharing end at or after it. One with no
 * closing event is closed at the meeting's end, else at the scheduled end, else it has no
 * length. A leave or sharing end with nothing to close is ignored. Intervals are kept as Zoom gave
 * them; engagementOf clips them to the class.
 */
function participations(devices: readonly DeviceRow[], windows: ReadonlyMap<string, SessionWindow>): Map<string, Participation> {
  const out = new Map<string, Participation>();
  for (const d of devices) {
    if (d.joins.length === 0 && d.share_start_times.length === 0) continue;
    const w = windows.get(sessionKey(d.institute_id, d.session_id));
    const close = w ? (w.actual_end ?? w.scheduled_end ?? 0) : 0;
    // arrayFirst's 0 for "none" is kept: a closing event at the epoch closes nothing.
    const until = (start: number, closers: readonly number[]) => {
      const end = closers.find((x) => x >= start) ?? 0;
      return end === 0 ? Math.max(start, close) : end;
    };
    const key = memberKey(d.institute_id, d.session_id, d.participant);
    let p = out.get(key);
    if (!p) {
      p = {
        institute_id: d.institute_id,
        session_id: d.session_id,
        participant: d.participant,
        email: d.email,
        user_name: d.user_name,
        present: [],
        sharing: [],
        shared: new Set(),
      };
      out.set(key, p);
    } else {
      p.email = minBytes(p.email, d.email);
      p.user_name = minBytes(p.user_name, d.user_name);
    }
    for (const j of d.joins) p.present.push([j, until(j, d.leaves)]);
    d.share_start_times.forEach((s, i) => {
      p.sharing.push([s, until(s, d.share_ends)]);
      if (d.share_start_contents[i] !== '') p.shared.add(d.share_start_contents[i]);
    });
  }
  return out;
}

/**
 * Which enrolled student each participant is: same email, else same name, both compared
 * lower-cased as projected (names case-insensitively, ClickHouse's lower()); '' when neither matches.
 * Two students with one email or name: the smallest student id. Every device of a participant
 * counts, with intervals or not.
 */
function matches(devices: readonly DeviceRow[], roster: readonly RosterRow[]): Map<string, { student_id: string; matched_by: string }> {
  const byEmail = new Map<string, string>();
  const byName = new Map<string, string>();
  const keep = (m: Map<string, string>, k: string, id: string) => m.set(k, m.has(k) ? minBytes(m.get(k)!, id) : id);
  for (const s of roster) {
    if (s.student_email !== '') keep(byEmail, memberKey(s.institute_id, s.session_id, s.student_email), s.student_id);
    if (s.student_name !== '') keep(byName, memberKey(s.institute_id, s.session_id, asciiLower(s.student_name)), s.student_id);
  }
  const who = new Map<string, { institute_id: string; session_id: string; email: string; name: string }>();
  for (const d of devices) {
    const key = memberKey(d.institute_id, d.session_id, d.participant);
    const seen = who.get(key);
    if (!seen) who.set(key, { institute_id: d.institute_id, session_id: d.session_id, email: d.email, name: d.user_name });
    else {
      seen.email = minBytes(seen.email, d.email);
      seen.name = minBytes(seen.name, d.user_name);
    }
  }
  const out = new Map<string, { student_id: string; matched_by: string }>();
  for (const [key, p] of who) {
    const byItsEmail = byEmail.get(memberKey(p.institute_id, p.session_id, p.email)) ?? '';
    const byItsName = byName.get(memberKey(p.institute_id, p.session_id, asciiLower(p.name))) ?? '';
    out.set(key, {
      student_id: byItsEmail !== '' ? byItsEmail : byItsName,
      matched_by: byItsEmail !== '' ? 'email' : byItsName !== '' ? 'name' : '',
    });
  }
  return out;
}

/** Minutes from `to` to `from` (epoch seconds), never negative; null when `to` is. */
const minutesAfter = (from: number, to: number | null): number | null => (to === null ? null : round2(Math.max(from - to, 0) / 60));

/**
 * Engagement per session and participant (participant = lower-cased email, else display name), for
 * every participant with an interval. Time present and time sharing count only what falls inside
 * the class (class_start to class_end: the actual start, else the scheduled one; the actual end,
 * else the scheduled one; each bound where known): a student in the meeting before the teacher
 * opened the class, or after it ended, was not in class. first_join and last_leave stay as Zoom
 * reported them. minutes_late is measured from the class's actual start (a late teacher does not
 * make the class late); minutes_late_scheduled from its scheduled start. present_starts and
 * present_ends keep the clipped 'present' intervals, by start, from which attendance unites those
 * of everyone matched to one student.
 *
 * Whether an unmatched participant is one of the classroom's teachers is not stored: the
 * `engagement` view reads it from the roster facts when it is queried (migration 0016), so no
 * stored row depends on a teacher's roster facts. teacher_id is stored as '', role as 'student'
 * or 'other' (the store keeps both columns: a projector of a previous release may still write them).
 */
export function engagementOf(
  devices: readonly DeviceRow[],
  sessions: readonly SessionWindow[],
  roster: readonly RosterRow[],
): EngagementRow[] {
  const windows = new Map(sessions.map((w) => [sessionKey(w.institute_id, w.session_id), w]));
  const who = matches(devices, roster);
  const out: EngagementRow[] = [];
  for (const [key, p] of participations(devices, windows)) {
    const w = windows.get(sessionKey(p.institute_id, p.session_id));
    const classStart = w ? (w.actual_start ?? w.scheduled_start) : null;
    const classEnd = w ? (w.actual_end ?? w.scheduled_end) : null;
    const from = classStart ?? 0;
    const clip = (intervals: Interval[]): Interval[] =>
      intervals.sort(byStart).map(([s, e]) => [Math.max(s, from), Math.max(Math.min(e, classEnd ?? Infinity), Math.max(s, from))]);
    const joins = p.present.length;
    const firstJoin = joins === 0 ? 0 : Math.min(...p.present.map(([s]) => s));
    const lastLeave = joins === 0 ? 0 : Math.max(...p.present.map(([, e]) => e));
    const present = clip(p.present);
    const secondsPresent = unionSeconds(present);
    const secondsSharing = unionSeconds(clip(p.sharing));
    const match = who.get(key) ?? { student_id: '', matched_by: '' };
    out.push({
      institute_id: p.institute_id,
      session_id: p.session_id,
      classroom_id: w?.classroom_id ?? '',
      participant: p.participant,
      email: p.email,
      user_name: p.user_name,
      joins,
      first_join: joins === 0 ? null : dateTimeText(firstJoin),
      last_leave: joins === 0 ? null : dateTimeText(lastLeave),
      seconds_present: secondsPresent,
      minutes_present: round2(secondsPresent / 60),
      minutes_late: joins === 0 ? null : minutesAfter(firstJoin, classStart),
      seconds_sharing: secondsSharing,
      minutes_sharing: round2(secondsSharing / 60),
      shared: [...p.shared].sort(compareBytes).join(', '),
      student_id: match.student_id,
      matched_by: match.matched_by,
      role: match.student_id !== '' ? 'student' : 'other',
      teacher_id: '',
      present_starts: present.map(([s]) => s),
      present_ends: present.map(([, e]) => e),
      minutes_late_scheduled: joins === 0 ? null : minutesAfter(firstJoin, w?.scheduled_start ?? null),
    });
  }
  return out;
}
