import type { Envelope } from '@wise/contracts';
import { baseColumns, envelopeTimeMs } from './columns';
import { RECORDING_EVENTS, type ProjectedRows } from './projected-tables';

/**
 * RecordingCompletedEvent: one row per part. `duration` is kept as sent (Wise does not document
 * its unit; its samples look like seconds, which is what the views assume).
 */
export function projectRecording(env: Envelope<'RecordingCompletedEvent'>): ProjectedRows {
  const { payload } = env.body;
  const rows = payload.recordings.map((part) => ({
    ...baseColumns(env),
    session_id: payload.sessionId,
    recording_type: part.type,
    part_index: part.partIndex,
    url: part.url,
    duration: part.duration,
    recorded_by: payload.userId ?? '',
    at_ms: envelopeTimeMs(env),
  }));
  return { [RECORDING_EVENTS]: rows };
}
