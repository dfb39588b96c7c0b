import { Postgres } from './postgres';

/** Names one quarantine row (ClickHouse `quarantine` is keyed the same way). */
export interface QuarantineKey {
  instituteId: string;
  stage: string;
  quarantineId: string;
}

export interface ReplayedDelivery extends QuarantineKey {
  eventId: string;
  eventName: string;
}

export class ReplayInProgressError extends Error {}

// Any constant; only `quarantine replay` takes it.
const REPLAY_LOCK = 72_201_772;

export const quarantineKeyOf = (k: QuarantineKey) => `${k.instituteId}\n${k.stage}\n${k.quarantineId}`;

/** The record of what `quarantine replay` re-published; the only code with SQL about it. */
export class QuarantineReplaysRepository {
  constructor(private readonly pg: Postgres) {}

  /** Runs `fn` as the only replay: two at once would publish the same deliveries twice. */
  async exclusively<T>(fn: () => Promise<T>): Promise<T> {
    return this.pg.session(async (client, lost) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [REPLAY_LOCK]);
      if (!rows[0].locked) throw new ReplayInProgressError('another quarantine replay is running; wait for it to finish');
      let out: T;
      try {
        out = await fn();
      } finally {
        // A lost connection took the lock with it.
        if (!lost()) await client.query('SELECT pg_advisory_unlock($1)', [REPLAY_LOCK]);
      }
      const gone = lost();
      if (gone)
        throw new Error(
          `the PostgreSQL connection holding the quarantine replay's lock was lost during the replay (${gone.message}), so another replay may have run beside it; ` +
            'run `npm run cli -- quarantine replay` again: what was recorded as replayed is not published twice',
        );
      return out;
    });
  }

  /** Which of these quarantine rows were replayed already, by quarantineKeyOf. */
  async replayedAmong(keys: QuarantineKey[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.pg.query<{ institute_id: string; stage: string; quarantine_id: string }>(
      `SELECT r.institute_id, r.stage, r.quarantine_id
         FROM quarantine_replays r
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(institute_id, stage, quarantine_id)
           ON r.institute_id = k.institute_id AND r.stage = k.stage AND r.quarantine_id = k.quarantine_id`,
      [keys.map((k) => k.instituteId), keys.map((k) => k.stage), keys.map((k) => k.quarantineId)],
    );
    return new Set(rows.map((r) => quarantineKeyOf({ instituteId: r.institute_id, stage: r.stage, quarantineId: r.quarantine_id })));
  }

  /** Written after Kafka acknowledged the replayed events. */
  async record(replayed: ReplayedDelivery[]): Promise<void> {
    if (replayed.length === 0) return;
    await this.pg.query(
      `INSERT INTO quarantine_replays (institute_id, stage, quarantine_id, event_id, event_name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [
        replayed.map((r) => r.instituteId),
        replayed.map((r) => r.stage),
        replayed.map((r) => r.quarantineId),
        replayed.map((r) => r.eventId),
        replayed.map((r) => r.eventName),
      ],
    );
  }

  /** Replayed deliveries per institute, for `status`. */
  async countsByInstitute(): Promise<Map<string, number>> {
    const rows = await this.pg.query<{ institute_id: string; n: string }>(
      'SELECT institute_id, count(*) AS n FROM quarantine_replays GROUP BY institute_id',
    );
    return new Map(rows.map((r) => [r.institute_id, Number(r.n)]));
  }
}
