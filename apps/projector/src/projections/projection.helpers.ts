import { parseWiseTime, type Envelope } from '@wise/contracts';

/** A JSONEachRow-ready row: DateTime columns as epoch seconds, money as integer minor units. */
export type Row = Record<string, unknown>;

/** Rows per table name (names from `tables.ts`), ready for one INSERT per table per batch. */
export type ProjectedRows = Record<string, Row[]>;

/**
 * The body does not make sense for its projection. The integrator routes the envelope to
 * quarantine with `message` as the reason, so it names the field and what was wrong.
 */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path` under `root`, or a ProjectionError naming the path. */
export function objectAt(root: unknown, path: string): Json {
  let cur: unknown = root;
  for (const key of path.split('.')) cur = isObject(cur) ? cur[key] : undefined;
  if (!isObject(cur)) throw new ProjectionError(`${path} is missing or not an object`);
  return cur;
}

/** `v` itself as an object, or a ProjectionError naming `where`. */
export function asObject(v: unknown, where: string): Json {
  if (!isObject(v)) throw new ProjectionError(`${where} is missing or not an object`);
  return v;
}

/** An optional object: undefined when absent or null. */
export function optionalObject(o: Json, key: string): Json | undefined {
  const v = o[key];
  return isObject(v) ? v : undefined;
}

/** An array at `key`, or a ProjectionError. */
export function arrayAt(o: Json, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ProjectionError(`${where}.${key} is missing or not an array`);
  return v;
}

/** A non-empty string (numbers are accepted as their decimal text), or a ProjectionError. */
export function requiredText(o: Json, key: string, where: string): string {
  const v = textOrNull(o[key]);
  if (v === null || v === '') throw new ProjectionError(`${where}.${key} is missing or empty`);
  return v;
}

/** A string, a number as text, or null when absent. */
export function textOrNull(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A string for a non-null column: '' when absent. */
export function text(v: unknown): string {
  return textOrNull(v) ?? '';
}

/** A finite number or null. */
export function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Integer money in minor units with its currency, exactly as sent. */
export function money(v: unknown, where: string): { amount_minor: number; currency: string } {
  if (!isObject(v) || typeof v.value !== 'number' || !Number.isInteger(v.value) || typeof v.currency !== 'string' || v.currency === '') {
    throw new ProjectionError(`${where} is not {value: integer minor units, currency}`);
  }
  return { amount_minor: v.value, currency: v.currency };
}

/** A Wise/Zoom time (ISO string or epoch) as epoch ms, or null. */
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
export function envelopeTimeMs(env: Envelope): number {
  return env.occurredAt ?? env.receivedAt;
}

/**
 * Version column of every fact table (ReplacingMergeTree(delivery_rank)): larger for an earlier
 * delivery, so when copies of one event merge, the earliest delivery's row is the one kept, which is
 * also what the views read before the merge. The result never depends on which copy came last.
 */
export function deliveryRank(env: Envelope): number {
  return Number.MAX_SAFE_INTEGER - Math.max(0, Math.floor(env.receivedAt));
}

/** Columns every fact row starts with. */
export function baseColumns(env: Envelope): Row {
  return { institute_id: env.instituteId, event_id: env.eventId, delivery_rank: deliveryRank(env) };
}

/** The `payload` object of the Wise body `{event, payload}`. */
export function payloadOf(env: Envelope): Json {
  return objectAt(env.body, 'payload');
}
