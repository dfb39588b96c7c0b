import { z } from 'zod';
import { optionalPlannedTime, optionalRefId, optionalText, optionalWiseTime, wiseEvent, wiseId, wiseObject } from './common.schemas';

/*
 * Session scheduling. Only `_id` and `classId` are required on every item: updates are sparse
 * patches where a missing field means "unchanged", so nothing else may be demanded or defaulted.
 */
const sessionItem = wiseObject({
  _id: wiseId,
  classId: wiseId,
  userId: optionalRefId,
  createdAt: optionalWiseTime,
  updatedAt: optionalWiseTime,
  meetingStatus: optionalText,
  type: optionalText,
  title: optionalText,
  scheduledStartTime: optionalPlannedTime,
  scheduledEndTime: optionalPlannedTime,
});

// An empty list changes nothing and points at nothing: more likely a broken sender than an event.
const sessionsPayload = wiseObject({ sessions: z.array(sessionItem).min(1) });

export const sessionsCreatedSchema = wiseEvent('SessionsCreatedEvent', sessionsPayload);
export const sessionsUpdatedSchema = wiseEvent('SessionsUpdatedEvent', sessionsPayload);
export const sessionsDeletedSchema = wiseEvent('SessionsDeletedEvent', sessionsPayload);

/** Wise's note that it computed attendance: a pointer to the session, carrying no values. */
export const attendanceComputedSchema = wiseEvent(
  'AttendanceComputedEvent',
  wiseObject({
    session: wiseObject({
      _id: wiseId,
      classId: optionalRefId,
      userId: optionalRefId,
    }),
  }),
);
