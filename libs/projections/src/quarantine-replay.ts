import {
  acceptedEventRecord,
  deriveEventId,
  ENVELOPE_SCHEMA_VERSION,
  implausibleTime,
  parseWiseBody,
  type EventRecord,
} from '@wise/contracts';
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

/** An institute as PostgreSQL knows it now (the replay's source of truth, not the quarantine row). */
export type InstituteStanding = 'enabled' | 'disabled' | 'unknown';

/** What today's contract and projections make of a quarantined delivery. */
export type ReplayVerdict =
  | { kind: 'replay'; eventId: string; eventName: string; record: EventRecord }
  | { kind: 'still-refused'; reason: string }
  | { kind: 'not-replayable'; reason: string }
  | { kind: 'unverified'; reason: string };

export const NOT_REPLAYABLE = {
  noInstitute: 'no institute: not from an authenticated delivery',
} as const;

export const UNVERIFIED = {
  notTheBody:
    'its raw bytes do not give its id (sha256 of institute and body), so they are not the body delivered for that institute: a row ClickHouse refused keeps the row instead (if its event is in `events`, `rebuild` re-projects it), anything else was altered after it was stored',
  unknownInstitute: (slug: string) =>
    `institute "${slug}" is not in PostgreSQL (removed, or never registered): nothing vouches for the delivery`,
  disabledInstitute: (slug: string) =>
    `institute "${slug}" is disabled: its webhooks are refused today (\`institutes enable ${slug}\` first if its deliveries should count)`,
  receivedAt: (why: string) => `its receipt time ${why}: a row ingestion wrote has the time it was received`,
} as const;

/**
 * A quarantined delivery, re-verified, through today's contract and projections. Nothing the row
 * says is taken on trust, as ClickHouse rows can be written by more than ingestion: it is replayed
 * only when its institute is known and enabled in PostgreSQL now, the raw bytes kept are the body
 * delivered for that institute (proven by recomputing its id: ingestion names every delivery by
 * sha256(institute, raw body), so the replayed event gets the very id it would have had if
 * accepted at first, and every copy collapses into one wherever it lands), its receipt time is a
 * plausible time (the contract's rule), and today's contract and projection accept the body.
 */
export function replayVerdict(q: QuarantinedDelivery, standing: (slug: string) => InstituteStanding, nowMs = Date.now()): ReplayVerdict {
  if (q.instituteId === '') return { kind: 'not-replayable', reason: NOT_REPLAYABLE.noInstitute };
  const raw = Buffer.from(q.raw, q.rawEncoding === 'base64' ? 'base64' : 'utf8');
  const eventId = deriveEventId(q.instituteId, raw);
  if (eventId !== q.quarantineId) return { kind: 'unverified', reason: UNVERIFIED.notTheBody };
  const institute = standing(q.instituteId);
  if (institute === 'unknown') return { kind: 'unverified', reason: UNVERIFIED.unknownInstitute(q.instituteId) };
  if (institute === 'disabled') return { kind: 'unverified', reason: UNVERIFIED.disabledInstitute(q.instituteId) };
  const badTime = implausibleTime(q.receivedAtMs, 'happened', nowMs);
  if (badTime) return { kind: 'unverified', reason: UNVERIFIED.receivedAt(badTime) };
  const parsed = parseWiseBody(raw);
  if (!parsed.ok) return { kind: 'still-refused', reason: parsed.reason };
  const record = acceptedEventRecord(q.instituteId, eventId, q.receivedAtMs, parsed, raw);
  // The projector would refuse what a projection refuses today: such a body stays in quarantine.
  const projected = projectMessage({ v: ENVELOPE_SCHEMA_VERSION, ...record.head }, raw.toString('utf8'));
  if (projected.kind === 'quarantine') return { kind: 'still-refused', reason: projected.reason };
  return { kind: 'replay', eventId, eventName: parsed.eventName, record };
}
