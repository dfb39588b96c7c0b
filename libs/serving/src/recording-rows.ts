/*
 * Recordings, computed in the projector from the round's recording facts (sql/recordings.sql.ts:
 * recordingFacts) and the sessions it computed (session-rows.ts), as the other stores are: no
 * statement of a round joins a session row back from ClickHouse.
 */
import type { SessionRow } from './session-rows';
import { compareBytes, dateTimeText, num, round2, text } from './row-values';

/** One RecordingCompletedEvent (copies collapsed: at_ms its first delivery's). */
export interface RecordingFact {
  institute_id: string;
  session_id: string;
  recording_type: string;
  part_index: number;
  event_id: string;
  at_ms: number;
  url: string;
  duration: number;
  /** at_ms's day in the institute's zone. */
  at_day: string;
}

export const RECORDING_STORE_COLUMNS = [
  'institute_id',
  'session_id',
  'classroom_id',
  'session_title',
  'session_start',
  'recording_type',
  'part_index',
  'url',
  'duration_seconds',
  'duration_minutes',
  'recorded_at',
  'local_day',
] as const;

export type RecordingRow = Record<(typeof RECORDING_STORE_COLUMNS)[number], string | number | null>;

export function toRecordingFact(r: Record<string, unknown>): RecordingFact {
  return {
    institute_id: text(r.institute_id),
    session_id: text(r.session_id),
    recording_type: text(r.recording_type),
    part_index: num(r.part_index),
    event_id: text(r.event_id),
    at_ms: num(r.at_ms),
    url: text(r.url),
    duration: num(r.duration),
    at_day: text(r.at_day),
  };
}

/** Fact order: time, then event id. */
const later = (a: RecordingFact, b: RecordingFact): boolean =>
  a.at_ms > b.at_ms || (a.at_ms === b.at_ms && compareBytes(a.event_id, b.event_id) > 0);

/**
 * One row per session, type and part: url and duration from its latest fact (by time, then event
 * id), recorded_at its first fact's time. duration_seconds is Wise's `duration`, whose unit Wise
 * does not document; its samples are seconds. The session's classroom, title and scheduled start
 * (none, and classroom '', for a session the round has no schedule, meeting or participant fact
 * of); local_day: the session's scheduled start's day, else the recording's arrival's, in the
 * institute's time zone.
 */
export function recordingsOf(facts: readonly RecordingFact[], sessions: readonly SessionRow[]): RecordingRow[] {
  const parts = new Map<string, { first: RecordingFact; latest: RecordingFact }>();
  for (const f of facts) {
    const key = JSON.stringify([f.institute_id, f.session_id, f.recording_type, f.part_index]);
    const p = parts.get(key);
    if (!p) parts.set(key, { first: f, latest: f });
    else {
      if (f.at_ms < p.first.at_ms) p.first = f;
      if (later(f, p.latest)) p.latest = f;
    }
  }
  const sessionOf = new Map(sessions.map((s) => [JSON.stringify([s.institute_id, s.session_id]), s]));
  return [...parts.values()].map(({ first, latest }) => {
    const s = sessionOf.get(JSON.stringify([latest.institute_id, latest.session_id]));
    const start = s?.scheduled_start ?? null;
    return {
      institute_id: latest.institute_id,
      session_id: latest.session_id,
      classroom_id: s?.classroom_id ?? '',
      session_title: s?.title ?? null,
      session_start: start === null ? null : dateTimeText(start),
      recording_type: latest.recording_type,
      part_index: latest.part_index,
      url: latest.url,
      duration_seconds: latest.duration,
      duration_minutes: round2(latest.duration / 60),
      recorded_at: dateTimeText(Math.floor(first.at_ms / 1000)),
      local_day: start === null ? first.at_day : (s?.local_day ?? first.at_day),
    };
  });
}
