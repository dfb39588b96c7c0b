import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from '@wise/observability';
import { IngestionMetrics } from '../ingestion.metrics';
import { BodyBudget, BodyHold, BudgetRefusal } from './body-budget';
import { CountedBody } from './counted-body';
import { InstituteKeysService } from './institute-keys.service';
import { RetryLaterException } from './webhook-errors';

export const WEBHOOK_ROUTE = '/webhooks/wise/:institute';

/** Header names only (never values), so that an operator can see what a sender sent. */
const MAX_HEADER_NAMES_LOGGED = 50;
const MAX_SLUG_ECHOED = 100;

declare module 'fastify' {
  interface FastifyRequest {
    /** The institute whose key this request carried; set by the guard before the body is read. */
    wiseInstitute: string | null;
    /** This request's bytes in the body budget; taken as the body arrives, released with the reply. */
    wiseBodyHold: BodyHold | null;
  }
}

/** Why a webhook was refused, as the JSON body Nest's own errors have. */
function refuse(reply: FastifyReply, status: number, error: string, message: string): void {
  void reply.code(status).send({ statusCode: status, error, message });
}

/**
 * Authenticates webhooks in Fastify's onRequest hook, before a byte of the body is read: an
 * unauthenticated sender cannot make the server buffer up to BODY_LIMIT_BYTES, and a compressed
 * body is refused before it could be inflated.
 */
export interface GuardLimits {
  bodyLimitBytes: number;
  /** Bytes of webhook bodies being read, checked or waiting for Kafka, per process and per institute. */
  budget: BodyBudget;
  /** Retry-After of a refusal for want of room: by then every byte held now has been given back. */
  retryAfterSeconds: number;
}

/** The outcome counted, and the variable named, for each limit of the budget. */
const BUDGET_LIMITS = {
  institute: { outcome: 'institute_queue_full', variable: 'INGEST_INSTITUTE_MAX_BYTES' },
  process: { outcome: 'queue_full', variable: 'INGEST_QUEUE_MAX_BYTES' },
} as const;

function budgetReason(institute: string, r: BudgetRefusal): string {
  const held =
    r.limit === 'institute'
      ? `institute ${JSON.stringify(institute)} already has ${r.heldBytes} bytes of webhook bodies in flight on this process`
      : `${r.heldBytes} bytes of webhook bodies are already in flight on this process`;
  return `${held}, and ${BUDGET_LIMITS[r.limit].variable} is ${r.maxBytes}`;
}

export function installWebhookGuard(
  fastify: FastifyInstance,
  keys: InstituteKeysService,
  metrics: IngestionMetrics,
  logger: Logger,
  limits: GuardLimits,
): void {
  const { bodyLimitBytes, budget, retryAfterSeconds } = limits;
  metrics.watchBodyBudget(budget);
  const refusedForRoom = (reply: FastifyReply, institute: string, r: BudgetRefusal): RetryLaterException => {
    metrics.requests.inc({ institute, event: '(none)', outcome: BUDGET_LIMITS[r.limit].outcome });
    logger.warn(`webhook not stored: no room for its body under ${BUDGET_LIMITS[r.limit].variable}; answered 503`, {
      institute,
      heldBytes: r.heldBytes,
      maxBytes: r.maxBytes,
    });
    void reply.header('retry-after', String(retryAfterSeconds));
    return new RetryLaterException(retryAfterSeconds, budgetReason(institute, r));
  };
  fastify.decorateRequest('wiseInstitute', null);
  fastify.decorateRequest('wiseBodyHold', null);
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (req.routeOptions.url !== WEBHOOK_ROUTE) return done();
    const slug = (req.params as { institute?: string }).institute ?? '';
    const shown = slug.length > MAX_SLUG_ECHOED ? `${slug.slice(0, MAX_SLUG_ECHOED)}…` : slug;
    const auth = keys.check(slug, req.headers);
    if (!auth.ok && auth.why === 'not-loaded') {
      metrics.requests.inc({ institute: '(any)', event: '(none)', outcome: 'keys_not_loaded' });
      logger.warn('webhook not stored: institutes not loaded from PostgreSQL yet (see /ready); answered 503', { institute: shown });
      void reply.header('retry-after', '30');
      return refuse(reply, 503, 'Service Unavailable', 'event not stored: institutes and keys not loaded from PostgreSQL yet; retry later');
    }
    if (!auth.ok && auth.why === 'stale') {
      metrics.requests.inc({ institute: '(any)', event: '(none)', outcome: 'keys_stale' });
      logger.error(
        'webhook not stored: institutes and keys are older than INSTITUTES_MAX_STALENESS_MS (PostgreSQL unreachable?); answered 503',
        { institute: shown, ageMs: auth.ageMs },
      );
      void reply.header('retry-after', '30');
      return refuse(
        reply,
        503,
        'Service Unavailable',
        `event not stored: keys could not be checked against PostgreSQL for ${Math.round(auth.ageMs / 1000)} s; retry later`,
      );
    }
    if (!auth.ok) {
      // The label is fixed for unknown slugs so that random URLs cannot grow the metric without bound.
      metrics.requests.inc({ institute: auth.why === 'unknown-institute' ? '(unknown)' : slug, event: '(none)', outcome: 'unauthorized' });
      logger.warn('webhook refused: not authenticated', {
        institute: shown,
        why: auth.why,
        headersPresent: Object.keys(req.headers).sort().slice(0, MAX_HEADER_NAMES_LOGGED),
      });
      return refuse(reply, 401, 'Unauthorized', `missing or wrong key for institute ${JSON.stringify(shown)}`);
    }
    // Compressed bodies are refused, not inflated: nothing Wise sends is compressed, and inflating
    // would need a second size limit against zip bombs. 415 tells a sender to send it plain. It is
    // the one authenticated body not kept: the bytes are an encoding of the event, not the event,
    // so neither the contract nor a reader of the quarantine could check them, and a sender that
    // compresses does so on every retry, which a 415 (unlike a quiet quarantine) makes it notice.
    const encoding = String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      metrics.requests.inc({ institute: slug, event: '(none)', outcome: 'unsupported_encoding' });
      return refuse(
        reply,
        415,
        'Unsupported Media Type',
        `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not accepted: send the body uncompressed`,
      );
    }
    // A declared length over the limit is refused from the headers (Fastify would read up to the
    // limit first); the sender still writing gets its answer (early-answer.ts). A chunked body
    // without a length still meets Fastify's limit.
    const length = Number(req.headers['content-length']);
    if (length > bodyLimitBytes) {
      metrics.requests.inc({ institute: slug, event: '(none)', outcome: 'too_large' });
      return refuse(
        reply,
        413,
        'Payload Too Large',
        `Request body is too large: ${length} bytes, the limit is BODY_LIMIT_BYTES = ${bodyLimitBytes}; nothing stored`,
      );
    }
    // A body that could not fit now is refused before it is sent; one of unknown length (chunked)
    // only when not one byte fits. Nothing is reserved: bytes are held as they arrive (preParsing).
    const refusal = budget.check(slug, Number.isFinite(length) && length > 0 ? length : 1);
    if (refusal) return void reply.code(503).send(refusedForRoom(reply, slug, refusal).getResponse());
    // The body is read as bytes and judged by the contract whatever its Content-Type says: Fastify
    // answered a malformed one ("json", "", "application/json, text/plain") with 415 before the
    // route saw the body, so an authenticated delivery was neither stored nor quarantined. Without
    // the header, Fastify hands the body to the catch-all parser (main.ts) like any other.
    delete req.raw.headers['content-type'];
    const hold = budget.open(slug);
    // 'close' comes once the answer is sent or the client went away, whichever is first.
    reply.raw.once('close', () => hold.release());
    req.wiseBodyHold = hold;
    req.wiseInstitute = slug;
    done();
  });
  fastify.addHook('preParsing', (req: FastifyRequest, reply: FastifyReply, payload, done) => {
    const hold = req.wiseBodyHold;
    if (hold === null) return done(null, payload);
    const counted = new CountedBody(payload, hold, (r) => refusedForRoom(reply, hold.institute, r));
    // What Fastify's body reader uses of a stream (counted-body.ts says why it is not one).
    done(null, counted as unknown as typeof payload);
  });
}
