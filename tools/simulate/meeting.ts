import { uuid4, zoomUserId, zoomUuid } from './ids';
import { LEAVE_REASONS, RECORDING_TYPES, SHARE_CONTENTS } from './names';
import { Rng } from './rng';
import { attendanceComputed, recordingCompleted, type RecordingPart, type WiseBody } from './wise-bodies';
import type { Classroom, Person, SimInstitute } from './world';
import {
  meetingEnded,
  meetingStarted,
  participantJoined,
  participantLeft,
  sharing,
  type ZoomConnection,
  type ZoomMeeting,
} from './zoom-bodies';

/** A body and when Wise delivers it (epoch ms). */
export interface Planned {
  at: number;
  body: WiseBody;
}

export interface HeldSession {
  id: string;
  title: string;
  startMs: number;
  endMs: number;
}

const MIN = 60_000;

/** Wise forwards Zoom's webhook a moment after the fact. */
const lag = (rng: Rng) => rng.int(150, 2500);

/**
 * One held session: the host starts it, people join (late, twice, from two devices, as guests),
 * drop and rejoin, share their screens, leave (some leaves never arrive), the meeting ends, and
 * the recording and Wise's attendance note follow.
 */
export function planMeeting(rng: Rng, inst: SimInstitute, c: Classroom, s: HeldSession, enrolled: Person[]): Planned[] {
  const out: Planned[] = [];
  const emit = (t: number, make: (eventTs: number) => WiseBody) => out.push({ at: t + lag(rng), body: make(t + rng.int(0, 40)) });
  const t0 = Math.round(s.startMs + rng.around(1, 3, -4, 8) * MIN + rng.int(0, 59_000));
  const tEnd = Math.round(Math.max(t0 + 10 * MIN, s.endMs + rng.around(2, 4, -5, 12) * MIN) + rng.int(0, 59_000));
  const m: ZoomMeeting = {
    sessionId: s.id,
    accountId: inst.zoomAccountId,
    id: rng.int(80_000_000_000, 99_999_999_999),
    uuid: zoomUuid(rng),
    hostId: `${c.teacher._id.slice(0, 6)}${rng.alnum(16)}`,
    topic: s.title,
    startMs: t0,
    duration: c.minutes,
  };
  emit(t0, (ts) => meetingStarted(m, ts));

  const connect = (userName: string, email: string, uuid: string, from: number, to: number, reason: string, leaveArrives = true) => {
    const conn: ZoomConnection = { userId: zoomUserId(rng), userName, email, participantUuid: uuid, joinMs: from };
    emit(from, (ts) => participantJoined(m, conn, ts));
    if (leaveArrives) emit(to, (ts) => participantLeft(m, conn, to, reason, ts));
    return conn;
  };

  // The host: in from the start to the end, sharing now and then.
  const host = connect(
    c.teacher.name,
    c.teacher.email,
    uuid4(rng),
    t0 + rng.int(3_000, 20_000),
    tEnd - rng.int(0, 5_000),
    'host ended the meeting',
  );
  let cursor = host.joinMs + rng.int(2, 10) * MIN;
  for (let n = rng.int(0, 3); n > 0 && cursor < tEnd - 10 * MIN; n--) {
    const d = rng.pick(SHARE_CONTENTS);
    const details = {
      content: d.content,
      source: d.source,
      link_source: '',
      file_link: d.file_link ? `${d.file_link}${rng.alnum(28)}` : '',
    };
    const stop = Math.min(tEnd - MIN, cursor + rng.int(5, 20) * MIN);
    const from = cursor;
    emit(from, (ts) => sharing('started', m, host, details, from, ts));
    emit(stop, (ts) => sharing('ended', m, host, details, stop, ts));
    cursor = stop + rng.int(3, 15) * MIN;
  }

  for (const student of enrolled) {
    if (!rng.chance(0.85)) continue;
    // Zoom shows whatever the student typed: mostly the Wise email, sometimes another case, or none.
    const style = rng.next();
    const email = style < 0.9 ? student.email : style < 0.95 ? student.email.replace(/^./, (ch) => ch.toUpperCase()) : '';
    const name = email === '' && rng.chance(0.5) ? student.name.toLowerCase() : student.name;
    const uuid = uuid4(rng);
    let join = t0 + Math.max(0, rng.around(3, 4, 0)) * MIN + rng.int(0, 59_000);
    if (rng.chance(0.15)) join += rng.int(8, 25) * MIN;
    join = Math.min(join, tEnd - 5 * MIN);
    let leave = rng.chance(0.1) ? rng.int(join + 5 * MIN, tEnd) : tEnd - rng.int(0, 60_000);
    leave = Math.max(leave, join + MIN);
    const reason = leave >= tEnd - 60_000 ? 'host ended the meeting' : rng.pick(LEAVE_REASONS.slice(0, 2));
    const lastLeaveArrives = !rng.chance(0.02);
    if (rng.chance(0.15) && leave - join > 12 * MIN) {
      // Dropped and rejoined: a new Zoom connection for the same person and device.
      const drop = rng.int(join + 3 * MIN, leave - 8 * MIN);
      connect(name, email, uuid, join, drop, 'lost connection');
      connect(name, email, uuid, drop + rng.int(20_000, 240_000), leave, reason, lastLeaveArrives);
    } else {
      connect(name, email, uuid, join, leave, reason, lastLeaveArrives);
    }
    if (rng.chance(0.07) && leave - join > 10 * MIN) {
      // A second device (phone beside the laptop), overlapping the first.
      const from = rng.int(join, leave - 5 * MIN);
      connect(name, email, uuid4(rng), from, rng.int(from + 2 * MIN, leave + 2 * MIN > tEnd ? tEnd : leave + 2 * MIN), 'left the meeting');
    }
    if (rng.chance(0.03) && leave - join > 10 * MIN) {
      const conn: ZoomConnection = { userId: zoomUserId(rng), userName: name, email, participantUuid: uuid, joinMs: join };
      const from = rng.int(join + MIN, leave - 5 * MIN);
      const stop = from + rng.int(1, 4) * MIN;
      const details = { content: 'application', source: 'in_meeting', link_source: '', file_link: '' };
      emit(from, (ts) => sharing('started', m, conn, details, from, ts));
      emit(stop, (ts) => sharing('ended', m, conn, details, stop, ts));
    }
  }
  emit(tEnd, (ts) => meetingEnded(m, tEnd, ts));

  if (rng.chance(0.9)) out.push({ at: tEnd + rng.int(1, 5) * MIN, body: attendanceComputed(s.id, c._id, c.teacher._id) });
  if (c.records)
    out.push({
      at: tEnd + rng.int(10, 40) * MIN + rng.int(0, 59_000),
      body: recordingCompleted(c.teacher._id, s.id, recordingParts(rng, c, s.id, tEnd - t0)),
    });
  return out;
}

/** A recording in one to three parts (paused and resumed), sometimes with an audio-only track. */
function recordingParts(rng: Rng, c: Classroom, sessionId: string, meetingMs: number): RecordingPart[] {
  const parts = rng.chance(0.7) ? 1 : rng.chance(0.8) ? 2 : 3;
  let left = Math.floor(meetingMs / 1000) - rng.int(0, 120);
  const out: RecordingPart[] = [];
  const audio = rng.chance(0.2);
  for (let i = 0; i < parts; i++) {
    const duration = i === parts - 1 ? Math.max(60, left) : rng.int(Math.floor(left / 4), Math.floor((left * 3) / 4));
    left -= duration;
    const url = (type: string) => `https://recordings.wise.live/${c._id}/${sessionId}/${type}/part-${i}.mp4`;
    out.push({ type: RECORDING_TYPES[0], url: url(RECORDING_TYPES[0]), duration, partIndex: i });
    if (audio) out.push({ type: RECORDING_TYPES[2], url: url(RECORDING_TYPES[2]).replace('.mp4', '.m4a'), duration, partIndex: i });
  }
  return out;
}
