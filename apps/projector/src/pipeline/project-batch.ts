import { Envelope, parseEnvelope, parseWiseBody, QuarantineEnvelope } from '@wise/contracts';
import { deliveryRank, projectEvent, ProjectionError } from '../projections';

export interface SourceMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

export type Row = Record<string, unknown>;
export type TableRows = Map<string, Row[]>;

export const EVENTS_TABLE = 'events';
export const QUARANTINE_TABLE = 'quarantine';

/** A step's verdict on one message: rows to write, or a reason to quarantine it. */
export type StepResult = { kind: 'ok'; rows: Record<string, Row[]> } | { kind: 'quarantine'; reason: string; instituteId: string; eventId: string; eventName: string; receivedAt: number; raw: string; rawEncoding: string };

const seconds = (ms: number) => Math.floor(ms / 1000);
export function eventStoreRow(env: Envelope, rawBody: string): Row {
  return {
    institute_id: env.instituteId,
    event_id: env.eventId,
    event_name: env.eventName,
    schema_version: env.v,
    received_at: seconds(env.receivedAt),
    received_at_ms: env.receivedAt,
    occurred_at: env.occurredAt === null ? null : seconds(env.occurredAt),
    occurred_at_ms: env.occurredAt,
    session_id: env.sessionId ?? '',
    classroom_id: env.classroomId ?? '',
    user_id: env.userId ?? '',
    payload: rawBody,
    delivery_rank: deliveryRank(env),
  };
}

function sourceOf(m: SourceMessage): string {
  return `${m.topic}/${m.partition}/${m.offset}`;
}

/** An event message: envelope check, the event's own schema (the contract), then its projections. */
export function projectEventMessage(m: SourceMessage): StepResult {
  const parsed = parseEnvelope(m.value);
  if (!parsed.ok) {
    return { kind: 'quarantine', reason: parsed.reason, instituteId: '', eventId: `offset:${sourceOf(m)}`, eventName: '', receivedAt: 0, raw: m.value?.toString('utf8') ?? '', rawEncoding: 'utf8' };
  }
  const { head, rawBody } = parsed;
  const raw = rawBody.toString('utf8');
  const ids = { instituteId: head.instituteId, eventId: head.eventId, eventName: head.eventName, receivedAt: head.receivedAt, raw, rawEncoding: 'utf8' };
  // The decoded text, not the Buffer: one UTF-8 decode per event on the hot path, not two.
  const body = parseWiseBody(raw);
  if (!body.ok) return { kind: 'quarantine', reason: body.reason, ...ids };
  const env: Envelope = { ...head, body: body.body };
  try {
    return { kind: 'ok', rows: { [EVENTS_TABLE]: [eventStoreRow(env, raw)], ...projectEvent(env) } };
  } catch (e) {
    if (e instanceof ProjectionError) return { kind: 'quarantine', reason: `${env.eventName}: ${e.message}`, ...ids };
    // A bug in one projection must not stop the partition: the event is kept, with the error,
    // and a rebuild after the fix projects it.
    return { kind: 'quarantine', reason: `${env.eventName}: internal projection error (${(e as Error).message}); rebuild after fixing`, ...ids };
  }
}

/** A quarantine-topic message from ingestion: becomes a quarantine row as it is. */
export function quarantineMessageRow(m: SourceMessage): Row {
  let parsed: unknown = null;
  let problem = '';
  try {
    parsed = JSON.parse(m.value?.toString('utf8') ?? 'null');
  } catch {
    problem = 'quarantine record is not valid JSON';
  }
  // Anything may arrive on a topic: every field is checked, so no record can fail the insert.
  const q = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const receivedAt = typeof q.receivedAt === 'number' && Number.isFinite(q.receivedAt) && q.receivedAt >= 0 ? Math.floor(q.receivedAt) : 0;
  const hasRaw = typeof q.raw === 'string';
  return {
    institute_id: str(q.instituteId),
    quarantine_id: str(q.eventId) || `offset:${sourceOf(m)}`,
    stage: 'ingestion',
    event_name: str(q.eventName),
    received_at: seconds(receivedAt),
    received_at_ms: receivedAt,
    reason: str(q.reason) || problem || '(no reason recorded)',
    raw: hasRaw ? q.raw : (m.value?.toString('utf8') ?? ''),
    raw_encoding: hasRaw && q.rawEncoding === 'base64' ? 'base64' : 'utf8',
    source: sourceOf(m),
  };
}

export function quarantineRow(r: Extract<StepResult, { kind: 'quarantine' }>, m: SourceMessage): Row {
  return {
    institute_id: r.instituteId,
    quarantine_id: r.eventId,
    stage: 'projector',
    event_name: r.eventName,
    received_at: seconds(r.receivedAt),
    received_at_ms: r.receivedAt,
    reason: r.reason,
    raw: r.raw,
    raw_encoding: r.rawEncoding,
    source: sourceOf(m),
  };
}

/** Every message of a batch, routed to rows per table; nothing here touches Kafka or ClickHouse. */
export function projectBatch(messages: SourceMessage[], quarantineTopic: string): { tables: TableRows; quarantined: number } {
  const tables: TableRows = new Map();
  const add = (table: string, rows: Row[]) => {
    const list = tables.get(table);
    if (list) for (const r of rows) list.push(r);
    else tables.set(table, rows.slice());
  };
  let quarantined = 0;
  for (const m of messages) {
    if (m.topic === quarantineTopic) {
      add(QUARANTINE_TABLE, [quarantineMessageRow(m)]);
      continue;
    }
    const result = projectEventMessage(m);
    if (result.kind === 'ok') {
      for (const [table, rows] of Object.entries(result.rows)) add(table, rows);
    } else {
      quarantined++;
      add(QUARANTINE_TABLE, [quarantineRow(result, m)]);
    }
  }
  return { tables, quarantined };
}
