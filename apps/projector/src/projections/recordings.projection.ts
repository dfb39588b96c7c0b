import type { Envelope } from '@wise/contracts';
import {
  arrayAt,
  asObject,
  baseColumns,
  envelopeTimeMs,
  numberOrNull,
  payloadOf,
  ProjectionError,
  requiredText,
  text,
  type ProjectedRows,
} from './projection.helpers';
import { RECORDING_EVENTS } from './tables';

/**
 * RecordingCompletedEvent: one row per part. `duration` is kept as sent (Wise does not document
 * its unit; its samples look like seconds, which is what the views assume).
 */
export function projectRecording(env: Envelope): ProjectedRows {
  const payload = payloadOf(env);
  const sessionId = requiredText(payload, 'sessionId', 'payload');
  const parts = arrayAt(payload, 'recordings', 'payload');
  const rows = parts.map((raw, i) => {
    const where = `payload.recordings[${i}]`;
    const part = asObject(raw, where);
    const duration = numberOrNull(part.duration);
    const partIndex = numberOrNull(part.partIndex);
    if (duration === null || duration < 0) throw new ProjectionError(`${where}.duration is missing or negative`);
    if (partIndex === null || !Number.isInteger(partIndex) || partIndex < 0) throw new ProjectionError(`${where}.partIndex is not a non-negative integer`);
    return {
      ...baseColumns(env),
      session_id: sessionId,
      recording_type: requiredText(part, 'type', where),
      part_index: partIndex,
      url: text(part.url),
      duration,
      recorded_by: text(payload.userId),
      at_ms: envelopeTimeMs(env),
    };
  });
  return { [RECORDING_EVENTS]: rows };
}
