/*
 * The rosters of a round's attended sessions, computed in the projector from the round's sessions
 * (session-rows.ts) and the roster and suspension facts of their classrooms (sql/roster.sql.ts:
 * rosterFacts, suspensionFacts). As one SQL join of the sessions with the facts it was a round's
 * heaviest statement, and it returned a row per session and student where the facts are a few
 * rows per student. Engagement matches participants against these rows (engagement-rows.ts);
 * attendance has one row per row here (attendance-rows.ts).
 */
import type { SessionRow } from './session-rows';
import { compareBytes, dateTimeText, num, text } from './row-values';

/** One StudentAdded/StudentRemoved event of a classroom (copies collapsed: at_ms its first delivery's). */
export interface RosterFact {
  institute_id: string;
  classroom_id: string;
  member_id: string;
  event_id: string;
  at_ms: number;
  /** 'added' or 'removed'. */
  action: string;
  member_name: string;
  member_email: string;
}

/** One StudentSuspensionUpdatedEvent (copies collapsed). */
export interface SuspensionFact {
  institute_id: string;
  classroom_id: string;
  student_id: string;
  at_ms: number;
  suspended: number;
}

/** A student enrolled in an attended session's classroom at its scheduled start. */
export interface RosterRow {
  institute_id: string;
  session_id: string;
  classroom_id: string;
  title: string | null;
  /** As ClickHouse writes it, 'YYYY-MM-DD hh:mm:ss' UTC. */
  scheduled_start: string;
  scheduled_seconds: number;
  /** The scheduled start's day in the institute's zone. */
  local_day: string | null;
  student_id: string;
  student_name: string;
  student_email: string;
  suspended: number;
  /** What the present threshold is a share of (attendedSessions). */
  class_seconds: number;
}

export function toRosterFact(r: Record<string, unknown>): RosterFact {
  return {
    institute_id: text(r.institute_id),
    classroom_id: text(r.classroom_id),
    member_id: text(r.member_id),
    event_id: text(r.event_id),
    at_ms: num(r.at_ms),
    action: text(r.action),
    member_name: text(r.member_name),
    member_email: text(r.member_email),
  };
}

export function toSuspensionFact(r: Record<string, unknown>): SuspensionFact {
  return {
    institute_id: text(r.institute_id),
    classroom_id: text(r.classroom_id),
    student_id: text(r.student_id),
    at_ms: num(r.at_ms),
    suspended: num(r.suspended),
  };
}

/** An attended session: what a roster row takes from it. */
interface Attended {
  session: SessionRow;
  start: number;
  scheduledSeconds: number;
  classSeconds: number;
}

/**
 * Sessions that count for attendance: not cancelled or deleted, scheduled (by Wise, else by Zoom),
 * and held (any evidence that the meeting ran: sessionsOf's actual_start). A session past its end
 * with no such evidence is `not_held`: its students are not absent. class_seconds, what the present
 * threshold is a share of: the shorter of the scheduled duration and the time the class actually
 * ran, when both its start and end are known (a class ended early is judged on the time it ran).
 */
function attended(s: SessionRow): Attended | null {
  if (s.is_cancelled !== 0 || s.scheduled_start === null || s.scheduled_end === null || s.actual_start === null) return null;
  const scheduledSeconds = s.scheduled_end - s.scheduled_start;
  const classSeconds = s.actual_end === null ? scheduledSeconds : Math.min(scheduledSeconds, Math.max(s.actual_end - s.actual_start, 0));
  return { session: s, start: s.scheduled_start, scheduledSeconds, classSeconds };
}

/** What a student's facts up to a time say: the latest action and suspension, the latest name and email given. */
interface MemberState {
  action: RosterFact | null;
  name: RosterFact | null;
  email: RosterFact | null;
  suspension: SuspensionFact | null;
}

/** Fact order: time, then (a tie) `tie`. */
const laterBy =
  <F extends { at_ms: number }>(tie: (a: F, b: F) => number) =>
  (a: F, b: F | null): boolean =>
    b === null || a.at_ms > b.at_ms || (a.at_ms === b.at_ms && tie(a, b) > 0);
// A removal wins a tie with an addition ('removed' > 'added'), a suspension one with a lifting.
const laterAction = laterBy<RosterFact>((a, b) => compareBytes(a.action, b.action));
const laterText = laterBy<RosterFact>((a, b) => compareBytes(a.event_id, b.event_id));
const laterSuspension = laterBy<SuspensionFact>((a, b) => a.suspended - b.suspended);

const classroomKey = (institute: string, classroom: string): string => JSON.stringify([institute, classroom]);

function byClassroom<F extends { institute_id: string; classroom_id: string; at_ms: number }>(facts: readonly F[]): Map<string, F[]> {
  const out = new Map<string, F[]>();
  for (const f of facts) {
    const key = classroomKey(f.institute_id, f.classroom_id);
    const list = out.get(key);
    if (list) list.push(f);
    else out.set(key, [f]);
  }
  for (const list of out.values()) list.sort((a, b) => a.at_ms - b.at_ms);
  return out;
}

/**
 * The students enrolled in each attended session's classroom (its classroom now) at its scheduled
 * start: the latest membership fact at or before the start (by time; a removal wins a tie) is an
 * addition. Name and email: the latest fact at or before the start that gave one (by time, then
 * event id), '' if none did. suspended = 1 when the student's latest suspension fact at or before
 * the start suspended them (a suspension wins a tie). The classrooms' facts are walked once in time
 * order, the sessions in order of start, so a classroom costs its facts plus its rows.
 */
export function rosterOf(
  sessions: readonly SessionRow[],
  roster: readonly RosterFact[],
  suspensions: readonly SuspensionFact[],
): RosterRow[] {
  const sessionsByClassroom = new Map<string, Attended[]>();
  for (const s of sessions) {
    const a = attended(s);
    if (!a) continue;
    const key = classroomKey(s.institute_id, s.classroom_id);
    const list = sessionsByClassroom.get(key);
    if (list) list.push(a);
    else sessionsByClassroom.set(key, [a]);
  }
  const rosterOfClassroom = byClassroom(roster);
  const suspensionsOfClassroom = byClassroom(suspensions);
  const out: RosterRow[] = [];
  for (const [key, list] of sessionsByClassroom) {
    list.sort((a, b) => a.start - b.start);
    const facts = rosterOfClassroom.get(key) ?? [];
    const suspended = suspensionsOfClassroom.get(key) ?? [];
    const members = new Map<string, MemberState>();
    const member = (id: string): MemberState => {
      let m = members.get(id);
      if (!m) members.set(id, (m = { action: null, name: null, email: null, suspension: null }));
      return m;
    };
    let i = 0;
    let j = 0;
    for (const a of list) {
      const until = a.start * 1000;
      for (; i < facts.length && facts[i].at_ms <= until; i++) {
        const f = facts[i];
        const m = member(f.member_id);
        if (laterAction(f, m.action)) m.action = f;
        if (f.member_name !== '' && laterText(f, m.name)) m.name = f;
        if (f.member_email !== '' && laterText(f, m.email)) m.email = f;
      }
      for (; j < suspended.length && suspended[j].at_ms <= until; j++) {
        const f = suspended[j];
        const m = member(f.student_id);
        if (laterSuspension(f, m.suspension)) m.suspension = f;
      }
      const s = a.session;
      for (const [student, m] of members) {
        if (m.action?.action !== 'added') continue;
        out.push({
          institute_id: s.institute_id,
          session_id: s.session_id,
          classroom_id: s.classroom_id,
          title: s.title,
          scheduled_start: dateTimeText(a.start),
          scheduled_seconds: a.scheduledSeconds,
          local_day: s.local_day,
          student_id: student,
          student_name: m.name?.member_name ?? '',
          student_email: m.email?.member_email ?? '',
          suspended: m.suspension?.suspended ?? 0,
          class_seconds: a.classSeconds,
        });
      }
    }
  }
  return out;
}
