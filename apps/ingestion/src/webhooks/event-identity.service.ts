import { Injectable } from '@nestjs/common';
import { COPY_WINDOW_MS, generationEventId, timelessEntityOf, type ParsedWiseBody } from '@wise/contracts';
import { Logger } from '@wise/observability';
import { EventGenerationsRepository, type Generation } from '@wise/postgres';
import { IngestionMetrics } from '../ingestion.metrics';
import { RETRY_AFTER_SECONDS, RetryLaterException } from './webhook-errors';

/**
 * PostgreSQL must decide within this, so that the answer (503 included) reaches Wise before its
 * 5 s timeout with time left for Kafka. A decision still running when it passes may yet be
 * recorded: Wise's retry then finds it, within the copy window, and gets the same id.
 */
export const GENERATION_DEADLINE_MS = 1500;

/**
 * The event id of an accepted body. For events with a time of their own it is the body's id
 * (deriveEventId): every copy is a retry. For timeless events (membership, suspension, payment)
 * it is the id of the body's current generation, decided in PostgreSQL, where a copy that can no
 * longer be a retry starts a new one (libs/contracts/src/resent-bodies.ts); only these events pay
 * the round trip. PostgreSQL away means no id can be decided: the webhook is answered 503, as when
 * Kafka is away, and Wise retries it.
 */
@Injectable()
export class EventIdentityService {
  constructor(
    private readonly generations: EventGenerationsRepository,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
    private readonly deadlineMs: number = GENERATION_DEADLINE_MS,
  ) {}

  async idOf(institute: string, baseId: string, parsed: ParsedWiseBody, receivedAt: number): Promise<string> {
    const entity = timelessEntityOf(parsed);
    if (entity === null) return baseId;
    let g: Generation;
    try {
      g = await withDeadline(
        this.generations.generationOf({ baseId, instituteId: institute, entity, receivedAtMs: receivedAt, copyWindowMs: COPY_WINDOW_MS }),
        this.deadlineMs,
      );
    } catch (e) {
      this.metrics.requests.inc({ institute, event: parsed.eventName, outcome: 'postgres_unavailable' });
      this.logger.warn(
        `webhook not stored: PostgreSQL, which tells a re-sent ${parsed.eventName} from a retry, did not answer; answered 503 so that Wise retries. Check that PostgreSQL is up and DATABASE_URL is right`,
        { institute, eventId: baseId, error: e as Error },
      );
      throw new RetryLaterException(RETRY_AFTER_SECONDS, 'PostgreSQL did not answer');
    }
    const eventId = generationEventId(baseId, g.generation);
    if (g.started && g.generation > 0) {
      this.metrics.resentAsNewEvent.inc({ event: parsed.eventName });
      this.logger.info('body received again after a later event of its entity and past its retry window: stored as a new event', {
        institute,
        eventId,
        bodyEventId: baseId,
        generation: g.generation,
      });
    }
    return eventId;
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // The work may still fail after the deadline answered: nobody awaits it any more.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
