/*
 * The sessions of a round, computed in the projector from their schedule and meeting facts
 * (sql/sessions.sql.ts: scheduleFacts, meetingFacts) and their participants' devices (the round's
 * one read of participant events): as one INSERT … SELECT on 18.16, the statement that grouped a
 * union of the three cost more to analyse than to run. The round writes these rows to
 * sessions_store; its rosters, engagement and recordings take the sessions from them.
 */
import type { DeviceRow, SessionWindow } from './engagement-rows';
import { compareBytes, dateTimeText, epochSeconds, num, orNull, round2, text } from './row-values';
import { SCHEDULE_FIELDS } from './sql/sessions.sql';

/** One event of session_events (copies collapsed), as scheduleFacts reads it; times in epoch seconds. */
export interface ScheduleFact {
  institute_id: string;
  session_id: string;
  event_id: string;
  order_ms: number;
  classroom_id: string;
  event_kind: string;
  kind_rank: number;
  title: string | null;
  meeting_status: string | null;
  session_type: string | null;
  teacher_id: string | null;
  scheduled_start: number | null;
  scheduled_end: number | null;
  created_at: number | null;
  /** scheduled_start's day in the institute's zone. */
  start_day: string | null;
}

/** One row of meeting_events, as meetingFacts reads it. */
export interface MeetingFact {
  institute_id: string;
  session_id: string;
  meeting_start: number | null;
  meeting_end: number | null;
  scheduled_minutes: number | null;
  /** meeting_start's day in the institute's zone. */
  start_day: string | null;
}

/** A row of sessions_store; times in epoch seconds. */
export interface SessionRow extends SessionWindow {
  title: string | null;
  meeting_status: string | null;
  session_type: string | null;
  teacher_id: string | null;
  scheduled_minutes: number | null;
  created_at: number | null;
  is_deleted: number;
  is_cancelled: number;
  actual_minutes: number | null;
  local_day: string | null;
}

const seconds = (x: unknown): number | null => orNull(x, (y) => epochSeconds(text(y)));

export function toScheduleFact(r: Record<string, unknown>): ScheduleFact {
  return {
    institute_id: text(r.institute_id),
    session_id: text(r.session_id),
    event_id: text(r.event_id),
    order_ms: num(r.order_ms),
    classroom_id: text(r.classroom_id),
    event_kind: text(r.event_kind),
    kind_rank: num(r.kind_rank),
    title: orNull(r.title, text),
    meeting_status: orNull(r.meeting_status, text),
    session_type: orNull(r.session_type, text),
    teacher_id: orNull(r.teacher_id, text),
    scheduled_start: seconds(r.scheduled_start),
    scheduled_end: seconds(r.scheduled_end),
    created_at: seconds(r.created_at),
    start_day: orNull(r.start_day, text),
  };
}

export function toMeetingFact(r: Record<string, unknown>): MeetingFact {
  return {
    institute_id: text(r.institute_id),
    session_id: text(r.session_id),
    meeting_start: seconds(r.meeting_start),
    meeting_end: seconds(r.meeting_end),
    scheduled_minutes: orNull(r.scheduled_minutes, num),
    start_day: orNull(r.start_day, text),
  };
}

/** Which schedule fact is later: by kind (updates > creation > a deletion's copy or a pointer), its time, then its event id. */
function later(a: ScheduleFact, b: ScheduleFact): boolean {
  if (a.kind_rank !== b.kind_rank) return a.kind_rank > b.kind_rank;
  if (a.order_ms !== b.order_ms) return a.order_ms > b.order_ms;
  return compareBytes(a.event_id, b.event_id) > 0;
}

type Field = (typeof SCHEDULE_FIELDS)[number];

/** What one session's facts add up to while they are read. */
interface Facts {
  institute_id: string;
  session_id: string;
  /** The latest schedule fact, and for each field the latest that carries it (a patch leaves the rest as they were). */
  latest: ScheduleFact | null;
  carriers: Partial<Record<Field, ScheduleFact>>;
  deleted: boolean;
  firstMeetingStart: MeetingFact | null;
  meetingEnd: number | null;
  zoomMinutes: number | null;
  firstJoin: number | null;
}

const minutesBetween = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : round2((to - from) / 60);

/**
 * The schedule as it stands now, one row per session with any schedule or meeting fact or any join.
 * Field values: those of the latest schedule fact that carries the field (by kind, time, event id:
 * `later`). A deletion is terminal whatever its order.
 *
 * What Wise may never deliver (its last retry drops a webhook for good), read from what did arrive:
 * - held on any evidence that the meeting ran: actual_start = Zoom's start of the meeting (the
 *   earliest meeting fact's), else the earliest participant join, else the meeting's end. A join
 *   before Zoom's start (join before host) does not move the start: the class had not begun;
 * - actual_end = the latest MeetingEnded (null when none arrived);
 * - with no scheduled start from Wise, the schedule is Zoom's: its start and its duration.
 * local_day: the scheduled start's day in the institute's time zone (read with the fact it came from).
 */
export function sessionsOf(
  schedule: readonly ScheduleFact[],
  meetings: readonly MeetingFact[],
  devices: readonly DeviceRow[],
): SessionRow[] {
  const sessions = new Map<string, Facts>();
  const of = (institute_id: string, session_id: string): Facts => {
    const key = JSON.stringify([institute_id, session_id]);
    let f = sessions.get(key);
    if (!f) {
      f = {
        institute_id,
        session_id,
        latest: null,
        carriers: {},
        deleted: false,
        firstMeetingStart: null,
        meetingEnd: null,
        zoomMinutes: null,
        firstJoin: null,
      };
      sessions.set(key, f);
    }
    return f;
  };
  for (const fact of schedule) {
    const f = of(fact.institute_id, fact.session_id);
    if (!f.latest || later(fact, f.latest)) f.latest = fact;
    for (const field of SCHEDULE_FIELDS) {
      const carrier = f.carriers[field];
      if (fact[field] !== null && (!carrier || later(fact, carrier))) f.carriers[field] = fact;
    }
    if (fact.event_kind === 'deleted') f.deleted = true;
  }
  for (const m of meetings) {
    const f = of(m.institute_id, m.session_id);
    if (m.meeting_start !== null && (!f.firstMeetingStart || m.meeting_start < f.firstMeetingStart.meeting_start!)) f.firstMeetingStart = m;
    if (m.meeting_end !== null) f.meetingEnd = Math.max(f.meetingEnd ?? m.meeting_end, m.meeting_end);
    if (m.scheduled_minutes !== null) f.zoomMinutes = Math.max(f.zoomMinutes ?? m.scheduled_minutes, m.scheduled_minutes);
  }
  for (const d of devices) {
    if (d.joins.length === 0) continue;
    const f = of(d.institute_id, d.session_id);
    f.firstJoin = Math.min(f.firstJoin ?? d.joins[0], d.joins[0]);
  }
  return [...sessions.values()].map((f) => {
    const value = <K extends Field>(field: K): ScheduleFact[K] | null => f.carriers[field]?.[field] ?? null;
    const patchedStatus = value('meeting_status');
    const meetingStart = f.firstMeetingStart?.meeting_start ?? null;
    const fromZoom = value('scheduled_start') === null && meetingStart !== null;
    const scheduledStart = fromZoom ? meetingStart : value('scheduled_start');
    const scheduledEnd = fromZoom
      ? f.zoomMinutes === null
        ? null
        : meetingStart! + Math.trunc(f.zoomMinutes * 60)
      : value('scheduled_end');
    const actualStart = meetingStart ?? f.firstJoin ?? f.meetingEnd;
    return {
      institute_id: f.institute_id,
      session_id: f.session_id,
      classroom_id: f.latest?.classroom_id ?? '',
      title: value('title'),
      meeting_status: f.deleted ? 'CANCELLED' : patchedStatus,
      session_type: value('session_type'),
      teacher_id: value('teacher_id'),
      scheduled_start: scheduledStart,
      scheduled_end: scheduledEnd,
      scheduled_minutes: minutesBetween(scheduledStart, scheduledEnd),
      created_at: value('created_at'),
      is_deleted: f.deleted ? 1 : 0,
      is_cancelled: f.deleted || patchedStatus === 'CANCELLED' ? 1 : 0,
      actual_start: actualStart,
      actual_end: f.meetingEnd,
      actual_minutes: minutesBetween(actualStart, f.meetingEnd),
      local_day: fromZoom ? (f.firstMeetingStart?.start_day ?? null) : (f.carriers.scheduled_start?.start_day ?? null),
    };
  });
}

/** A session row as ClickHouse reads it (DateTimes as text), for sessions_store. */
export function sessionValues(s: SessionRow): Record<string, unknown> {
  const at = (x: number | null) => (x === null ? null : dateTimeText(x));
  return {
    ...s,
    scheduled_start: at(s.scheduled_start),
    scheduled_end: at(s.scheduled_end),
    created_at: at(s.created_at),
    actual_start: at(s.actual_start),
    actual_end: at(s.actual_end),
  };
}
