import { acceptedEventRecord, deriveEventId, ENVELOPE_SCHEMA_VERSION, parseWiseBody, type EventRecord } from '@wise/contracts';
import { projectMessage } from './project-message';

/** A quarantine row as `quarantine replay` reads it. */
export interface QuarantinedDelivery {
  instituteId: string;
  quarantineId: string;
  stage: string;
  receivedAtMs: number;
  raw: string;
  rawEncoding: string;
}

/** What today's contract and projections make of a quarantined delivery. */
export type ReplayVerdict =
  | { kind: 'replay'; eventId: string; eventName: string; record: EventRecord }
  | { kind: 'still-refused'; reason: string }
  | { kind: 'not-replayable'; reason: string };

export const NOT_REPLAYABLE = {
  noInstitute: 'no institute: not from an authenticated delivery',
  notTheBody:
    'the quarantine keeps no delivered body here (a row ClickHouse refused, or a Kafka message without an envelope); if its event is in `events`, `rebuild` re-projects it',
} as const;

/**
 * A quarantined delivery through today's contract and projections. It can be replayed only when
 * its institute is known (it came through the key check) and the raw bytes kept are the delivered
 * body, proven by its id: ingestion names every delivery by sha256(institute, raw body), so the
 * replayed event gets the very id it would have had if accepted at first, and every copy of it
 * collapses into one wherever it lands.
 */
export function replayVerdict(q: QuarantinedDelivery): ReplayVerdict {
  if (q.instituteId === '') return { kind: 'not-replayable', reason: NOT_REPLAYABLE.noInstitute };
  const raw = Buffer.from(q.raw, q.rawEncoding === 'base64' ? 'base64' : 'utf8');
  const eventId = deriveEventId(q.instituteId, raw);
  if (eventId !== q.quarantineId) return { kind: 'not-replayable', reason: NOT_REPLAYABLE.notTheBody };
  const parsed = parseWiseBody(raw);
  if (!parsed.ok) return { kind: 'still-refused', reason: parsed.reason };
  const record = acceptedEventRecord(q.instituteId, eventId, q.receivedAtMs, parsed, raw);
  // The projector would refuse what a projection refuses today: such a body stays in quarantine.
  const projected = projectMessage({ v: ENVELOPE_SCHEMA_VERSION, ...record.head }, raw.toString('utf8'));
  if (projected.kind === 'quarantine') return { kind: 'still-refused', reason: projected.reason };
  return { kind: 'replay', eventId, eventName: parsed.eventName, record };
}
