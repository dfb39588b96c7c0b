import { envelope, refusal } from './projection.fixtures';
import { projectRecording } from './recordings.projection';
import { RECORDING_EVENTS } from './projected-tables';

const body = (recordings: unknown) => ({
  event: 'RecordingCompletedEvent' as const,
  payload: { userId: 't1', sessionId: 's1', recordings },
});
const run = (recordings: unknown) => projectRecording(envelope(body(recordings)))[RECORDING_EVENTS]!;

describe('projectRecording', () => {
  it('writes one row per part, duration as sent', () => {
    const rows = run([
      { type: 'video', url: 'u0', duration: 1800, partIndex: 0 },
      { type: 'video', url: 'u1', duration: 1500, partIndex: 1 },
    ]);
    expect(rows.map((r) => [r.session_id, r.recording_type, r.part_index, r.url, r.duration])).toEqual([
      ['s1', 'video', 0, 'u0', 1800],
      ['s1', 'video', 1, 'u1', 1500],
    ]);
  });

  it('writes nothing for an empty recording list', () => expect(run([])).toEqual([]));

  it.each([
    ['recordings not a list', 'x', /payload\.recordings/],
    ['a negative duration', [{ type: 'video', url: 'u', duration: -1, partIndex: 0 }], /recordings\[0\]\.duration/],
    ['a fractional partIndex', [{ type: 'video', url: 'u', duration: 1, partIndex: 0.5 }], /recordings\[0\]\.partIndex/],
    ['a part without type', [{ url: 'u', duration: 1, partIndex: 0 }], /recordings\[0\]\.type/],
  ])('refuses %s', (_case, recordings, reason) => expect(refusal(body(recordings))).toMatch(reason));
});
