import { z } from 'zod';
import { optionalRefId, wiseEvent, wiseId, wiseObject } from './common.schemas';

// duration's unit is not documented by Wise: it is checked as a number and kept as sent.
const recordingPart = wiseObject({
  type: z.string().min(1),
  url: z.string().min(1),
  duration: z.number().nonnegative(),
  // part_index is a UInt32 column: a larger index would wrap around, so it is quarantined.
  partIndex: z.number().int().nonnegative().max(0xffffffff),
});

export const recordingCompletedSchema = wiseEvent(
  'RecordingCompletedEvent',
  wiseObject({
    userId: optionalRefId,
    sessionId: wiseId,
    recordings: z.array(recordingPart),
  }),
);
