/*
 * The weekly attendance rollup, summed in the projector from the latest attendance rows that
 * weekAttendanceRows (sql/weekly.sql.ts) reads: on 18.16 the rollup as one INSERT … SELECT (a
 * join of the scopes with the grouped rows, over the latest rows) cost about 90 ms of ClickHouse
 * CPU per round, most of it analysing the statement (measured in
 * docs/benchmarks.md, "Fee rows and the weekly rollup computed in the projector").
 */

import { KeySet } from './keys';
import { mondayOf, num, text } from './row-values';
import type { MeetingFact, ScheduleFact } from './session-rows';

/** A latest live row of attendance_store, as weekAttendanceRows reads it. */
export interface WeekAttendanceRow {
  institute_id: string;
  session_id: string;
  classroom_id: string;
  /** The Monday of the session's week, 'YYYY-MM-DD'. */
  week: string;
  present: number;
  status: string;
}

/** A row of attendance_weekly_store. */
export interface WeeklyRow {
  institute_id: string;
  classroom_id: string;
  week: string;
  sessions: number;
  enrolled_slots: number;
  present: number;
  suspended: number;
  /** A scope with no attended session is retired. */
  _deleted: number;
}

/** A row of weekAttendanceRows, typed (18.16 sends some integers as text). */
export function toWeekAttendanceRow(r: Record<string, unknown>): WeekAttendanceRow {
  return {
    institute_id: text(r.institute_id),
    session_id: text(r.session_id),
    classroom_id: text(r.classroom_id),
    week: text(r.week),
    present: num(r.present),
    status: text(r.status),
  };
}

/**
 * The rollup of each classroom-week of `scopes` ([institute, classroom, Monday]): its sessions, the
 * student-sessions the rate counts (enrolled_slots: not suspended) and those present, and the
 * suspended ones, over the rows whose own classroom and week are the scope's. Every scope gets a
 * row; one with no student-session is marked deleted.
 */
export function weeklyRollup(scopes: readonly (readonly string[])[], rows: readonly WeekAttendanceRow[]): WeeklyRow[] {
  const out = new Map<string, WeeklyRow & { sessionIds: Set<string> }>();
  for (const [institute_id, classroom_id, week] of scopes)
    out.set(JSON.stringify([institute_id, classroom_id, week]), {
      institute_id,
      classroom_id,
      week,
      sessions: 0,
      enrolled_slots: 0,
      present: 0,
      suspended: 0,
      _deleted: 1,
      sessionIds: new Set(),
    });
  for (const row of rows) {
    const scope = out.get(JSON.stringify([row.institute_id, row.classroom_id, row.week]));
    if (!scope) continue;
    if (row.status === 'suspended') scope.suspended += 1;
    else {
      scope.enrolled_slots += 1;
      scope.sessionIds.add(row.session_id);
    }
    scope.present += row.present;
  }
  return [...out.values()].map(({ sessionIds, ...row }) => ({
    ...row,
    sessions: sessionIds.size,
    _deleted: row.enrolled_slots + row.suspended === 0 ? 1 : 0,
  }));
}

/**
 * Every classroom-week (institute, classroom, Monday) that any version of the sessions whose facts
 * are given placed them in: the schedule's starts, and Zoom's start of their meetings (the schedule
 * of a session whose schedule events never came) under every classroom their schedule facts name.
 * Where their attendance counts now, and where it counted before a move or a reschedule: the
 * scopes a round recomputes the rollup of. Days are in the institute's zone, as read.
 */
export function weekScopes(schedule: readonly ScheduleFact[], meetings: readonly MeetingFact[]): KeySet {
  const scopes = new KeySet(['institute_id', 'classroom_id', 'week']);
  const classrooms = new Map<string, Set<string>>();
  for (const f of schedule) {
    const session = JSON.stringify([f.institute_id, f.session_id]);
    classrooms.set(session, (classrooms.get(session) ?? new Set()).add(f.classroom_id));
    if (f.scheduled_start !== null && f.start_day !== null) scopes.add(f.institute_id, f.classroom_id, mondayOf(f.start_day));
  }
  for (const m of meetings) {
    if (m.meeting_start === null || m.start_day === null) continue;
    for (const classroom of classrooms.get(JSON.stringify([m.institute_id, m.session_id])) ?? [])
      scopes.add(m.institute_id, classroom, mondayOf(m.start_day));
  }
  return scopes;
}
