import { parseWiseBody, type Envelope, type EnvelopeHead, type WiseEventBody, type WiseEventName } from '@wise/contracts';
import { projectMessage } from './project-message';

/** For the unit specs: ids and times fixed. */
const RECEIVED_MS = Date.UTC(2024, 5, 3, 12, 0, 0);
export const RECEIVED_S = RECEIVED_MS / 1000;
export const at = (iso: string) => Date.parse(iso) / 1000;

const head = (eventName: string, over: Partial<EnvelopeHead>): EnvelopeHead & { v: number } => ({
  v: 1,
  eventId: 'e1',
  instituteId: 'inst',
  eventName,
  receivedAt: RECEIVED_MS,
  occurredAt: null,
  sessionId: null,
  classroomId: null,
  userId: null,
  ...over,
});

/**
 * The typed envelope around `body`, which must pass the contract (as everything the projector
 * projects has): a spec cannot hand a projection a body ingestion would have refused.
 */
export function envelope<N extends WiseEventName>(
  body: { event: N; payload: unknown; [k: string]: unknown },
  over: Partial<EnvelopeHead> = {},
): Envelope<N> {
  const parsed = parseWiseBody(JSON.stringify(body));
  if (!parsed.ok) throw new Error(`spec body refused by the contract: ${parsed.reason}`);
  return { ...head(body.event, over), eventName: body.event, body: parsed.body as WiseEventBody<N> };
}

/** Why the projection step refuses `body` (a spec failure if it projects it). */
export function refusal(body: { event: string; [k: string]: unknown }): string {
  const result = projectMessage(head(body.event, {}), JSON.stringify(body));
  if (result.kind === 'ok') throw new Error('expected a refusal, but the body projects');
  return result.reason;
}
