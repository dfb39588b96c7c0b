import { EVENTS_TABLE, type StoredEvent } from '@wise/projections';
import { sqlNumber, sqlString, tableRef, type ClickHouse } from '@wise/clickhouse';

/**
 * One page of the event store: the events of a run of institutes (`first` to `last` in key order),
 * or, for an institute with more events than a page holds, one of its `parts` slices by a hash of
 * the event id (every copy of an event falls in one slice).
 */
export interface EventPage {
  first: string;
  last: string;
  parts: number;
  part: number;
  /** Distinct events in the page, as the plan counted them. */
  events: number;
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

/**
 * The pages of a rebuild, planned once from each institute's count of distinct events: the
 * store does not change meanwhile (projectors are paused; only they write it). Each page then
 * reads its own key range. The pages used to be cut at a cursor, each found with
 * `ORDER BY … LIMIT` over every key after it (18.16 cannot read a MergeTree in key order), so a
 * rebuild grouped the rest of the store once per page: quadratic in the store's size.
 */
export async function planEventPages(ch: Reader, pageSize: number): Promise<{ total: number; pages: EventPage[] }> {
  const counts = await ch.query<{ institute_id: string; n: string }>(
    'rebuild:plan',
    `SELECT institute_id, uniqExact(event_id) AS n FROM ${tableRef(ch.database, EVENTS_TABLE)} GROUP BY institute_id ORDER BY institute_id`,
  );
  const pages: EventPage[] = [];
  let open: EventPage | null = null;
  let total = 0;
  for (const { institute_id: institute, n: count } of counts) {
    const n = Number(count);
    total += n;
    if (n > pageSize) {
      const parts = Math.ceil(n / pageSize);
      for (let part = 0; part < parts; part++)
        pages.push({ first: institute, last: institute, parts, part, events: Math.round(n / parts) });
      open = null;
    } else if (open && open.events + n <= pageSize) {
      open.last = institute;
      open.events += n;
    } else {
      open = { first: institute, last: institute, parts: 1, part: 0, events: n };
      pages.push(open);
    }
  }
  return { total, pages };
}

const inPage = (p: EventPage) =>
  `institute_id >= ${sqlString(p.first)} AND institute_id <= ${sqlString(p.last)}` +
  (p.parts > 1 ? ` AND cityHash64(event_id) % ${sqlNumber(p.parts)} = ${sqlNumber(p.part)}` : '');

const orNull = (s: string) => (s === '' ? null : s);

/**
 * A page's events, one entry per event id: its head from the columns and its raw body, exactly
 * what the projection step takes. Copies of an event differ only in when they were received; the
 * earliest receipt is used, which is the copy the fact tables keep (delivery_rank) and the views read.
 */
export async function readEventPage(ch: Reader, page: EventPage, source: string): Promise<StoredEvent[]> {
  const rows = await ch.query<StoredRow>(
    'rebuild:page',
    `SELECT institute_id, event_id, any(event_name) AS event_name, any(schema_version) AS schema_version,
            min(received_at_ms) AS received_at_ms, any(occurred_at_ms) AS occurred_at_ms, any(session_id) AS session_id,
            any(classroom_id) AS classroom_id, any(user_id) AS user_id, any(payload) AS payload
       FROM ${tableRef(ch.database, EVENTS_TABLE)} WHERE ${inPage(page)}
      GROUP BY institute_id, event_id`,
  );
  return rows.map((r): StoredEvent => ({
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
}
