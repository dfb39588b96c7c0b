import { wellFormed } from './columns';
import type { Row } from './projected-tables';

/** What one quarantine row says; `quarantineRow` is the only place that turns it into columns. */
export interface Quarantined {
  instituteId: string;
  /** The event id where there is one, else something that names the record (`offset:<source>`). */
  quarantineId: string;
  /** 'ingestion': refused at the HTTP edge; 'projector': refused on its way from Kafka to ClickHouse. */
  stage: 'ingestion' | 'projector';
  eventName: string;
  receivedAtMs: number;
  reason: string;
  raw: string;
  rawEncoding: 'utf8' | 'base64';
  source: string;
}

/** The `quarantine` table's row (libs/clickhouse/migrations/0001_event_store.sql). */
export function quarantineRow(q: Quarantined): Row {
  return {
    institute_id: q.instituteId,
    quarantine_id: q.quarantineId,
    stage: q.stage,
    event_name: q.eventName,
    received_at: Math.floor(q.receivedAtMs / 1000),
    received_at_ms: q.receivedAtMs,
    reason: q.reason,
    raw: q.raw,
    raw_encoding: q.rawEncoding,
    source: q.source,
  };
}

/**
 * A record ingestion put on the quarantine topic, as a quarantine row. Anything may arrive on a
 * topic: every field is checked, so no record can fail the insert.
 */
export function ingestionQuarantineRow(value: Buffer | null, source: string): Row {
  let parsed: unknown = null;
  let problem = '';
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? 'null');
  } catch {
    problem = 'quarantine record is not valid JSON';
  }
  const q = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const receivedAt = typeof q.receivedAt === 'number' && Number.isFinite(q.receivedAt) && q.receivedAt >= 0 ? Math.floor(q.receivedAt) : 0;
  const hasRaw = typeof q.raw === 'string';
  return quarantineRow({
    instituteId: str(q.instituteId),
    quarantineId: str(q.eventId) || `offset:${source}`,
    stage: 'ingestion',
    eventName: str(q.eventName),
    receivedAtMs: receivedAt,
    reason: str(q.reason) || problem || '(no reason recorded)',
    raw: hasRaw ? (q.raw as string) : (value?.toString('utf8') ?? ''),
    rawEncoding: hasRaw && q.rawEncoding === 'base64' ? 'base64' : 'utf8',
    source,
  });
}

/**
 * A quarantine row any server can store: every string made well-formed and the raw body in base64.
 * The last resort when ClickHouse refuses a quarantine row itself (a value it cannot read).
 */
export function wellFormedQuarantineRow(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'string' ? wellFormed(v) : v;
  out.raw = Buffer.from(String(row.raw ?? ''), 'utf8').toString('base64');
  out.raw_encoding = 'base64';
  return out;
}

/** A row ClickHouse refused (malformed for its column), kept in quarantine with the server's reason. */
export function refusedRowQuarantine(table: string, row: Row, error: Error, source: string, nowMs = Date.now()): Row {
  return quarantineRow({
    instituteId: String(row.institute_id ?? ''),
    quarantineId: String(row.event_id ?? `${table}:${source}`),
    stage: 'projector',
    eventName: String(row.event_name ?? ''),
    receivedAtMs: nowMs,
    reason: `ClickHouse refused a row of ${table}: ${error.message.slice(0, 500)}`,
    raw: JSON.stringify(row),
    rawEncoding: 'utf8',
    source,
  });
}
