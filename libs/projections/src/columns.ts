import { parseWiseTime, type EnvelopeHead } from '@wise/contracts';
import type { Row } from './projected-tables';

/**
 * The body contradicts what its event's schema guaranteed: the projection and the contract have
 * drifted, which is a bug. The event is quarantined with this reason (and stays in `events`, so a
 * rebuild after the fix projects it).
 */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
}

/** `v` where the contract guarantees one; a ProjectionError naming `what` otherwise. */
export function guaranteed<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new ProjectionError(`${what} is missing although the contract requires it`);
  return v;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` with every lone UTF-16 surrogate replaced by U+FFFD. JSON.parse accepts a lone "\ud83d"
 * escape (a Zoom name cut mid-emoji) and the contract lets it through, but ClickHouse refuses the
 * whole INSERT that carries it; a fact column gets the replacement character instead, while
 * `events` keeps the body's bytes as they came.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

/** A field the contract leaves unchecked (Zoom ids): its text, a number as its decimal text, else ''. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** A Wise/Zoom time (ISO string or epoch) as epoch ms, or null when absent. */
export function timeMs(v: unknown): number | null {
  return parseWiseTime(v);
}

/** Epoch ms to a DateTime column value (epoch seconds: unambiguous whatever the server's zone). */
export function toDateTime(ms: number): number {
  return Math.floor(ms / 1000);
}

export function toNullableDateTime(ms: number | null): number | null {
  return ms === null ? null : toDateTime(ms);
}

/**
 * The time an event without a time of its own is ordered by: the envelope's occurredAt, else
 * receivedAt. receivedAt differs between deliveries of one event, so views take the earliest
 * delivery's value (min over the event's rows) and merges keep it (see `deliveryRank`).
 */
export function envelopeTimeMs(env: Pick<EnvelopeHead, 'occurredAt' | 'receivedAt'>): number {
  return env.occurredAt ?? env.receivedAt;
}

/**
 * Version column of every fact table and of `events` (ReplacingMergeTree(delivery_rank)): larger
 * for an earlier delivery, so when copies of one event merge, the earliest delivery's row is the
 * one kept, which is also what the views read before the merge. The result never depends on which
 * copy came last.
 */
export function deliveryRank(env: Pick<EnvelopeHead, 'receivedAt'>): number {
  return Number.MAX_SAFE_INTEGER - Math.max(0, Math.floor(env.receivedAt));
}

/** Columns every fact row starts with. */
export function baseColumns(env: Pick<EnvelopeHead, 'instituteId' | 'eventId' | 'receivedAt'>): Row {
  return { institute_id: env.instituteId, event_id: env.eventId, delivery_rank: deliveryRank(env) };
}
