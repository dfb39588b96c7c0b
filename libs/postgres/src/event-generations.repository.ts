import { Postgres } from './postgres';

/** One receipt of a timeless event's body (libs/contracts/src/resent-bodies.ts). */
export interface BodyReceipt {
  /** deriveEventId(institute, raw body). */
  baseId: string;
  instituteId: string;
  /** timelessEntityOf(body). */
  entity: string;
  receivedAtMs: number;
  /** How long after a generation's first copy another copy can still be a retry. */
  copyWindowMs: number;
}

export interface Generation {
  generation: number;
  /** This receipt started the generation: the body's first receipt (0) or a new event (> 0). */
  started: boolean;
}

/**
 * Decides which generation a receipt of a timeless body belongs to, in one statement that every
 * ingestion process runs against the same rows: the first receipt inserts generation 0; a copy
 * moves the body to the next generation when it arrives more than the copy window after the
 * current generation's first receipt and another event of its entity was first received since;
 * any other copy is a retry of the current generation. The only code with SQL about it.
 *
 * Concurrency: two processes receiving copies at once both reach the body's row through ON
 * CONFLICT, which locks it: the second waits for the first to commit and evaluates the condition
 * on the row the first left, whose generation started within the window, so it is a retry of
 * that generation. Both answer the same id.
 */
export class EventGenerationsRepository {
  constructor(private readonly pg: Postgres) {}

  async generationOf(r: BodyReceipt): Promise<Generation> {
    const started = await this.pg.query<{ generation: number }>(
      `INSERT INTO event_generations AS g (base_id, institute_id, entity, generation, first_received_ms, entity_order)
       VALUES ($1, $2, $3, 0, $4, nextval('event_generation_order'))
       ON CONFLICT (base_id) DO UPDATE
         SET generation = g.generation + 1, first_received_ms = EXCLUDED.first_received_ms, entity_order = EXCLUDED.entity_order
         WHERE EXCLUDED.first_received_ms - g.first_received_ms > $5
           AND EXISTS (
             SELECT 1 FROM event_generations later
             WHERE later.institute_id = g.institute_id AND later.entity = g.entity AND later.entity_order > g.entity_order
           )
       RETURNING generation`,
      [r.baseId, r.instituteId, r.entity, r.receivedAtMs, r.copyWindowMs],
    );
    if (started.length > 0) return { generation: started[0].generation, started: true };
    // A retry. Read after the statement above, which waited for any concurrent writer of the row.
    const [current] = await this.pg.query<{ generation: number }>('SELECT generation FROM event_generations WHERE base_id = $1', [
      r.baseId,
    ]);
    return { generation: current.generation, started: false };
  }
}
