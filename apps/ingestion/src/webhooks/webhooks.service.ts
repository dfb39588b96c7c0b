import { Injectable } from '@nestjs/common';
import { acceptedEventRecord, deriveEventId, isWiseEventName, kafkaKey, parseWiseBody, serializeQuarantine } from '@wise/contracts';
import { IngestionConfig } from '@wise/config';
import { BatchPublisher, QueueFullError, RecordTooLargeError } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { IngestionMetrics } from '../ingestion.metrics';
import { EventIdentityService } from './event-identity.service';
import { RETRY_AFTER_SECONDS, RetryLaterException } from './webhook-errors';

export type WebhookAnswer = { status: 'accepted'; eventId: string } | { status: 'quarantined'; eventId: string; reason: string };

@Injectable()
export class WebhooksService {
  constructor(
    private readonly publisher: BatchPublisher,
    private readonly identity: EventIdentityService,
    private readonly config: IngestionConfig,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
  ) {}

  /** Stores one authenticated webhook (the guard checked the key before the body was read). */
  async receive(institute: string, body: unknown): Promise<WebhookAnswer> {
    const receivedAt = Date.now();
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const bodyId = deriveEventId(institute, raw);
    const parsed = raw.length === 0 ? { ok: false as const, reason: 'empty body', eventName: null } : parseWiseBody(raw);

    if (parsed.ok) {
      const eventId = await this.identity.idOf(institute, bodyId, parsed, receivedAt);
      const { key, value } = acceptedEventRecord(institute, eventId, receivedAt, parsed, raw);
      await this.publish(this.config.KAFKA_EVENTS_TOPIC, key, value, institute, parsed.eventName, eventId);
      this.metrics.requests.inc({ institute, event: parsed.eventName, outcome: 'accepted' });
      return { status: 'accepted', eventId };
    }

    // A quarantined body is kept under its own id: it is not an event yet (quarantine replay).
    const value = serializeQuarantine(
      { eventId: bodyId, instituteId: institute, eventName: parsed.eventName, receivedAt, reason: parsed.reason },
      raw,
    );
    const eventLabel = parsed.eventName && isWiseEventName(parsed.eventName) ? parsed.eventName : '(invalid)';
    await this.publish(this.config.KAFKA_QUARANTINE_TOPIC, kafkaKey(institute, null, bodyId), value, institute, eventLabel, bodyId);
    this.metrics.requests.inc({ institute, event: eventLabel, outcome: 'quarantined' });
    this.metrics.quarantined.inc({ institute });
    this.logger.warn('webhook quarantined', { institute, eventId: bodyId, reason: parsed.reason });
    return { status: 'quarantined', eventId: bodyId, reason: parsed.reason };
  }

  private async publish(topic: string, key: string, value: Buffer, institute: string, event: string, eventId: string): Promise<void> {
    try {
      await this.publisher.publish({ topic, key, value });
    } catch (e) {
      if (e instanceof RecordTooLargeError) {
        // Not Kafka's doing: every body up to BODY_LIMIT_BYTES is meant to fit (record-size.ts), so
        // a record that does not is a bug here, and a retry of the same bytes fails the same way.
        this.metrics.requests.inc({ institute, event, outcome: 'record_too_large' });
        this.logger.error(
          'webhook not stored: its record outgrew the limit derived from BODY_LIMIT_BYTES (an ingestion bug); answered 500',
          {
            institute,
            eventId,
            error: e,
          },
        );
        throw e;
      }
      this.metrics.requests.inc({ institute, event, outcome: e instanceof QueueFullError ? 'queue_full' : 'kafka_unavailable' });
      this.logger.warn('webhook not stored: Kafka did not take it in time; answered 503 so that Wise retries', {
        institute,
        eventId,
        error: e as Error,
      });
      throw new RetryLaterException(RETRY_AFTER_SECONDS, (e as Error).message);
    }
  }
}
