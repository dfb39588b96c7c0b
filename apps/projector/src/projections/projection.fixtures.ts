import type { Envelope } from '@wise/contracts';

/** An envelope around `body` for the unit specs (ids and times fixed; no contract check). */
export function envelope(body: { event: string; [k: string]: unknown }, over: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    eventId: 'e1',
    instituteId: 'inst',
    eventName: body.event,
    receivedAt: Date.UTC(2024, 5, 3, 12, 0, 0),
    occurredAt: null,
    sessionId: null,
    classroomId: null,
    userId: null,
    body,
    ...over,
  };
}

export const RECEIVED_S = Date.UTC(2024, 5, 3, 12, 0, 0) / 1000;
export const at = (iso: string) => Date.parse(iso) / 1000;
