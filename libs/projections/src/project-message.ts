import { parseWiseBody, type Envelope, type EnvelopeHead } from '@wise/contracts';
import { ProjectionError, wellFormed } from './columns';
import { projectEvent } from './projections';
import type { ProjectedRows, Row } from './projected-tables';

/** A step's verdict on one event: its analytics rows, or why it cannot have any. */
export type StepResult = { kind: 'ok'; rows: ProjectedRows } | { kind: 'quarantine'; reason: string };

/**
 * The projection step, for the live projector and the rebuild alike: the body through the same
 * `parseWiseBody` ingestion used (the contract), then that event's typed projection. Never throws:
 * a refusal, or a bug in one projection, is a quarantine verdict with a reason a person can act on,
 * so one event can never stop a partition or a rebuild.
 */
export function projectMessage(head: EnvelopeHead & { v: number }, rawBody: string): StepResult {
  const parsed = parseWiseBody(rawBody);
  if (!parsed.ok) return { kind: 'quarantine', reason: parsed.reason };
  if (parsed.eventName !== head.eventName) {
    return {
      kind: 'quarantine',
      reason: `${head.eventName}: the envelope names ${JSON.stringify(head.eventName)} but the body is a ${parsed.eventName}`,
    };
  }
  const env = { ...head, eventName: parsed.eventName, body: parsed.body } as Envelope;
  try {
    return { kind: 'ok', rows: wellFormedRows(projectEvent(env)) };
  } catch (e) {
    if (e instanceof ProjectionError) return { kind: 'quarantine', reason: `${env.eventName}: ${e.message}` };
    // A bug in one projection must not stop the partition: the event is kept, with the error,
    // and a rebuild after the fix projects it.
    return { kind: 'quarantine', reason: `${env.eventName}: internal projection error (${(e as Error).message}); rebuild after fixing` };
  }
}

/**
 * Every string column of every fact row well-formed (see `wellFormed`), whichever projection and
 * field it came from: one value ClickHouse cannot store would otherwise refuse its whole INSERT.
 */
function wellFormedRows(rows: ProjectedRows): ProjectedRows {
  for (const list of Object.values(rows) as Row[][]) {
    for (const row of list) {
      for (const [k, v] of Object.entries(row)) if (typeof v === 'string') row[k] = wellFormed(v);
    }
  }
  return rows;
}
