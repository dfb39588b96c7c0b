import { recordingsOf, type RecordingFact } from './recording-rows';
import { epochSeconds } from './row-values';
import type { SessionRow } from './session-rows';

// Optics is scheduled 23:30 UTC on Wednesday 9 December 2026: Thursday 10 in Kolkata, the institute's zone.
const START = epochSeconds('2026-12-09 23:30:00');

const optics: SessionRow = {
  institute_id: 'i',
  session_id: 'optics',
  classroom_id: 'physics',
  title: 'Optics',
  meeting_status: null,
  session_type: null,
  teacher_id: null,
  scheduled_start: START,
  scheduled_end: START + 3600,
  scheduled_minutes: 60,
  created_at: null,
  is_deleted: 0,
  is_cancelled: 0,
  actual_start: START,
  actual_end: null,
  actual_minutes: null,
  local_day: '2026-12-10',
};

const fact = (session_id: string, part_index: number, event_id: string, atS: number, over: Partial<RecordingFact>): RecordingFact => ({
  institute_id: 'i',
  session_id,
  recording_type: 'cloud',
  part_index,
  event_id,
  at_ms: atS * 1000 + 250,
  url: '',
  duration: 0,
  at_day: '2026-12-10',
  ...over,
});

const facts = [
  // Part 0 completed twice: the later fact's url and duration, the first one's time.
  fact('optics', 0, 'r1', START + 4000, { url: 'https://r/0a', duration: 1000 }),
  fact('optics', 0, 'r2', START + 5000, { url: 'https://r/0b', duration: 1800 }),
  // Part 1: two facts in one millisecond, the larger event id's wins; 7.5 s is 0.125 min, 0.13 (half away from zero).
  fact('optics', 1, 'r4', START + 6000, { url: 'https://r/1b', duration: 7.5 }),
  fact('optics', 1, 'r3', START + 6000, { url: 'https://r/1a', duration: 60 }),
  // A recording of a session the round has no other fact of: its day is the recording's.
  fact('orphan', 0, 'r5', START + 100, { url: 'https://r/x', duration: 90, at_day: '2026-12-11' }),
];

// What each row of an Optics recording takes from its session.
const ofOptics = {
  institute_id: 'i',
  session_id: 'optics',
  classroom_id: 'physics',
  session_title: 'Optics',
  session_start: '2026-12-09 23:30:00',
  recording_type: 'cloud',
};

const key = (r: { session_id: unknown; part_index: unknown }) => `${String(r.session_id)}/${String(r.part_index)}`;
const sorted = (rows: ReturnType<typeof recordingsOf>) => rows.sort((a, b) => key(a).localeCompare(key(b)));

describe('recordingsOf', () => {
  it('keeps one row per part, from its latest fact, with its session’s schedule', () => {
    expect(sorted(recordingsOf(facts, [optics]))).toEqual([
      {
        ...ofOptics,
        part_index: 0,
        url: 'https://r/0b',
        duration_seconds: 1800,
        duration_minutes: 30,
        recorded_at: '2026-12-10 00:36:40',
        local_day: '2026-12-10',
      },
      {
        ...ofOptics,
        part_index: 1,
        url: 'https://r/1b',
        duration_seconds: 7.5,
        duration_minutes: 0.13,
        recorded_at: '2026-12-10 01:10:00',
        local_day: '2026-12-10',
      },
      {
        institute_id: 'i',
        session_id: 'orphan',
        classroom_id: '',
        session_title: null,
        session_start: null,
        recording_type: 'cloud',
        part_index: 0,
        url: 'https://r/x',
        duration_seconds: 90,
        duration_minutes: 1.5,
        recorded_at: '2026-12-09 23:31:40',
        local_day: '2026-12-11',
      },
    ]);
  });

  it('gives the same rows whatever the order of the facts', () => {
    expect(sorted(recordingsOf([...facts].reverse(), [optics]))).toEqual(sorted(recordingsOf(facts, [optics])));
  });
});
