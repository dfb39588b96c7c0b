import { EVENTS_TABLE, type StoredEvent } from '@wise/projections';
import { sqlNumber, sqlString, tableRef, type ClickHouse } from '@wise/clickhouse';

/** Where a page ended: the last (institute_id, event_id) it held. */
export interface Cursor {
  instituteId: string;
  eventId: string;
}

interface StoredRow {
  institute_id: string;
  event_id: string;
  event_name: string;
  schema_version: number;
  received_at_ms: string;
  occurred_at_ms: string | null;
  session_id: string;
  classroom_id: string;
  user_id: string;
  payload: string;
}

type Reader = Pick<ClickHouse, 'query' | 'database'>;

const after = (c: Cursor | null) =>
  c === null
    ? '1'
    : `(institute_id > ${sqlString(c.instituteId)} OR (institute_id = ${sqlString(c.instituteId)} AND event_id > ${sqlString(c.eventId)}))`;
const upTo = (c: Cursor) =>
  `(institute_id < ${sqlString(c.instituteId)} OR (institute_id = ${sqlString(c.instituteId)} AND event_id <= ${sqlString(c.eventId)}))`;

/** Distinct events in the store (copies of one event id count once). */
export async function countStoredEvents(ch: Reader): Promise<number> {
  const [row] = await ch.query<{ n: string }>(
    'rebuild:count',
    `SELECT uniqExact(institute_id, event_id) AS n FROM ${tableRef(ch.database, EVENTS_TABLE)}`,
  );
  return Number(row.n);
}

const orNull = (s: string) => (s === '' ? null : s);

/**
 * The next page of the event store after `cursor`, one entry per event id: its head from the
 * columns and its raw body, exactly what the projection step takes. Copies of an event differ only
 * in when they were received; the earliest receipt is used, which is the copy the fact tables keep
 * (delivery_rank) and the views read.
 *
 * 18.16 cannot read a MergeTree in key order, so ORDER BY ... LIMIT sorts everything after the
 * cursor: the page's last key is found first on the two key columns only, and then only that key
 * range is read with its payloads.
 */
export async function readEventPage(
  ch: Reader,
  cursor: Cursor | null,
  pageSize: number,
  source: string,
): Promise<{ events: StoredEvent[]; last: Cursor | null }> {
  const store = tableRef(ch.database, EVENTS_TABLE);
  const [bound] = await ch.query<{ institute_id: string; event_id: string }>(
    'rebuild:page-bound',
    `SELECT institute_id, event_id FROM ${store} WHERE ${after(cursor)}
      GROUP BY institute_id, event_id ORDER BY institute_id, event_id LIMIT ${sqlNumber(pageSize - 1)}, 1`,
  );
  const end = bound ? { instituteId: bound.institute_id, eventId: bound.event_id } : null;
  const rows = await ch.query<StoredRow>(
    'rebuild:page',
    `SELECT institute_id, event_id, any(event_name) AS event_name, any(schema_version) AS schema_version,
            min(received_at_ms) AS received_at_ms, any(occurred_at_ms) AS occurred_at_ms, any(session_id) AS session_id,
            any(classroom_id) AS classroom_id, any(user_id) AS user_id, any(payload) AS payload
       FROM ${store} WHERE ${after(cursor)} AND ${end ? upTo(end) : '1'}
      GROUP BY institute_id, event_id ORDER BY institute_id, event_id`,
  );
  if (rows.length === 0) return { events: [], last: null };
  const lastRow = rows[rows.length - 1];
  const events = rows.map((r): StoredEvent => ({
    head: {
      v: Number(r.schema_version),
      eventId: r.event_id,
      instituteId: r.institute_id,
      eventName: r.event_name,
      receivedAt: Number(r.received_at_ms),
      occurredAt: r.occurred_at_ms === null ? null : Number(r.occurred_at_ms),
      sessionId: orNull(r.session_id),
      classroomId: orNull(r.classroom_id),
      userId: orNull(r.user_id),
    },
    rawBody: r.payload,
    source,
  }));
  return { events, last: { instituteId: lastRow.institute_id, eventId: lastRow.event_id } };
}
