import { sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import { parseWiseBody } from '@wise/contracts';

/**
 * Freshness into the views an analyst reads: for the deliveries that make a row of `invoices`,
 * `sessions` or `attendance` appear, the time from the POST until that row can be selected.
 *  - FeeInvoiceChargedEvent: its instalment in `invoices`;
 *  - SessionsCreatedEvent: its first session in `sessions`;
 *  - MeetingStartedEvent: its session's rows in `attendance` (a held session's enrolled students;
 *    a session with nobody enrolled at its start never shows, and stays counted as not visible).
 */
export const WATCHED_VIEWS = ['invoices', 'sessions', 'attendance'] as const;
export type WatchedView = (typeof WATCHED_VIEWS)[number];

export interface Watch {
  view: WatchedView;
  /** The view's key columns (as text) and this delivery's values, institute first. */
  key: string[];
}

const KEY_COLUMNS: Record<WatchedView, string[]> = {
  // An instalment is its index, whether or not this version carries its installmentId.
  invoices: ['institute_id', 'student_id', 'classroom_id', 'toString(instalment_index)'],
  sessions: ['institute_id', 'session_id'],
  attendance: ['institute_id', 'session_id'],
};

/** What a delivery of `body` for `institute` should make visible, or null if it is not watched. */
export function watchOf(institute: string, body: string): Watch | null {
  const parsed = parseWiseBody(Buffer.from(body));
  if (!parsed.ok) return null;
  const payload = (JSON.parse(body) as { payload?: Record<string, any> }).payload ?? {};
  switch (parsed.eventName) {
    case 'FeeInvoiceChargedEvent': {
      const meta = payload.transaction?.metadata ?? {};
      return {
        view: 'invoices',
        key: [institute, String(payload.student?._id ?? ''), String(payload.classroom?._id ?? ''), String(Number(meta.index))],
      };
    }
    case 'SessionsCreatedEvent': {
      const first = payload.sessions?.[0]?._id;
      return first ? { view: 'sessions', key: [institute, String(first)] } : null;
    }
    case 'MeetingStartedEvent':
      return parsed.links.sessionId ? { view: 'attendance', key: [institute, parsed.links.sessionId] } : null;
    default:
      return null;
  }
}

/** The pending watches of one view, polled together; `seen` gets the ms from POST to visible. */
export class ViewWatcher {
  private readonly pending = new Map<WatchedView, Map<string, { key: string[]; sentAt: number }>>(WATCHED_VIEWS.map((v) => [v, new Map()]));
  readonly seen: Record<WatchedView, number[]> = { invoices: [], sessions: [], attendance: [] };
  readonly watched: Record<WatchedView, number> = { invoices: 0, sessions: 0, attendance: 0 };

  add(w: Watch, sentAt: number): void {
    const id = JSON.stringify(w.key);
    const m = this.pending.get(w.view)!;
    if (m.has(id)) return;
    m.set(id, { key: w.key, sentAt });
    this.watched[w.view]++;
  }

  get size(): number {
    return [...this.pending.values()].reduce((n, m) => n + m.size, 0);
  }

  async poll(ch: ClickHouseConnection, institutes: string): Promise<void> {
    for (const view of WATCHED_VIEWS) {
      const m = this.pending.get(view)!;
      if (m.size === 0) continue;
      const cols = KEY_COLUMNS[view];
      const list = [...m.values()].map((p) => `(${p.key.map(sqlString).join(', ')})`).join(', ');
      // A row the SELECT returns was visible when ClickHouse took the parts to read, as the query
      // started, a few ms after it was sent: timed to the sending, not to the answer, the poll's
      // own length (50–90 ms at 1,000/s) is not counted as the pipeline's.
      const asked = Date.now();
      const rows = await ch
        .query<Record<string, string>>(
          'bench',
          `SELECT DISTINCT ${cols.join(', ')} FROM ${view} WHERE institute_id IN (${institutes}) AND (${cols.join(', ')}) IN (${list})`,
        )
        .catch(() => []);
      for (const r of rows) {
        const id = JSON.stringify(cols.map((c) => r[c]));
        const p = m.get(id);
        if (!p) continue;
        m.delete(id);
        this.seen[view].push(asked - p.sentAt);
      }
    }
  }
}
