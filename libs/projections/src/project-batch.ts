import { parseEnvelope } from '@wise/contracts';
import { eventStoreRow, type StoredEvent } from './event-store-row';
import { projectMessage } from './project-message';
import { ingestionQuarantineRow, quarantineRow } from './quarantine';
import { EVENTS_TABLE, QUARANTINE_TABLE, type Row, type TableRows } from './projected-tables';

/** A Kafka message as the consumer hands it over (no client types here). */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

export interface ProjectedBatch {
  /** Rows per table: facts, `events` (when asked for) and `quarantine`. */
  tables: TableRows;
  /** Events and messages turned into quarantine rows by this batch. */
  quarantined: number;
}

class BatchRows {
  readonly tables: TableRows = new Map();
  quarantined = 0;

  add(table: string, rows: readonly Row[]): void {
    const list = this.tables.get(table);
    if (list) for (const r of rows) list.push(r);
    else this.tables.set(table, rows.slice());
  }

  quarantine(row: Row): void {
    this.quarantined++;
    this.add(QUARANTINE_TABLE, [row]);
  }
}

/**
 * The one batch loop, shared by the live projector, the rebuild and the tests: every event through
 * `projectMessage`, rows gathered per table. With `eventStore`, each event also gets its `events`
 * row, whether or not it projects: an event the projection refuses is kept (events row plus
 * quarantine row), so a rebuild after a fix brings it back. The rebuild reads `events` and so
 * passes false.
 */
export function projectEvents(events: Iterable<StoredEvent>, options: { eventStore: boolean }): ProjectedBatch {
  return projectInto(new BatchRows(), events, options.eventStore);
}

function projectInto(batch: BatchRows, events: Iterable<StoredEvent>, eventStore: boolean): ProjectedBatch {
  for (const { head, rawBody, source } of events) {
    if (eventStore) batch.add(EVENTS_TABLE, [eventStoreRow(head, rawBody)]);
    const result = projectMessage(head, rawBody);
    if (result.kind === 'ok') {
      for (const [table, rows] of Object.entries(result.rows)) batch.add(table, rows);
    } else {
      batch.quarantine(
        quarantineRow({
          instituteId: head.instituteId,
          quarantineId: head.eventId,
          stage: 'projector',
          eventName: head.eventName,
          receivedAtMs: head.receivedAt,
          reason: result.reason,
          raw: rawBody,
          rawEncoding: 'utf8',
          source,
        }),
      );
    }
  }
  return { tables: batch.tables, quarantined: batch.quarantined };
}

const sourceOf = (m: SourceMessage) => `${m.topic}/${m.partition}/${m.offset}`;

/**
 * A partition batch from Kafka: ingestion's quarantine records become quarantine rows as they are;
 * an event message's envelope head is read (a message without one has no identity and is only
 * quarantined), then the event goes through `projectEvents` with its `events` row. Nothing here
 * touches Kafka or ClickHouse.
 */
export function projectKafkaBatch(messages: readonly SourceMessage[], quarantineTopic: string): ProjectedBatch {
  const batch = new BatchRows();
  const events: StoredEvent[] = [];
  for (const m of messages) {
    const source = sourceOf(m);
    if (m.topic === quarantineTopic) {
      batch.add(QUARANTINE_TABLE, [ingestionQuarantineRow(m.value, source)]);
      continue;
    }
    const parsed = parseEnvelope(m.value);
    if (!parsed.ok) {
      const raw = m.value?.toString('utf8') ?? '';
      batch.quarantine(
        quarantineRow({
          instituteId: '',
          quarantineId: `offset:${source}`,
          stage: 'projector',
          eventName: '',
          receivedAtMs: 0,
          reason: parsed.reason,
          raw,
          rawEncoding: 'utf8',
          source,
        }),
      );
      continue;
    }
    // The decoded text, not the Buffer: one UTF-8 decode per event on the hot path, not two.
    events.push({ head: parsed.head, rawBody: parsed.rawBody.toString('utf8'), source });
  }
  return projectInto(batch, events, true);
}
