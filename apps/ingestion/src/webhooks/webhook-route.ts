import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DEFAULT_KEY_HEADER } from '@wise/contracts';
import { RecordTooLargeError } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { RetryLaterException } from './webhook-errors';
import { WEBHOOK_ROUTE } from './webhook-guard';
import { WebhooksService } from './webhooks.service';

/*
 * The webhook route is a plain Fastify route, not a Nest controller: Nest's router, execution
 * context and response handling ran for every webhook (2.7 % of ingestion's CPU in Nest's own
 * code, more in the promise hops around it; docs/benchmarks.md), and nothing of Nest (guards,
 * pipes, interceptors) applies to it. The guard (webhook-guard.ts) authenticated the request before its body was read.
 */
export function installWebhookRoute(fastify: FastifyInstance, webhooks: WebhooksService, logger: Logger): void {
  fastify.post(WEBHOOK_ROUTE, async (req: FastifyRequest, reply: FastifyReply) => {
    const institute = (req.params as { institute: string }).institute;
    if (req.wiseInstitute !== institute) {
      return reply
        .code(401)
        .send({ statusCode: 401, error: 'Unauthorized', message: `missing or wrong key for institute ${JSON.stringify(institute)}` });
    }
    try {
      return await webhooks.receive(institute, req.body);
    } catch (e) {
      if (e instanceof RetryLaterException) {
        return reply.code(503).header('retry-after', String(e.retryAfterSeconds)).send(e.getResponse());
      }
      if (e instanceof RecordTooLargeError) {
        // Already counted and logged by the service, as ingestion's fault rather than Kafka's.
        return reply.code(500).send({ statusCode: 500, message: 'Internal server error: the event could not be stored; nothing kept' });
      }
      // Never the error's own text to the sender; the log has it.
      logger.error('webhook failed unexpectedly; answered 500', { institute, error: e as Error });
      return reply.code(500).send({ statusCode: 500, message: 'Internal server error' });
    }
  });
}

/** The route's description in the OpenAPI document served at /docs (it has no controller to read it from). */
export function describeWebhookRoute(document: OpenAPIObject): void {
  document.tags = [...(document.tags ?? []), { name: 'webhooks' }];
  document.paths['/webhooks/wise/{institute}'] = {
    post: {
      tags: ['webhooks'],
      operationId: 'receiveWiseWebhook',
      summary: 'Receive one Wise webhook for an institute',
      description:
        'Answers 200 only after the event (or, for an authenticated body that is not a valid Wise event, its quarantine record) is acknowledged by Kafka with acks=all.',
      parameters: [
        {
          name: 'institute',
          in: 'path',
          required: true,
          description: 'The institute slug registered with `npm run cli -- institutes add`',
          schema: { type: 'string' },
        },
        {
          name: DEFAULT_KEY_HEADER,
          in: 'header',
          required: false,
          description:
            "The institute's key, in the header pinned for the institute, or (learning mode, no header pinned) in any header, also as `Authorization: Bearer <key>`",
          schema: { type: 'string' },
        },
      ],
      requestBody: {
        required: true,
        description: 'The Wise webhook body, `{"event": "<Name>", "payload": {...}}`, kept byte for byte',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      responses: {
        '200': { description: 'Stored: `{status: "accepted"|"quarantined", eventId, reason?}`' },
        '401': { description: 'Unknown or disabled institute, missing or wrong key; nothing stored' },
        '413': { description: 'Body larger than BODY_LIMIT_BYTES; nothing stored' },
        '415': { description: 'Content-Encoding other than identity (gzip, deflate, ...); nothing stored, send it uncompressed' },
        '503': {
          description:
            'Kafka did not acknowledge in time, the queue for Kafka is full, no room for the body (INGEST_QUEUE_MAX_BYTES for the process, INGEST_INSTITUTE_MAX_BYTES for the institute; the message names which), institutes not loaded from PostgreSQL yet, keys could not be reloaded for INSTITUTES_MAX_STALENESS_MS, or PostgreSQL did not decide the id of a membership, suspension or payment event; nothing promised, retry (Retry-After)',
        },
      },
    },
  };
}
