/*
 * Attendance, computed in the projector from the round's rosters (roster-rows.ts), the engagement
 * rows it computed (engagement-rows.ts) and the institutes' attendance rules, as engagement is.
 */
import { byStart, unionSeconds, type EngagementRow } from './engagement-rows';
import type { RosterRow } from './roster-rows';
import { mondayOf, num, round2, text } from './row-values';

/** An institute's attendance rule (its highest rule_version; sql/attendance.sql.ts). */
export interface AttendanceRule {
  institute_id: string;
  min_percent: number;
  min_minutes: number;
  /** 'scheduled': judged on the scheduled duration; anything else on the class's (class_seconds). */
  judge_on: string;
}

/** Without a rule: 50 % of the class, and at least a minute. */
const DEFAULT_RULE = { min_percent: 50, min_minutes: 1, judge_on: 'class' };

/** The columns of attendance_store a round writes, in order. */
export const ATTENDANCE_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'session_title',
  'scheduled_start',
  'week',
  'student_id',
  'student_name',
  'student_email',
  'seconds_present',
  'minutes_present',
  'first_join',
  'minutes_late',
  'scheduled_minutes',
  'min_percent',
  'min_minutes',
  'required_minutes',
  'present',
  'status',
  'minutes_late_scheduled',
  'class_minutes',
] as const;

export type AttendanceRow = Record<(typeof ATTENDANCE_STORE_COLUMNS)[number], string | number | null>;

export function toAttendanceRule(r: Record<string, unknown>): AttendanceRule {
  return {
    institute_id: text(r.institute_id),
    min_percent: num(r.min_percent),
    min_minutes: num(r.min_minutes),
    judge_on: text(r.judge_on),
  };
}

/** What a student's matched participants add up to in one session. */
interface StudentTime {
  firstJoin: string | null;
  minutesLate: number | null;
  minutesLateScheduled: number | null;
  present: Array<readonly [number, number]>;
}

/** The smaller of two, null when both are (ClickHouse's min() skips NULL). */
const minOf = <T extends number | string>(a: T | null, b: T | null): T | null => (a === null ? b : b === null ? a : b < a ? b : a);

/**
 * Attendance per attended session and enrolled student (every roster row). Time present = the union
 * of the 'present' intervals of every participant matched to the student (a student on two
 * identities still counts once), already clipped to the class. The threshold is a share of
 * class_seconds (the shorter of scheduled and actual duration, roster-rows.ts), or of the scheduled
 * duration for an institute whose rule says judge_on = 'scheduled': present when seconds_present
 * reaches min_percent % of it and min_minutes, and is more than 0. A student suspended at the
 * session's start is `suspended`, never present or absent. first_join and both lateness figures: the
 * earliest of the student's participants that joined (lateness is monotone in the join); none when
 * no matched participant joined. week = the Monday of the session's scheduled start in the
 * institute's time zone.
 */
export function attendanceOf(
  roster: readonly RosterRow[],
  engagement: readonly EngagementRow[],
  rules: ReadonlyMap<string, AttendanceRule>,
): AttendanceRow[] {
  const students = new Map<string, StudentTime>();
  for (const e of engagement) {
    if (e.student_id === '' || e.present_starts.length === 0) continue;
    const key = JSON.stringify([e.institute_id, e.session_id, e.student_id]);
    const s = students.get(key) ?? { firstJoin: null, minutesLate: null, minutesLateScheduled: null, present: [] };
    students.set(key, s);
    // first_join is 'YYYY-MM-DD hh:mm:ss': text order is time order.
    s.firstJoin = minOf(s.firstJoin, e.first_join);
    s.minutesLate = minOf(s.minutesLate, e.minutes_late);
    s.minutesLateScheduled = minOf(s.minutesLateScheduled, e.minutes_late_scheduled);
    e.present_starts.forEach((start, i) => s.present.push([start, e.present_ends[i]]));
  }
  return roster.map((r) => {
    const s = students.get(JSON.stringify([r.institute_id, r.session_id, r.student_id]));
    const secondsPresent = s ? unionSeconds(s.present.sort(byStart)) : 0;
    const rule = rules.get(r.institute_id) ?? DEFAULT_RULE;
    const judged = rule.judge_on === 'scheduled' ? r.scheduled_seconds : r.class_seconds;
    const present =
      r.suspended === 0 &&
      secondsPresent > 0 &&
      secondsPresent >= (rule.min_percent * judged) / 100 &&
      secondsPresent >= rule.min_minutes * 60;
    return {
      institute_id: r.institute_id,
      session_id: r.session_id,
      classroom_id: r.classroom_id,
      session_title: r.title,
      scheduled_start: r.scheduled_start,
      // An attended session has a scheduled start, so a day (assumeNotNull's epoch otherwise).
      week: r.local_day === null ? '1970-01-01' : mondayOf(r.local_day),
      student_id: r.student_id,
      student_name: r.student_name,
      student_email: r.student_email,
      seconds_present: secondsPresent,
      minutes_present: round2(secondsPresent / 60),
      first_join: s?.firstJoin ?? null,
      minutes_late: s?.minutesLate ?? null,
      scheduled_minutes: round2(r.scheduled_seconds / 60),
      min_percent: rule.min_percent,
      min_minutes: rule.min_minutes,
      required_minutes: round2(Math.max((rule.min_percent * judged) / 100, rule.min_minutes * 60) / 60),
      present: present ? 1 : 0,
      status: r.suspended === 1 ? 'suspended' : present ? 'present' : 'absent',
      minutes_late_scheduled: s?.minutesLateScheduled ?? null,
      class_minutes: round2(judged / 60),
    };
  });
}
